// Which URLs messages may carry: `https:` anywhere, `http:` only for a local
// host. Kept free of zod so the widget can bundle it on its own.

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** `https:` anywhere, `http:` only for a local host; never `javascript:` & co., never with credentials (`user:pass@`). */
export function isSafeUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  // `https://bank.example@evil.example/` reads as the bank's address to a person: a phishing trick.
  if (url.username !== "" || url.password !== "") return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname);
}
