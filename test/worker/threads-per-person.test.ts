// Several threads, one person: two guest threads merged into one person are
// both theirs; POST /v1/conversations continues the most recently active
// open one, and the list shows every thread, most recent first.
import { describe, expect, it } from "vitest";
import { api, eventually, identityToken, json, openConversation, send, uniqueUser } from "./helpers";
import { myThreads, session } from "./identity-helpers";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("several threads, one person", () => {
  it("continues the most recently active open thread and lists the others", async () => {
    const userId = uniqueUser("two-devices");
    // A guest on the phone and a guest on the laptop, each with a thread.
    const phoneGuest = await session({});
    const phoneThread = await openConversation(phoneGuest.sessionToken);
    await send(phoneGuest.sessionToken, phoneThread, "p1", "asked on the phone");
    await pause(20);
    const laptopGuest = await session({});
    const laptopThread = await openConversation(laptopGuest.sessionToken);
    await send(laptopGuest.sessionToken, laptopThread, "l1", "asked on the laptop");

    // Both sign in as the same person: both threads merge into it.
    await session({ identityToken: await identityToken(userId), guestToken: phoneGuest.guestToken });
    const person = await session({ identityToken: await identityToken(userId), guestToken: laptopGuest.guestToken });
    const listed = await eventually(
      () => myThreads(person.sessionToken),
      (list) => list.length === 2 && list.every((t) => t.lastSeq === 1),
    );
    expect(listed.map((t) => t.id)).toEqual([laptopThread, phoneThread]);
    expect(await openConversation(person.sessionToken)).toBe(laptopThread);

    // Writing in the older thread makes it the one a new chat continues.
    await pause(20);
    expect((await send(person.sessionToken, phoneThread, "p2", "back to the phone thread")).status).toBe(201);
    const reordered = await eventually(
      () => myThreads(person.sessionToken),
      (list) => list[0]?.id === phoneThread,
    );
    expect(reordered.map((t) => t.id)).toEqual([phoneThread, laptopThread]);
    const res = await api("/v1/conversations", { method: "POST", token: person.sessionToken, json: {} });
    expect(res.status).toBe(200);
    expect((await json<{ conversation: { id: string } }>(res)).conversation.id).toBe(phoneThread);
  });
});
