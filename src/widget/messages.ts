// Every sentence the widget may show a visitor about the state of the chat,
// in one table (ready for translation), and the mapping from SDK/API errors
// to them. Error codes, close reasons and server details never reach the
// screen: they are for developers (the SDK's "error" event), not customers.
import { CarryoverError } from "../client/errors";

export const MESSAGES = {
  offline: "Reconnecting… Your messages are kept and sent as soon as the connection is back.",
  unavailable: "The chat is not available right now. Please try again in a moment.",
  signedOut: "You have been signed out of the chat on this device.",
  signInFailed: "We could not sign you in to the chat. Please try again.",
  slowDown: "You are sending messages quickly. The rest will follow in a moment.",
  conversationGone: "This conversation is no longer available.",
  linkFailed: "We could not create a link. Please try again.",
  linkUsed: "This link has already been used or has expired. Ask for a new one on your other device.",
  linkCopied: "Link copied.",
  notKept: "Your messages will not be kept if you reload this page.",
  notSent: "Not sent.",
  notSentTooLong: "Not sent: the message is too long.",
  notSentRefused: "Not sent: this message could not be accepted.",
  fileTooLarge: "This file is too large to send (limit {limit}).",
  fileType: "This kind of file can't be sent.",
  somethingWrong: "Something went wrong. Please try again.",
  loading: "Loading…",
  partFailed: "This part of the chat could not be loaded. Check your connection and try again.",
} as const;

export type MessageKey = keyof typeof MESSAGES;

/** What the visitor was doing when an error came; it picks the sentence. */
export type Context = "chat" | "start" | "signIn" | "link" | "handoff" | "file";

/**
 * The sentence for an error, or null when it is no news to the visitor (a
 * retry is under way, or the change was one the visitor asked for).
 */
export function messageFor(err: unknown, context: Context): MessageKey | null {
  const code = err instanceof CarryoverError ? err.code : "internal";
  if (context === "handoff") return "linkUsed";
  if (context === "link") return code === "network" ? "offline" : "linkFailed";
  if (context === "signIn") return code === "network" ? "offline" : "signInFailed";
  switch (code) {
    // A refused file: said where the file was picked ("file"), or on its failed row.
    case "payload_too_large":
    case "unsupported_media_type":
      return context === "file" ? notSentFor(code, true) : null;
    case "network":
    case "internal":
      return context === "start" ? "unavailable" : "offline";
    case "rate_limited":
      return "slowDown";
    case "token_revoked":
    case "signed_out":
      return "signedOut";
    case "not_found":
    case "forbidden":
      return "conversationGone";
    case "closed":
      return null;
    default:
      return context === "start" ? "unavailable" : "somethingWrong";
  }
}

/**
 * The status line of a message the server refused, from the code the SDK kept
 * with it (`file`: the message is an upload). For a file only "notSent"
 * (network, 5xx, an upload a reload cut off) is worth a Retry: the others
 * fail the same way again.
 */
export function notSentFor(code: string | null, file = false): MessageKey {
  if (code === "payload_too_large") return file ? "fileTooLarge" : "notSentTooLong";
  if (code === "unsupported_media_type") return "fileType";
  if (code === "invalid_request" || code === "conflict") return "notSentRefused";
  if (code === "not_found" || code === "forbidden") return "conversationGone";
  return "notSent";
}
