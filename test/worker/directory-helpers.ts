// Helpers for the directory tests: a fresh tenant per test (the directory is
// tenant-wide), its customers and their threads, and waiting for the D1 row.
import { env } from "cloudflare:test";
import { directoryRow } from "../../src/directory/conversation-index";
import type { DirectoryRow } from "../../src/protocol/directory";
import { api, eventually, identityToken, json, openConversation, send } from "./helpers";
import { createTenant, type TestTenant } from "./identity-helpers";

export interface Customer {
  userId: string;
  token: string;
  conversationId: string;
}

export async function newTenant(): Promise<TestTenant> {
  return createTenant();
}

/** A signed-in customer of `tenant` with an open thread. */
export async function customerOf(tenant: TestTenant, userId: string, name?: string): Promise<Customer> {
  const res = await api("/v1/sessions", {
    method: "POST",
    json: { tenant: tenant.id, identityToken: await identityToken(userId, { secret: tenant.secret, iss: tenant.id, ...(name ? { name } : {}) }) },
  });
  if (res.status !== 201) throw new Error(`session failed: ${res.status} ${await res.text()}`);
  const token = (await json<{ sessionToken: string }>(res)).sessionToken;
  return { userId, token, conversationId: await openConversation(token) };
}

export async function say(customer: Customer, text: string): Promise<void> {
  const res = await send(customer.token, customer.conversationId, crypto.randomUUID(), text);
  if (res.status !== 201) throw new Error(`send failed: ${res.status}`);
}

/** Waits (≤ ~5 s) until the directory row of `id` satisfies `ready`; returns it. */
export async function rowWhen(tenant: string, id: string, ready: (row: DirectoryRow) => boolean): Promise<DirectoryRow> {
  const row = await eventually(() => directoryRow(env.DB, tenant, id), (r) => r !== null && ready(r));
  if (!row || !ready(row)) throw new Error(`directory row of ${id} not ready: ${JSON.stringify(row)}`);
  return row;
}

export interface Page {
  conversations: (DirectoryRow & { match?: { seq: number; snippet: string } })[];
  cursor: string | null;
  counts?: Record<string, number>;
}

export async function list(token: string, query = ""): Promise<Page> {
  const res = await api(`/v1/conversations${query ? `?${query}` : ""}`, { token });
  if (res.status !== 200) throw new Error(`directory failed: ${res.status} ${await res.text()}`);
  return json<Page>(res);
}
