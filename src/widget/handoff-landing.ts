// The landing of a "Continue on another device" link (the page's address
// carries ?handoff=<token>&tenant=<id>): the token is single use, so it leaves
// the address (and any Referer) at once, and it is redeemed only after the
// visitor asks for it, since a link scanner's headless browser runs the page too.
import type { CarryoverClient } from "../client/index";
import type { Cover } from "./cover";
import { errorText } from "./error-text";
import { loadExtras } from "./extras-loader";
import { MESSAGES } from "./messages";

/**
 * Sets the page's referrer policy to `no-referrer` (a meta element, honoured
 * for requests made after it is added), so no link followed from a handoff
 * landing can carry the address it was opened with.
 */
function withoutReferrer(): void {
  if (document.querySelector('meta[name="referrer"][content="no-referrer"]')) return;
  const meta = document.createElement("meta");
  meta.name = "referrer";
  meta.content = "no-referrer";
  document.head.append(meta);
}

/**
 * The id of the conversation a handoff link in the page's address hands to
 * this device, once the visitor chose "Continue this conversation here" (the
 * question, one of the extras, is asked in `cover` after `open()` shows the
 * panel). Null when the address has no link for `tenant`, when the visitor
 * declines, when the question cannot be loaded, and when the link is used up
 * or expired (the last two said with `setStatus`, in words).
 */
export async function landFromHandoff(
  tenant: string,
  client: CarryoverClient,
  cover: Cover,
  open: () => void,
  setStatus: (text: string) => void,
): Promise<string | null> {
  const url = new URL(location.href);
  const handoff = url.searchParams.get("handoff");
  const linkTenant = url.searchParams.get("tenant");
  if (!handoff || (linkTenant && linkTenant !== tenant)) return null;
  // Single use: drop it from the address bar (and from any Referer) before anything else can reuse it.
  url.searchParams.delete("handoff");
  url.searchParams.delete("tenant");
  history.replaceState(history.state, "", url);
  withoutReferrer();
  const extras = await loadExtras(cover.section).catch(() => null);
  if (!extras) {
    setStatus(MESSAGES.partFailed);
    return null;
  }
  if (!(await extras.askHandoff(cover, open))) return null;
  return client.redeemHandoff(handoff).catch((err: unknown) => {
    // Used up or expired: say so in words, and go on with the visitor's own chat.
    setStatus(errorText(err, "handoff"));
    return null;
  });
}
