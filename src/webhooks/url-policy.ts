// Where webhooks (and tenants' JWKS URLs) may point (API.md "Webhooks",
// SSRF): https only; never to the local host (with or without a trailing dot)
// or an IP literal in a private, loopback, link-local or otherwise non-public
// range; plain http and the local host only for local development.
// Hostnames are not resolved here (Workers cannot); Cloudflare's fetch does
// not reach private networks from a deployed Worker anyway.

/** Hosts allowed, with http: or https:, only when DEV_SEED is on. */
const DEV_HOSTS = new Set(["localhost", "127.0.0.1"]);

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** Non-public IPv4 ranges (RFC 6890 special-purpose, documentation, multicast, reserved). */
function blockedV4([a, b, c]: number[]): boolean {
  if (a === undefined || b === undefined || c === undefined) return true;
  return (
    a === 0 || // 0.0.0.0/8 "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // 100.64.0.0/10 carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) || // IETF protocol assignments, TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay anycast (deprecated)
    (a === 198 && (b === 18 || b === 19)) || // 198.18.0.0/15 benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224 // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, broadcast
  );
}

/** The 8 groups of an IPv6 address (as WHATWG URL serialises it, without brackets), or null. */
function ipv6Groups(host: string): number[] | null {
  if (!host.includes(":")) return null;
  let text = host;
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = ipv4(tail[1]!);
    if (!v4) return null;
    text = text.slice(0, -tail[1]!.length) + `${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = rest ? rest.split(":") : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(fill, 0)).fill("0"), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** Non-public IPv6 ranges (RFC 6890 / IANA special-purpose), and v4 embeddings of blocked v4 addresses. */
function blockedV6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroTo3 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0;
  const zeroTo4 = zeroTo3 && g4 === 0;
  const embedded = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (zeroTo4 && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return true; // :: and ::1
  if (zeroTo4 && (g5 === 0xffff || g5 === 0)) return blockedV4(embedded); // ::ffff:a.b.c.d, ::a.b.c.d
  if (zeroTo3 && g4 === 0xffff && g5 === 0) return blockedV4(embedded); // ::ffff:0:a.b.c.d (SIIT)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return blockedV4(embedded); // 64:ff9b::/96 NAT64
  if (g0 === 0x64 && g1 === 0xff9b) return true; // 64:ff9b:1::/48 local-use NAT64, rest of 64:ff9b::/32
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return true; // 100::/64 discard-only
  if (g0 === 0x2001 && g1 < 0x200) return true; // 2001::/23 IETF protocol assignments (Teredo, ORCHID, …)
  if (g0 === 0x2002) return blockedV4([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]); // 6to4 embeds a v4 address
  if (g0 === 0x2001 && g1 === 0xdb8) return true; // 2001:db8::/32 documentation
  if ((g0 & 0xfff0) === 0x3ff0) return true; // 3fff::/20 documentation
  if ((g0 & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return true; // ff00::/8 multicast
  return false;
}

/**
 * Why `value` may not be a webhook URL, or null when it may. `dev` (DEV_SEED)
 * additionally allows http(s)://localhost and http(s)://127.0.0.1.
 */
export function webhookUrlProblem(value: string, dev: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "not a URL";
  }
  if (url.username || url.password) return "credentials in the URL are not allowed";
  // A fully qualified name's trailing dot ("localhost.", "10.0.0.1." in some
  // parsers) names the same host: compare without it.
  const host = url.hostname.toLowerCase().replace(/\.+$/, "");
  if (dev && DEV_HOSTS.has(host) && (url.protocol === "http:" || url.protocol === "https:")) return null;
  if (url.protocol !== "https:") return "must be an https: URL";
  if (host === "localhost" || host.endsWith(".localhost")) return "the local host is not allowed";
  const v4 = ipv4(host);
  if (v4) return blockedV4(v4) ? "private, loopback and link-local addresses are not allowed" : null;
  if (host.startsWith("[")) {
    const groups = ipv6Groups(host.slice(1, -1));
    if (!groups || blockedV6(groups)) return "private, loopback and link-local addresses are not allowed";
  }
  return null;
}
