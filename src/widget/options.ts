// The widget's options: from the script tag's data attributes or from
// Carryover.init(options), and the identity endpoint contract.

export interface WidgetOptions {
  /** The tenant id (data-tenant). */
  tenant: string;
  /** Where the Carryover Worker runs; defaults to the origin widget.js was loaded from. */
  baseUrl?: string;
  /** The business's endpoint (data-identity-endpoint): POST → 200 { token } signed in, 401/204 signed out. */
  identityEndpoint?: string;
  /** Alternative to identityEndpoint: returns an identity token, or null when signed out. */
  identityToken?: () => Promise<string | null>;
  /** Accent colour, any CSS colour (data-theme-color). */
  themeColor?: string;
  /** Header title (data-title). */
  title?: string;
  /** Greeting for signed-out visitors (data-greeting). */
  greeting?: string;
  /** Greeting for signed-in visitors; `{name}` is replaced by their name (data-greeting-signed-in). */
  greetingSignedIn?: string;
  /** Keeps this instance's credentials apart from others on the same origin. */
  storagePrefix?: string;
  /** Open the chat at once (data-open="true"). */
  open?: boolean;
  /** Entry-point context sent when a conversation is created (data-ref). */
  ref?: string;
  /** A broadcast topic: the header shows a "Get updates" toggle for it (data-updates-topic). */
  updatesTopic?: string;
}

export interface UpdateOptions extends Partial<Omit<WidgetOptions, "tenant" | "baseUrl" | "storagePrefix">> {
  /** Set after the site signed the visitor in: the widget logs in and merges the guest's thread. */
  signedIn?: boolean;
}

export const DEFAULTS = {
  title: "Chat with us",
  greeting: "Hi there, how can we help? Ask us anything.",
  greetingSignedIn: "Hi {name}, how can we help?",
};

/** Options from the data attributes of the script tag that loaded the widget. */
export function optionsFromScript(script: HTMLScriptElement): WidgetOptions | null {
  const d = script.dataset;
  if (!d.tenant) return null;
  const options: WidgetOptions = { tenant: d.tenant, baseUrl: new URL(script.src, document.baseURI).origin };
  if (d.identityEndpoint) options.identityEndpoint = d.identityEndpoint;
  if (d.themeColor) options.themeColor = d.themeColor;
  if (d.title) options.title = d.title;
  if (d.greeting) options.greeting = d.greeting;
  if (d.greetingSignedIn) options.greetingSignedIn = d.greetingSignedIn;
  if (d.storagePrefix) options.storagePrefix = d.storagePrefix;
  if (d.ref) options.ref = d.ref;
  if (d.updatesTopic) options.updatesTopic = d.updatesTopic;
  if (d.open === "true") options.open = true;
  return options;
}

/**
 * Asks the business's identity endpoint for the visitor's identity token.
 * Same-origin POST with the site's cookies; 401, 403 or 204 mean "signed out".
 */
export async function fetchIdentityToken(endpoint: string): Promise<string | null> {
  const res = await fetch(new URL(endpoint, document.baseURI), {
    method: "POST",
    credentials: "same-origin",
    headers: { accept: "application/json" },
  });
  if (res.status === 401 || res.status === 403 || res.status === 204) return null;
  if (!res.ok) throw new Error(`identity endpoint answered ${res.status}`);
  const body: unknown = await res.json();
  const token = typeof body === "object" && body !== null ? (body as Record<string, unknown>).token : undefined;
  return typeof token === "string" && token.length > 0 ? token : null;
}

/** The visitor's identity token as `options` get it (a function, else the endpoint), or null for a guest. */
export async function identityTokenOf(options: WidgetOptions): Promise<string | null> {
  if (options.identityToken) return options.identityToken();
  if (options.identityEndpoint) return fetchIdentityToken(options.identityEndpoint);
  return null;
}

/** The accent colour and a readable text colour on it, or null for an invalid colour. */
export function themeOf(color: string): { accent: string; onAccent: string } | null {
  if (typeof CSS !== "undefined" && !CSS.supports("color", color)) return null;
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim())?.[1];
  if (!hex) return { accent: color, onAccent: "#fff" };
  const full = hex.length === 3 ? hex.replace(/./g, (c) => c + c) : hex;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return { accent: color, onAccent: luminance > 0.4 ? "#1c1e21" : "#fff" };
}
