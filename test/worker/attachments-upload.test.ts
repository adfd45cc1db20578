// POST /v1/attachments: every allowed type, sniffing, size limits checked
// while streaming, who may upload where, and the per-device rate limit.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, BOT_KEY, api, json, openConversation, openSession, uniqueUser } from "./helpers";
import { HTML, SVG, gif, jpeg, mp3, mp4, ogg, pdf, png, sha256Hex, text, upload, webm, webp, type UploadedAttachment } from "./attachment-files";

const MiB = 1024 * 1024;

async function customer() {
  const session = await openSession(uniqueUser());
  return { token: session.sessionToken, conversationId: await openConversation(session.sessionToken) };
}

describe("POST /v1/attachments", () => {
  it("stores every allowed type with its size, sha256 and media type, and image dimensions from the header", async () => {
    const { token, conversationId } = await customer();
    const cases: [string, Uint8Array, string, { width: number; height: number } | null][] = [
      ["image/png", await png(3, 2), "image", { width: 3, height: 2 }],
      ["image/jpeg", jpeg(5, 4), "image", { width: 5, height: 4 }],
      ["image/gif", gif(), "image", { width: 1, height: 1 }],
      ["image/webp", webp(), "image", { width: 1, height: 1 }],
      ["video/mp4", mp4(), "video", null],
      ["video/webm", webm(), "video", null],
      ["audio/mpeg", mp3(), "audio", null],
      ["audio/ogg", ogg(), "audio", null],
      ["audio/webm", webm(), "audio", null],
      ["audio/mp4", mp4("M4A "), "audio", null],
      ["application/pdf", pdf(), "file", null],
      ["text/plain", text(), "file", null],
    ];
    for (const [type, file, mediaType, size] of cases) {
      const res = await upload(token, conversationId, file, type, `sample.${type.split("/")[1]}`);
      expect(res.status, type).toBe(201);
      const { attachment } = await json<{ attachment: UploadedAttachment }>(res);
      expect(attachment).toMatchObject({ conversationId, mediaType, contentType: type, size: file.length, sha256: await sha256Hex(file) });
      expect(attachment.id).toMatch(/^att_/);
      if (size) expect({ width: attachment.width, height: attachment.height }, type).toEqual(size);
      else expect(attachment.width, type).toBeUndefined();
      const key = `demo/${conversationId}/${attachment.id}`;
      const stored = await env.ATTACHMENTS.get(key);
      expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(file);
    }
  });

  it("refuses bytes that are not the declared type (HTML or SVG as image/png) with 415, storing nothing", async () => {
    const { token, conversationId } = await customer();
    for (const [body, type] of [
      [HTML, "image/png"],
      [SVG, "image/png"],
      [pdf(), "image/jpeg"],
      [await png(), "text/plain"],
      [HTML, "application/pdf"],
    ] as const) {
      const res = await upload(token, conversationId, body, type, "cat.png");
      expect(res.status, `${type}`).toBe(415);
      expect((await json(res)).code).toBe("unsupported_media_type");
    }
    const listed = await env.ATTACHMENTS.list({ prefix: `demo/${conversationId}/` });
    expect(listed.objects).toHaveLength(0);
  });

  it("refuses types outside the allow-list (SVG, HTML) with 415", async () => {
    const { token, conversationId } = await customer();
    expect((await upload(token, conversationId, SVG, "image/svg+xml", "a.svg")).status).toBe(415);
    expect((await upload(token, conversationId, HTML, "text/html", "a.html")).status).toBe(415);
  });

  it("answers 413 for 25 MiB + 1 byte", async () => {
    const { token, conversationId } = await customer();
    const big = new Uint8Array(25 * MiB + 1);
    big.set(await png());
    const res = await upload(token, conversationId, big, "image/png", "big.png");
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe("payload_too_large");
    // Exactly 25 MiB is allowed.
    const ok = await upload(token, conversationId, big.subarray(0, 25 * MiB), "image/png", "limit.png");
    expect(ok.status).toBe(201);
  });

  it("checks the limit while streaming: an endless body without Content-Length gets 413 after the limit, not never", async () => {
    const { token, conversationId } = await customer();
    const header = await png();
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = pulled === 0 ? header : new Uint8Array(256 * 1024);
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await upload(token, conversationId, endless, "image/png", "endless.png");
    expect(res.status).toBe(413);
    expect(pulled).toBeGreaterThan(25 * MiB);
    expect(pulled).toBeLessThan(40 * MiB);
    const listed = await env.ATTACHMENTS.list({ prefix: `demo/${conversationId}/` });
    expect(listed.objects).toHaveLength(0);
  });

  it("streams a chunked body of several parts into R2 intact", async () => {
    const { token, conversationId } = await customer();
    const file = new Uint8Array(11 * MiB + 123);
    for (let i = 0; i < file.length; i += 4093) file[i] = i % 251;
    file.set(mp4());
    let offset = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= file.length) return controller.close();
        controller.enqueue(file.slice(offset, offset + 700_000));
        offset += 700_000;
      },
    });
    const res = await upload(token, conversationId, chunked, "video/mp4", "clip.mp4");
    expect(res.status).toBe(201);
    const { attachment } = await json<{ attachment: UploadedAttachment }>(res);
    expect(attachment.size).toBe(file.length);
    expect(attachment.sha256).toBe(await sha256Hex(file));
    const stored = await env.ATTACHMENTS.get(`demo/${conversationId}/${attachment.id}`);
    expect(stored!.size).toBe(file.length);
  });

  it("uses the tenant's own limit", async () => {
    const tenant = `att-${crypto.randomUUID().slice(0, 8)}`;
    const created = await api("/v1/admin/tenants", {
      method: "POST",
      token: ADMIN_TOKEN,
      json: { id: tenant, name: "Small files", identity: { issuer: tenant, hs256Secrets: ["x".repeat(32)] }, attachments: { maxBytes: 2048 } },
    });
    expect(created.status).toBe(201);
    const { apiKey } = await json<{ apiKey: string }>(created);
    // A business caller needs a conversation of that tenant: a person's, made through a session.
    const { SignJWT } = await import("jose");
    const idToken = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(tenant)
      .setAudience("carryover")
      .setSubject("bob")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("x".repeat(32)));
    const session = await json<{ sessionToken: string }>(await api("/v1/sessions", { method: "POST", json: { tenant, identityToken: idToken } }));
    const conversationId = await openConversation(session.sessionToken);
    const small = new Uint8Array(2048);
    small.set(pdf());
    expect((await upload(apiKey, conversationId, small, "application/pdf", "ok.pdf")).status).toBe(201);
    const large = new Uint8Array(2049);
    large.set(pdf());
    expect((await upload(apiKey, conversationId, large, "application/pdf", "big.pdf")).status).toBe(413);
  });

  it("lets a customer upload only into their own thread (404 elsewhere); the business into any thread of its tenant", async () => {
    const alice = await customer();
    const bob = await customer();
    const file = await png();
    const res = await upload(bob.token, alice.conversationId, file, "image/png", "x.png");
    expect(res.status).toBe(404);
    expect((await upload(BOT_KEY, alice.conversationId, file, "image/png", "x.png")).status).toBe(201);
    expect((await upload(alice.token, "cnv_0000000000000000000000", file, "image/png", "x.png")).status).toBe(404);
  });

  it("validates the query and keeps only the file's base name", async () => {
    const { token, conversationId } = await customer();
    expect((await upload(token, "nope", await png(), "image/png", "a.png")).status).toBe(400);
    expect((await upload(token, conversationId, await png(), "image/png", "")).status).toBe(400);
    const res = await upload(token, conversationId, await png(), "image/png", "C:\\Users\\me/../photo\u0007.png");
    expect((await json<{ attachment: UploadedAttachment }>(res)).attachment.filename).toBe("photo.png");
    expect((await upload(token, conversationId, new Uint8Array(), "image/png", "empty.png")).status).toBe(400);
  });

  it("limits uploads per device (429 with Retry-After)", async () => {
    const { token, conversationId } = await customer();
    const file = await png();
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await upload(token, conversationId, file, "image/png", "p.png")).status);
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    const refused = await upload(token, conversationId, file, "image/png", "p.png");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
