// Loads the widget's rarely used parts (src/widget/extras.ts: the QR encoder,
// the "Continue on another device" and "Earlier conversations" views, the
// image viewer, the "Get updates" toggle, cards, receipts and payment
// requests) only when a visitor needs one. Most
// visitors never do, so the page bundle (widget.js) fetches them from
// widget-extras.js beside itself (both built by src/dev/build.mjs); bundlers
// that import carryover/widget get them inline, as the define below is absent
// there.
import { adoptStyles } from "./adopt-styles";

/** What widget-extras.js puts on `window` (and what `import("./extras")` gives). */
export type Extras = typeof import("./extras");

declare global {
  interface Window {
    /** Set by widget-extras.js (src/widget/extras-global.ts). */
    __carryoverExtras?: Extras;
  }
}

/** `true` only in the widget.js page bundle (esbuild `define`). */
declare const __CARRYOVER_LAZY_EXTRAS__: boolean | undefined;

// Read while widget.js itself is executing: document.currentScript is null later.
const ownScript = typeof document !== "undefined" && document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : "";
let loading: Promise<Extras> | null = null;
let loaded: Extras | null = null;
/** Shadow roots that already have the extras' stylesheet. */
const styled = new WeakSet<ShadowRoot>();

function load(): Promise<Extras> {
  if (typeof __CARRYOVER_LAZY_EXTRAS__ === "undefined" || !__CARRYOVER_LAZY_EXTRAS__) return import("./extras").then((extras) => (loaded = extras));
  loading ??= new Promise<Extras>((resolve, reject) => {
    const el = document.createElement("script");
    // A classic script, not import(): a cross-origin module would need CORS headers on the asset.
    el.src = new URL("widget-extras.js", ownScript || document.baseURI).href;
    el.async = true;
    el.onload = () => (window.__carryoverExtras ? resolve((loaded = window.__carryoverExtras)) : reject(new Error("widget-extras.js defined nothing")));
    el.onerror = () => {
      loading = null; // a later click may try again
      el.remove();
      reject(new Error("widget-extras.js could not be loaded"));
    };
    document.head.append(el);
  });
  return loading;
}

/** The extras if they are loaded already (to render at once), else null. */
export function loadedExtras(): Extras | null {
  return loaded;
}

/**
 * The extras, loaded once, with their stylesheet adopted the first time into
 * the shadow root `node` is in when they arrive (the widget's; pass the root
 * itself or a node about to be put into it). Rejects when widget-extras.js
 * cannot be loaded (offline, blocked); callers then say so or do without,
 * and a later call tries again.
 */
export async function loadExtras(node: Node): Promise<Extras> {
  const extras = await load();
  const root = node.getRootNode();
  if (root instanceof ShadowRoot && !styled.has(root)) {
    styled.add(root);
    adoptStyles(root, extras.EXTRA_STYLES);
  }
  return extras;
}
