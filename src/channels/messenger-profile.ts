// A Messenger person's name, from the User Profile API: a webhook carries only
// the page-scoped id (PSID), so the name the business sees in its inbox and
// directory is looked up with the page's token —
// `GET <graph base>/<PSID>?fields=first_name,last_name` (Messenger Platform,
// "User Profile API"; a business app needs Meta's "Business Asset User
// Profile Access" feature, without which Graph refuses the lookup). One look
// per identity and PROFILE_MAX_AGE_MS; a refused or failed look is tried again
// after LOOKUP_RETRY_MS, never fails the person's message, and holds it at most
// LOOKUP_TIMEOUT_MS. Only the identity's own thread takes the name
// (process-inbound.ts): a linked or signed-in person keeps the business's.
import type { Env } from "../env";
import { cleanName } from "../protocol/names";
import type { InboxStore } from "./inbox-store";
import { graphBaseOf } from "./send";
import { findChannel } from "./settings";

/** A name is looked up again after this long (people rename themselves). */
export const PROFILE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** A look that failed (no permission, Graph down) is not tried again before this. */
export const LOOKUP_RETRY_MS = 24 * 3600 * 1000;
/** How long a look may hold the person's first message (and those after it) when Graph does not answer. */
export const LOOKUP_TIMEOUT_MS = 3_000;

/** The identity's looks (InboxStore key "profile"): the name found, if any, and when to look again (ms). */
interface ProfileLook {
  name?: string;
  next: number;
}

/**
 * The display name of Messenger person `psid` (first and last name, cleaned
 * like every display name: src/protocol/names.ts), from the identity's last
 * look while it is fresh, else looked up with the tenant's Messenger channel.
 * Resolves undefined when no name is known. The platform's failures are
 * logged, never thrown; throws only when the channel cannot be read (D1),
 * so the item is processed again later.
 */
export async function messengerName(env: Env, tenant: string, store: InboxStore, psid: string, now = Date.now()): Promise<string | undefined> {
  const last = JSON.parse(store.get("profile") ?? "null") as ProfileLook | null;
  if (last && now < last.next) return last.name;
  const config = await findChannel(env, tenant, "messenger");
  if (!config) return last?.name;
  let name: string | undefined;
  try {
    const res = await fetch(`${graphBaseOf(env, config)}/${encodeURIComponent(psid)}?fields=first_name,last_name`, {
      headers: { authorization: `Bearer ${config.accessToken}` },
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    const body = (await res.json()) as { first_name?: string; last_name?: string };
    if (res.ok) name = cleanName(`${body.first_name ?? ""} ${body.last_name ?? ""}`);
    else console.warn(`messenger profile of ${psid}: HTTP ${res.status}`, JSON.stringify(body).slice(0, 300));
  } catch (err) {
    console.warn(`messenger profile of ${psid}: no answer`, err);
  }
  // A failed look keeps the name found before (a rename is missed, never a name lost) and is retried sooner.
  const look: ProfileLook = { next: now + (name ? PROFILE_MAX_AGE_MS : LOOKUP_RETRY_MS) };
  const kept = name ?? last?.name;
  if (kept) look.name = kept;
  store.set("profile", JSON.stringify(look));
  return kept;
}
