// sendFile through the SDK against the real Worker (and its local R2): the
// file shows at once with upload progress, becomes one media message; refused
// files are failed, cancel drops an upload, and a reload never loses or
// doubles a file message.
import { describe, expect, it } from "vitest";
import { MemoryStorage, type ConversationHandle } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { sdkClient, serverLog, uniqueUser, waitFor } from "./sdk-helpers.ts";

const server = useLocalServer();

/** A real 1×1 PNG (the same bytes a browser's canvas makes for one white pixel). */
const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);

const settled = (h: ConversationHandle) => h.items.every((i) => i.pending === undefined);

async function mediaEvents(conversationId: string) {
  return (await serverLog(server().url, conversationId)).filter((e) => e.content?.type === "media");
}

describe("SDK sendFile", () => {
  it("uploads, reports progress and sends one media message that carries the attachment", async () => {
    const c = sdkClient(server().url, uniqueUser(), new MemoryStorage());
    const h = await c.conversation();
    const progress: number[] = [];
    h.on("upload", (p) => progress.push(p.loaded));
    const item = h.sendFile(new File([PNG], "dot.png", { type: "image/png" }));
    expect(item.pending).toMatchObject({ state: "pending", upload: { name: "dot.png", type: "image/png", size: PNG.length, loaded: 0 } });
    await waitFor(() => settled(h) && h.items.length === 1, "the file message");
    const event = h.items[0]!.event as unknown as { content: { mediaType: string; attachmentId: string }; attachment: { filename: string; width: number } };
    expect(event.content.mediaType).toBe("image");
    expect(event.attachment).toMatchObject({ filename: "dot.png", width: 1, contentType: "image/png" });
    expect(progress.at(-1)).toBe(PNG.length);
    expect(await mediaEvents(h.id)).toHaveLength(1);
    const url = await h.attachmentUrl(event.content.attachmentId);
    const res = await fetch(url);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
    c.close();
  });

  it("shows a file the server refuses (HTML named .png) as failed, and sends nothing", async () => {
    const c = sdkClient(server().url, uniqueUser(), new MemoryStorage());
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    const h = await c.conversation();
    h.sendFile(new File(["<html><script>alert(1)</script></html>"], "cat.png", { type: "image/png" }));
    await waitFor(() => h.items[0]?.pending?.state === "failed", "the failure");
    expect(h.items[0]!.pending!.error).toBe("unsupported_media_type");
    expect(errors).toContain("unsupported_media_type");
    expect(() => h.sendFile(new File(["x"], "a.exe", { type: "application/x-msdownload" }))).toThrow(/cannot be sent/);
    expect(await mediaEvents(h.id)).toHaveLength(0);
    c.close();
  });

  it("refuses a file over a known limit (maxBytes) before uploading anything; one at the limit goes", async () => {
    const c = sdkClient(server().url, uniqueUser(), new MemoryStorage());
    const h = await c.conversation();
    let thrown: unknown;
    try {
      h.sendFile(new File([PNG], "dot.png", { type: "image/png" }), { maxBytes: PNG.length - 1 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: "payload_too_large", status: 413 });
    expect(h.items).toHaveLength(0);
    h.sendFile(new File([PNG], "dot.png", { type: "image/png" }), { maxBytes: PNG.length });
    await waitFor(() => settled(h) && h.items.length === 1, "the file message");
    expect(await mediaEvents(h.id)).toHaveLength(1);
    c.close();
  });

  it("cancels an upload in progress: the item and the stored entry are gone, nothing is sent", async () => {
    const storage = new MemoryStorage();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slowFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes("/v1/attachments?")) {
        await Promise.race([gate, new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))))]);
      }
      return fetch(input, init);
    }) as typeof fetch;
    const c = sdkClient(server().url, uniqueUser(), storage, { fetch: slowFetch });
    const h = await c.conversation();
    const item = h.sendFile(new Blob([PNG], { type: "image/png" }));
    await waitFor(() => (storage.get(`carryover:demo:outbox:${h.id}`) ?? "").includes("upload"), "the stored entry");
    expect(h.cancel(item.pending!.clientId)).toBe(true);
    expect(h.items).toHaveLength(0);
    release();
    await waitFor(() => storage.get(`carryover:demo:outbox:${h.id}`) === null, "the outbox emptied");
    await new Promise((r) => setTimeout(r, 300));
    expect(await mediaEvents(h.id)).toHaveLength(0);
    c.close();
  });

  it("after a reload during the upload shows the file failed, and a retry with the file sends it once", async () => {
    const storage = new MemoryStorage();
    const user = uniqueUser();
    const hang = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes("/v1/attachments?")) return new Promise<Response>(() => undefined);
      return fetch(input, init);
    }) as typeof fetch;
    const first = sdkClient(server().url, user, storage, { fetch: hang });
    const h1 = await first.conversation();
    const clientId = h1.sendFile(new File([PNG], "part.png", { type: "image/png" })).pending!.clientId;
    await waitFor(() => (storage.get(`carryover:demo:outbox:${h1.id}`) ?? "").includes(clientId), "the stored entry");
    first.close(); // the page goes away mid-upload

    const second = sdkClient(server().url, user, storage);
    const h2 = await second.conversation({ id: h1.id });
    expect(h2.items).toHaveLength(1);
    expect(h2.items[0]!.pending).toMatchObject({ clientId, state: "failed", error: "upload_interrupted", upload: { name: "part.png" } });
    h2.retry(clientId, new File([PNG], "part.png", { type: "image/png" }));
    await waitFor(() => settled(h2) && h2.items.length === 1, "the retried file message");
    const sent = await mediaEvents(h2.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.clientId).toBe(clientId);
    second.close();
  });

  it("after a reload between the upload and the send, delivers the message once without uploading again", async () => {
    const storage = new MemoryStorage();
    const user = uniqueUser();
    let uploads = 0;
    const noSend = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes("/v1/attachments?")) uploads++;
      if (String(input).endsWith("/messages")) throw new TypeError("fetch failed (offline)");
      return fetch(input, init);
    }) as typeof fetch;
    // No live socket either: a port nobody listens on.
    class DeadSocket extends WebSocket {
      constructor(_url: string | URL, protocols?: string | string[]) {
        super("ws://127.0.0.1:9/offline", protocols);
      }
    }
    const first = sdkClient(server().url, user, storage, { fetch: noSend, WebSocket: DeadSocket });
    const h1 = await first.conversation();
    const clientId = h1.sendFile(new File([PNG], "late.png", { type: "image/png" })).pending!.clientId;
    await waitFor(() => (storage.get(`carryover:demo:outbox:${h1.id}`) ?? "").includes("attachmentId"), "the uploaded entry");
    first.close();

    const second = sdkClient(server().url, user, storage);
    const h2 = await second.conversation({ id: h1.id });
    await waitFor(() => settled(h2) && h2.items.length === 1, "delivery after the reload");
    expect(uploads).toBe(1);
    const sent = await mediaEvents(h2.id);
    expect(sent.map((e) => e.clientId)).toEqual([clientId]);
    second.close();
  });
});
