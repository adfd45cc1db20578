// Reading attachments: the signed redirect, who may follow it, tampered and
// expired links, the content headers of a PDF and a PNG, and byte ranges.
import { describe, expect, it } from "vitest";
import { signContentUrl } from "../../src/attachments/signing";
import { BASE, BOT_KEY, api, openConversation, openSession, uniqueUser } from "./helpers";
import { mp4, pdf, png, uploaded } from "./attachment-files";

const SECRET = new TextEncoder().encode("test-session-secret-0123456789abcdef0123456789");

async function customer() {
  const session = await openSession(uniqueUser());
  return { token: session.sessionToken, conversationId: await openConversation(session.sessionToken) };
}

async function contentPath(token: string, id: string): Promise<string> {
  const res = await api(`/v1/attachments/${id}`, { token, redirect: "manual" });
  expect(res.status).toBe(302);
  const location = res.headers.get("location")!;
  expect(location).toMatch(new RegExp(`^/v1/attachments/${id}/content\\?`));
  return location;
}

describe("GET /v1/attachments/:id", () => {
  it("redirects to a signed content URL valid for at most 15 minutes", async () => {
    const { token, conversationId } = await customer();
    const file = await uploaded(token, conversationId, await png(), "image/png", "a.png");
    const location = await contentPath(token, file.id);
    const exp = Number(new URL(location, BASE).searchParams.get("exp"));
    const now = Date.now() / 1000;
    expect(exp).toBeGreaterThan(now + 14 * 60);
    expect(exp).toBeLessThanOrEqual(now + 15 * 60 + 1);
    const content = await api(location);
    expect(content.status).toBe(200);
  });

  it("answers 404 to someone who cannot read the conversation, and for unknown ids", async () => {
    const alice = await customer();
    const bob = await customer();
    const file = await uploaded(alice.token, alice.conversationId, await png(), "image/png", "a.png");
    expect((await api(`/v1/attachments/${file.id}`, { token: bob.token, redirect: "manual" })).status).toBe(404);
    expect((await api(`/v1/attachments/${file.id}/url`, { token: bob.token })).status).toBe(404);
    expect((await api(`/v1/attachments/att_unknown`, { token: alice.token, redirect: "manual" })).status).toBe(404);
    // The business of the tenant may read it.
    expect((await api(`/v1/attachments/${file.id}`, { token: BOT_KEY, redirect: "manual" })).status).toBe(302);
    expect((await api(`/v1/attachments/${file.id}`, { redirect: "manual" })).status).toBe(401);
  });

  it("answers 403 for a tampered signature, another id or tenant with the same signature, and an expired link", async () => {
    const { token, conversationId } = await customer();
    const file = await uploaded(token, conversationId, await png(), "image/png", "a.png");
    const other = await uploaded(token, conversationId, pdf(), "application/pdf", "b.pdf");
    const url = new URL(await contentPath(token, file.id), BASE);
    const sig = url.searchParams.get("sig")!;
    const tampered = new URL(url);
    tampered.searchParams.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    expect((await api(tampered.pathname + tampered.search)).status).toBe(403);
    const later = new URL(url);
    later.searchParams.set("exp", String(Number(url.searchParams.get("exp")) + 60));
    expect((await api(later.pathname + later.search)).status).toBe(403);
    const otherTenant = new URL(url);
    otherTenant.searchParams.set("tenant", "acme");
    expect((await api(otherTenant.pathname + otherTenant.search)).status).toBe(403);
    expect((await api(`/v1/attachments/${other.id}/content${url.search}`)).status).toBe(403);
    expect((await api(`/v1/attachments/${file.id}/content`)).status).toBe(403);
    const expired = await signContentUrl(SECRET, "demo", file.id, Math.floor(Date.now() / 1000) - 16 * 60);
    const res = await api(expired.path);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    // The same signing a moment ago still works: the 403 above is the expiry.
    expect((await api((await signContentUrl(SECRET, "demo", file.id)).path)).status).toBe(200);
  });

  it("serves a PNG inline and a PDF as a download, both with nosniff, a sandbox CSP and private caching", async () => {
    const { token, conversationId } = await customer();
    const image = await png();
    const file = await uploaded(token, conversationId, image, "image/png", "broken part.png");
    const doc = await uploaded(token, conversationId, pdf(), "application/pdf", "Rechnung März.pdf");
    const imageRes = await api(await contentPath(token, file.id));
    expect(imageRes.status).toBe(200);
    expect(imageRes.headers.get("content-type")).toBe("image/png");
    expect(imageRes.headers.get("x-content-type-options")).toBe("nosniff");
    expect(imageRes.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(imageRes.headers.get("content-disposition")).toMatch(/^inline; filename="broken part.png"/);
    expect(imageRes.headers.get("cache-control")).toBe("private");
    expect(new Uint8Array(await imageRes.arrayBuffer())).toEqual(image);

    const pdfRes = await api(await contentPath(token, doc.id));
    expect(pdfRes.headers.get("content-type")).toBe("application/pdf");
    expect(pdfRes.headers.get("x-content-type-options")).toBe("nosniff");
    expect(pdfRes.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(pdfRes.headers.get("content-disposition")).toBe(`attachment; filename="Rechnung M_rz.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`);
    expect(pdfRes.headers.get("cache-control")).toBe("private");
    expect(new TextDecoder().decode(await pdfRes.arrayBuffer())).toContain("%PDF-1.4");
  });

  it("answers Range requests of a video with 206 and the bytes asked for", async () => {
    const { token, conversationId } = await customer();
    const video = new Uint8Array(10_000);
    for (let i = 0; i < video.length; i++) video[i] = i % 256;
    video.set(mp4());
    const file = await uploaded(token, conversationId, video, "video/mp4", "clip.mp4");
    const path = await contentPath(token, file.id);
    const whole = await api(path);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("content-disposition")).toMatch(/^inline/);
    await whole.arrayBuffer();
    const part = await api(path, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 100-199/10000");
    expect(part.headers.get("content-length")).toBe("100");
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(video.subarray(100, 200));
    const tail = await api(path, { headers: { range: "bytes=-10" } });
    expect(tail.headers.get("content-range")).toBe("bytes 9990-9999/10000");
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(video.subarray(9990));
    const open = await api(path, { headers: { range: "bytes=9000-" } });
    expect(open.headers.get("content-range")).toBe("bytes 9000-9999/10000");
    await open.arrayBuffer();
    const beyond = await api(path, { headers: { range: "bytes=20000-" } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe("bytes */10000");
  });

  it("gives the signed URL as JSON (extension) for clients that set it as an image source", async () => {
    const { token, conversationId } = await customer();
    const file = await uploaded(token, conversationId, await png(), "image/png", "a.png");
    const res = await api(`/v1/attachments/${file.id}/url`, { token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; expiresAt: string; attachment: unknown };
    expect(body.attachment).toEqual(file);
    expect(body.url.startsWith(`${BASE}/v1/attachments/${file.id}/content?`)).toBe(true);
    expect((await api(new URL(body.url).pathname + new URL(body.url).search)).status).toBe(200);
  });
});
