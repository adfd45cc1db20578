// The widget's copy of isSafeUrl (src/protocol/content.ts): importing that
// module would bundle zod into the widget. Keep the two in step.
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** `https:` anywhere, `http:` only for a local host; never `javascript:` & co. */
export function isSafeUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname);
}
