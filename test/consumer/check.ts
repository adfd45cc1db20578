// The consumer check (.ci/consumer-check): run in a fresh project that
// installed the packed tarball, as a business would use it. Imports the
// published entry points only, boots Carryover with the testing kit, sends a
// message through the SDK and reads it back on a second device and with the
// tenant's API key. Exits 1 on any failure.
import { createClient, MemoryStorage, type ConversationHandle } from "carryover/client";
import { startCarryover } from "carryover/testing";

function fail(message: string): never {
  throw new Error(`consumer check: ${message}`);
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const texts = (thread: ConversationHandle) =>
  thread.items.flatMap((i) => (i.event?.type === "message.created" && i.event.content.type === "text" ? [i.event.content.text] : []));

for (const entry of ["carryover/widget", "carryover/widget.js"]) {
  // The widget needs a DOM; here it only has to resolve to a shipped file.
  if (!import.meta.resolve(entry).includes("/node_modules/carryover/dist/")) fail(`${entry} does not resolve into the package`);
}

const started = performance.now();
const cv = await startCarryover();
const bootMs = Math.round(performance.now() - started);
try {
  const token = () => cv.tenant.mintIdentityToken("consumer-1", { name: "Consumer" });
  const phone = createClient({ baseUrl: cv.url, tenant: cv.tenant.id, storage: new MemoryStorage(), identityToken: token });
  await phone.connect();
  const thread = await phone.conversation();
  thread.send({ type: "text", text: "hello from outside the repository" });
  await until(() => texts(thread).includes("hello from outside the repository"), "the server to acknowledge the message");
  phone.close();

  // Another device of the same person reads it back through the SDK.
  const laptop = createClient({ baseUrl: cv.url, tenant: cv.tenant.id, storage: new MemoryStorage(), identityToken: token });
  await laptop.connect();
  const again = await laptop.conversation({ id: thread.id });
  await until(() => texts(again).includes("hello from outside the repository"), "the message on the second device");
  laptop.close();

  // The business reads it with the tenant's API key.
  const res = await fetch(`${cv.url}/v1/conversations/${thread.id}/events`, { headers: { authorization: `Bearer ${cv.tenant.apiKey}` } });
  const body = (await res.json()) as { events: { content?: { text?: string } }[] };
  if (!body.events.some((e) => e.content?.text === "hello from outside the repository")) fail(`the API log lacks the message (${res.status})`);
  console.log(`consumer check: ok (Carryover booted in ${bootMs} ms, tenant ${cv.tenant.id})`);
} finally {
  await cv.dispose();
}
