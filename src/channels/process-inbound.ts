// Processing one stored webhook item of a channel identity: messages go into
// the person's thread (created with the same machinery as for web sessions),
// a signed one-time channel-link ref links the identity to a web person's
// thread, receipts mark deliveries and move the identity's read cursor.
// Every step is idempotent, so an item whose processing failed halfway is
// simply processed again.
import { carryPerson } from "../broadcast/people";
import { conversationStub, customerStub } from "../directory/stubs";
import type { Env } from "../env";
import { settingsOf } from "../env";
import { isGuestId, sha256Hex } from "../ids";
import type { CustomerAccess } from "../protocol/access";
import { unwrap } from "../protocol/result";
import { personIdOf, type InboundItem, type MessageItem, type ReceiptItem } from "./inbound";
import type { InboxStore } from "./inbox-store";
import { importMedia } from "./inbound-media";
import { verifyLinkRef } from "./link-ref";
import { messengerName } from "./messenger-profile";
import { importWhatsAppMedia } from "./whatsapp-media";

interface Context {
  env: Env;
  tenant: string;
  store: InboxStore;
}

function conversationOf(ctx: Context, id: string) {
  return conversationStub(ctx.env, ctx.tenant, id);
}

/**
 * Links the identity to the thread a valid channel-link `ref` names, once:
 * the thread records the ref's id, so the same ref never links
 * another identity. Returns whether the identity is linked by it; refs that
 * are not channel-link refs (ads, other links) are ignored.
 */
async function redeemRef(ctx: Context, item: InboundItem & { ref: string }): Promise<boolean> {
  const proof = await verifyLinkRef(settingsOf(ctx.env).sessionKey, ctx.tenant, item.ref);
  if (!proof) return false;
  const conversation = conversationOf(ctx, proof.conversationId);
  if (!(await conversation.claimChannelRef(proof.id, item.channel, item.from))) {
    console.warn(`channel-link ref ${proof.id} was already used by another identity; ignored`);
    return false;
  }
  const view = unwrap(await conversation.channelView(ctx.tenant));
  unwrap(await conversation.bindChannel({ tenant: ctx.tenant, channel: item.channel, recipient: item.from, at: item.at }));
  // The thread the identity wrote to before (its own, or one it was linked to) no longer reaches it,
  // so what it opted in to, and the labels and timezone the business gave it, move to the person it now writes as.
  const previous = ctx.store.get("conversationId");
  if (previous && previous !== proof.conversationId) {
    unwrap(await conversationOf(ctx, previous).unbindChannel({ tenant: ctx.tenant, channel: item.channel, recipient: item.from, movedTo: proof.conversationId }));
  }
  const own = personIdOf(item.channel, item.from);
  if (view.userId !== own) await carryPerson(ctx.env.DB, ctx.tenant, own, view.userId);
  ctx.store.set("link", JSON.stringify({ userId: view.userId, conversationId: proof.conversationId, at: new Date().toISOString() }));
  ctx.store.set("conversationId", proof.conversationId);
  return true;
}

/**
 * The thread the identity writes to and its owner: the linked web person's
 * thread, else the identity's own open thread — with the platform's name of
 * the person only then: a linked or signed-in person keeps the name their
 * business gave them (the identity token's).
 */
async function target(ctx: Context, item: MessageItem): Promise<{ conversationId: string; userId: string; name?: string }> {
  const link = ctx.store.link();
  if (link) {
    // The owner may have changed since (a guest who signed in): the thread knows, and the link
    // (what the contact lookup reports) follows it.
    const view = unwrap(await conversationOf(ctx, link.conversationId).channelView(ctx.tenant));
    if (view.userId !== link.userId) ctx.store.set("link", JSON.stringify({ ...link, userId: view.userId }));
    return { conversationId: link.conversationId, userId: view.userId };
  }
  const userId = personIdOf(item.channel, item.from);
  const customer = customerStub(ctx.env, ctx.tenant, userId);
  // A Messenger webhook names nobody: the person's name comes from the User Profile API.
  const name = item.channel === "messenger" ? await messengerName(ctx.env, ctx.tenant, ctx.store, item.from) : item.name;
  // The messenger user is a person of the people index from their first message (the Customer DO records it).
  const opened = await customer.openConversation({ tenant: ctx.tenant, userId, seenOnChannel: name ? { name } : {} });
  if (!opened.ok && opened.error.code === "token_revoked") {
    // The person signed in on the website (a guest merge, see isChannelPerson): their
    // thread moved to the identified person, who the identity now writes as.
    const last = ctx.store.get("conversationId");
    if (last) {
      const view = unwrap(await conversationOf(ctx, last).channelView(ctx.tenant));
      if (view.userId !== userId) {
        ctx.store.set("link", JSON.stringify({ userId: view.userId, conversationId: last, at: new Date().toISOString() }));
        return { conversationId: last, userId: view.userId };
      }
    }
  }
  return { conversationId: unwrap(opened).conversation.id, userId, ...(name ? { name } : {}) };
}

async function processMessage(ctx: Context, item: MessageItem): Promise<void> {
  if (item.ref) await redeemRef(ctx, { ...item, ref: item.ref });
  const { conversationId, userId, name } = await target(ctx, item);
  ctx.store.set("conversationId", conversationId);
  const conversation = conversationOf(ctx, conversationId);
  // Platform ids can be longer than a clientId may be: a digest keeps them unique and short.
  const clientId = `${item.channel}:${(await sha256Hex(item.key)).slice(0, 40)}`;
  const access: CustomerAccess = {
    kind: "customer",
    tenant: ctx.tenant,
    userId,
    deviceId: personIdOf(item.channel, item.from),
    sessionId: "channel",
    guest: isGuestId(userId),
  };
  for (const [i, part] of item.parts.entries()) {
    const partClientId = item.parts.length > 1 ? `${clientId}#${i}` : clientId;
    // Media by the platform's URL or WhatsApp media id become attachments of the thread
    // (kept as URLs, or WhatsApp's text, when they cannot be stored).
    const content =
      i === 0 && item.whatsAppMedia
        ? await importWhatsAppMedia(ctx.env, conversation, access, conversationId, partClientId, item.whatsAppMedia, part)
        : await importMedia(ctx.env, conversation, access, conversationId, partClientId, part);
    unwrap(
      await conversation.receiveFromChannel({
        tenant: ctx.tenant,
        userId,
        deviceId: personIdOf(item.channel, item.from),
        ...(name ? { name } : {}),
        channel: item.channel,
        recipient: item.from,
        at: item.at,
        clientId: partClientId,
        content,
      }),
    );
  }
}

async function processReceipt(ctx: Context, item: ReceiptItem): Promise<void> {
  const conversationId = ctx.store.get("conversationId");
  if (!conversationId) return; // nothing was ever sent to this identity from a thread
  const conversation = conversationOf(ctx, conversationId);
  const seq = await conversation.channelReceipt({
    status: item.status,
    mids: item.mids,
    ...(item.watermark !== undefined ? { watermark: item.watermark } : {}),
    ...(item.error !== undefined ? { error: item.error } : {}),
  });
  if (item.status !== "read" || seq === 0) return;
  const view = unwrap(await conversation.channelView(ctx.tenant));
  const access: CustomerAccess = {
    kind: "customer",
    tenant: ctx.tenant,
    userId: view.userId,
    deviceId: personIdOf(item.channel, item.from),
    sessionId: "channel",
    guest: isGuestId(view.userId),
  };
  unwrap(await conversation.markRead(access, seq));
}

/** Processes one item; throws when it should be tried again later. */
export async function processInbound(ctx: Context, item: InboundItem): Promise<void> {
  switch (item.kind) {
    case "message":
      return processMessage(ctx, item);
    case "referral":
      await redeemRef(ctx, item);
      return;
    case "receipt":
      return processReceipt(ctx, item);
  }
}
