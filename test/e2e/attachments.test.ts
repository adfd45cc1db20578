// Attachments in Chromium: a customer pastes an image into the widget and the
// agent pane shows it; the agent attaches a PDF and the customer downloads it
// with the contract's download headers; a reload during an upload leaves the
// file failed with a retry, and the retry sends it once; a file over the limit
// or of a kind the API refuses gets its own sentence and no Retry.
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, eventsOf, newDevice, openChat, openShop, resultsPath, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==", "base64");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

async function mediaEvents(conversationId: string) {
  return (await eventsOf(server.url, conversationId)).filter((e) => e.type === "message.created" && e.content.type === "media");
}

async function demoPage(): Promise<Page> {
  const page = await (await newDevice(browser, { width: 1600, height: 900 })).newPage();
  await page.goto(`${server.url}/`);
  await page.locator("#auto").uncheck();
  return page;
}

describe("attachments in the browser", () => {
  it("a customer pastes an image into the chat and the agent pane shows it", async () => {
    const page = await demoPage();
    const site = page.frameLocator("#site");
    const chat = widget(site);
    await chat.launcher.click();
    await chat.input.waitFor();
    // A real PNG drawn by the browser, pasted as a file from the clipboard.
    await chat.input.evaluate(async (el) => {
      const canvas = document.createElement("canvas");
      canvas.width = 40;
      canvas.height = 30;
      const g = canvas.getContext("2d")!;
      g.fillStyle = "#c2185b";
      g.fillRect(0, 0, 40, 30);
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
      const data = new DataTransfer();
      data.items.add(new File([blob], "broken-part.png", { type: "image/png" }));
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    const thumb = chat.host.locator("img.thumb[alt='broken-part.png']");
    await thumb.waitFor();
    expect(await thumb.getAttribute("width")).toBe("40");
    expect(await thumb.getAttribute("height")).toBe("30");
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(40);

    const shown = page.locator("#transcript img.attachment[alt='broken-part.png']");
    await shown.waitFor({ timeout: 20_000 });
    await expect.poll(() => shown.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(40);

    // The viewer opens from its button (keyboard too) and closes with Escape.
    await chat.host.getByRole("button", { name: "View broken-part.png" }).focus();
    await page.keyboard.press("Enter");
    const viewer = chat.host.locator("dialog.viewer img[alt='broken-part.png']");
    await viewer.waitFor();
    await page.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });

    // A file dropped on the panel is sent too, shown as a file row with its name and size.
    await chat.panel.evaluate((panel) => {
      const data = new DataTransfer();
      data.items.add(new File(["Order 1042: the hinge broke.\n"], "notes.txt", { type: "text/plain" }));
      panel.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await chat.host.locator("button.filerow", { hasText: "notes.txt" }).waitFor({ timeout: 20_000 });
    await page.locator("#transcript a.attachment", { hasText: "notes.txt" }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: resultsPath("attachments-paste-1600x900.png") });
  });

  it("an agent attaches a PDF in the agent pane and the customer downloads it as a file", async () => {
    const page = await demoPage();
    const site = page.frameLocator("#site");
    const chat = widget(site);
    await chat.launcher.click();
    await chat.input.fill("Can I get the invoice?");
    await chat.send.click();
    await page.locator("#transcript li.customer", { hasText: "Can I get the invoice?" }).waitFor();

    await page.locator("#reply input[type=file]").setInputFiles({ name: "invoice-1042.pdf", mimeType: "application/pdf", buffer: PDF });
    const row = chat.host.locator("button.filerow", { hasText: "invoice-1042.pdf" });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain(`${PDF.length} B`);
    const [download] = await Promise.all([page.waitForEvent("download"), row.click()]);
    expect(download.suggestedFilename()).toBe("invoice-1042.pdf");
    const res = await fetch(download.url());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="invoice-1042.pdf"/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(res.headers.get("cache-control")).toBe("private");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PDF);
  });

  it("a reload during an upload shows the file failed with a retry; the retry sends it once", async () => {
    // A guest: uploads need no sign-in.
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("upload"));
    await openChat(page);
    const id = await conversationIdOf(page);
    const w = widget(page);
    // The upload never gets an answer: the page is reloaded while it runs.
    await page.route("**/v1/attachments?*", () => undefined);
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), w.host.getByRole("button", { name: "Attach a file" }).click()]);
    await chooser.setFiles({ name: "photo.png", mimeType: "image/png", buffer: PNG });
    const row = w.host.locator(".msg").filter({ hasText: "photo.png" });
    await expect.poll(() => row.textContent()).toContain("Uploading");
    await page.reload();
    // Only now: releasing the held request earlier would let the upload finish before the reload.
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await openChat(page);
    await expect.poll(() => row.getAttribute("data-state")).toBe("failed");
    expect(await row.textContent()).toContain("Not sent");
    expect(await mediaEvents(id)).toHaveLength(0);

    const [again] = await Promise.all([page.waitForEvent("filechooser"), row.getByRole("button", { name: "Retry" }).click()]);
    await again.setFiles({ name: "photo.png", mimeType: "image/png", buffer: PNG });
    await w.host.locator("img.thumb[alt='photo.png']").waitFor({ timeout: 20_000 });
    await expect.poll(async () => (await mediaEvents(id)).length).toBe(1);
    await page.reload();
    await openChat(page);
    await w.host.locator("img.thumb[alt='photo.png']").waitFor();
    expect(await w.host.locator(".msg").filter({ hasText: "Not sent" }).count()).toBe(0);
    expect(await mediaEvents(id)).toHaveLength(1);
  });
  it("a file over the limit is stopped before upload; a kind of file the API refuses is said so, with no Retry", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("refused"));
    await openChat(page);
    const id = await conversationIdOf(page);
    const w = widget(page);
    const status = w.host.locator(".status");
    const uploads: string[] = [];
    page.on("request", (req) => {
      if (req.method() === "POST" && req.url().includes("/v1/attachments")) uploads.push(req.url());
    });
    const attach = async (file: { name: string; mimeType: string; buffer: Buffer }) => {
      const [chooser] = await Promise.all([page.waitForEvent("filechooser"), w.host.getByRole("button", { name: "Attach a file" }).click()]);
      await chooser.setFiles(file);
    };

    // 25 MiB + 1 byte: the widget knows the default limit and never uploads it.
    await attach({ name: "scan.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(25 * 1024 * 1024 + 1, 0x25) });
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("This file is too large to send (limit 25 MB).");
    expect(uploads).toEqual([]);
    expect(await w.bubble("scan.pdf").count()).toBe(0);

    // A web page is no kind of file the API takes: refused in the browser too.
    await attach({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<!doctype html><p>hi</p>") });
    await expect.poll(() => status.textContent()).toBe("This kind of file can't be sent.");
    expect(uploads).toEqual([]);

    // Named and typed as a PNG but HTML inside: the server refuses it (415); the row says so, without Retry.
    await attach({ name: "photo.png", mimeType: "image/png", buffer: Buffer.from("<!doctype html><script>alert(1)</script>") });
    const row = w.bubble("photo.png");
    await expect.poll(() => row.getAttribute("data-state"), { timeout: 20_000 }).toBe("failed");
    expect(uploads).toHaveLength(1);
    expect(await row.locator(".meta.failed").textContent()).toContain("This kind of file can't be sent.");
    expect(await row.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await row.getByRole("button", { name: "Remove" }).click();
    await row.waitFor({ state: "detached" });
    expect(await mediaEvents(id)).toHaveLength(0);
  });
  it("a file over a tenant's smaller limit: the server's 413 names the limit, shown on the row and checked before the next upload", async () => {
    const admin = (body: object) =>
      fetch(`${server.url}/v1/admin/tenants/demo`, {
        method: "PATCH",
        headers: { authorization: "Bearer dev-admin-token-change-me", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await admin({ attachments: { maxBytes: 1024 } })).status).toBe(200);
    try {
      const page = await openShop(await newDevice(browser), server.url, uniqueUser("limit"));
      await openChat(page);
      const w = widget(page);
      const uploads: string[] = [];
      page.on("request", (req) => {
        if (req.method() === "POST" && req.url().includes("/v1/attachments")) uploads.push(req.url());
      });
      const attach = async (name: string) => {
        const [chooser] = await Promise.all([page.waitForEvent("filechooser"), w.host.getByRole("button", { name: "Attach a file" }).click()]);
        await chooser.setFiles({ name, mimeType: "text/plain", buffer: Buffer.alloc(2000, "a") });
      };
      await attach("long-notes.txt");
      const row = w.bubble("long-notes.txt");
      await expect.poll(() => row.locator(".meta.failed").textContent(), { timeout: 20_000 }).toContain("This file is too large to send (limit 1.0 KB).");
      expect(await row.getByRole("button", { name: "Retry" }).count()).toBe(0);
      expect(uploads).toHaveLength(1);
      // The widget now knows the tenant's limit: the next such file is stopped before any upload.
      await attach("more-notes.txt");
      await expect.poll(() => w.host.locator(".status").textContent()).toBe("This file is too large to send (limit 1.0 KB).");
      expect(uploads).toHaveLength(1);
    } finally {
      await admin({ attachments: {} });
    }
  });
});
