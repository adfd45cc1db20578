// The one way an error becomes words on the visitor's screen.
import { limitText } from "./attachments";
import { MESSAGES, messageFor, type Context } from "./messages";

/** The visitor's sentence for an error ("" when it is no news to them); `context`: what they were doing. */
export function errorText(err: unknown, context: Context = "chat"): string {
  const key = messageFor(err, context);
  return key === null ? "" : limitText(MESSAGES[key]);
}
