// What a platform webhook carries for Carryover, whatever the platform: the
// items parse-messenger.ts and parse-whatsapp.ts produce from verified
// payloads, stored by the channel identity's ChannelInbox and processed there.
import type { Content } from "../protocol/content";
import type { ChannelKind } from "./settings";
import { CHANNEL_PERSON_PREFIXES } from "../ids";

interface ItemBase {
  /** De-duplication key: the platform's message id (mid / wamid) or, for receipts, what identifies them. */
  key: string;
  channel: ChannelKind;
  /** The platform user: a Messenger PSID or a WhatsApp wa_id. */
  from: string;
  /** When the platform says it happened, in ms since the epoch. */
  at: number;
}

/** A customer's message or tap: one log event per part (a message with two photos has two parts). */
export interface MessageItem extends ItemBase {
  kind: "message";
  parts: Content[];
  name?: string;
  /** WhatsApp media of `parts[0]` (which holds the text kept when it cannot be fetched): see whatsapp-media.ts. */
  whatsAppMedia?: WhatsAppMediaRef;
  /** A referral that came with it (a postback from Get Started after an m.me link, an ad). */
  ref?: string;
}

/**
 * A WhatsApp media message's file: the Cloud API sends a media id to look up
 * with the channel's token, not a URL (WhatsApp Cloud API webhook reference,
 * "messages" field: image, video, audio, document, sticker).
 */
export interface WhatsAppMediaRef {
  id: string;
  kind: "image" | "video" | "audio" | "document" | "sticker";
  mimeType?: string;
  caption?: string;
  /** A document's file name as the person's phone gave it. */
  filename?: string;
}

/** The person opened the thread from a link with a `ref` (m.me?ref=…). */
export interface ReferralItem extends ItemBase {
  kind: "referral";
  ref: string;
}

/** Messages the business sent were delivered or read, or failed after the platform accepted them. */
export interface ReceiptItem extends ItemBase {
  kind: "receipt";
  status: "delivered" | "read" | "failed";
  /** Why, for "failed" (WhatsApp reports some failures only by status webhook). */
  error?: string;
  /** Platform ids of the messages it covers (Messenger delivery mids, a WhatsApp status id). */
  mids: string[];
  /** Everything sent before this time (ms) is covered (Messenger watermarks). */
  watermark?: number;
}

export type InboundItem = MessageItem | ReferralItem | ReceiptItem;

/** The person id of a channel identity (API.md: `msgr_<psid>`, `wa_<wa_id>`; CHANNEL_PERSON_PREFIXES). */
export function personIdOf(channel: ChannelKind, platformId: string): string {
  return `${CHANNEL_PERSON_PREFIXES[channel]}${platformId}`;
}

/** Customer text is cut to the API's 4096 code points rather than refused. */
export const MAX_TEXT = 4096;
