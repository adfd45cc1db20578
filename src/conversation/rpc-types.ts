// The shapes the Conversation DO's RPC methods take and answer that belong to
// no store of their own (the Worker's routes build them from validated input).
import type { ChannelKind } from "../channels/settings";
import type { Content } from "../protocol/content";
import type { BusinessConversationInfo, Event } from "../protocol/event";
import type { RevokedSession } from "./revoked-sessions";

/** A message to append (HTTP send, a live `send` frame, a broadcast, a channel message). */
export interface SendInput {
  clientId: string;
  content: Content;
  /** Required for business senders, ignored for customers. */
  sender?: { role: "bot" | "agent"; id: string; name?: string };
  /** Set only by the broadcast fan-out (src/broadcast/deliver.ts); never from a request body. */
  broadcastId?: string;
  /** Set only by receiveFromChannel: the messenger app the customer wrote in. */
  channel?: ChannelKind;
}

/** An internal note to write. */
export interface NoteInput {
  clientId: string;
  text: string;
  /** API keys may name the writer; agent sessions always write as their agent. */
  sender?: { role: "bot" | "agent"; id: string; name?: string };
}

/** A state change answered to the business: the conversation after it, and its event (null when nothing changed). */
export interface StateAnswer {
  conversation: BusinessConversationInfo;
  event: Event | null;
}

/** A new conversation of `userId` (Conversation.init, from the Customer DO). */
export interface InitInput {
  tenant: string;
  id: string;
  userId: string;
  ref?: string;
  customerName?: string;
  /** The person's signed-out sessions, handed over by their Customer DO when it creates the thread. */
  revoked?: RevokedSession[];
}

/** A message from a person's messenger identity (Conversation.receiveFromChannel, from the channel inbox). */
export interface ChannelMessageInput {
  tenant: string;
  userId: string;
  /** Names the identity's read cursor. */
  deviceId: string;
  name?: string;
  channel: ChannelKind;
  /** The identity's platform id: where replies go. */
  recipient: string;
  /** When the message came in (ms since the epoch): the binding's last inbound time. */
  at: number;
  clientId: string;
  content: Content;
}
