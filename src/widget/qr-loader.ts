// Loads the QR encoder only when a visitor opens "Continue on another device".
// The encoder is about a sixth of the widget and most visitors never open that
// view, so the page bundle (widget.js) fetches it from widget-qr.js beside
// itself (both built by src/dev/build.mjs); bundlers that import
// carryover/widget get it inline, as the define below is absent there.
import type { encodeQr, qrSvg } from "./qr";

/** What widget-qr.js puts on `window` (and what `import("./qr")` gives). */
export interface QrModule {
  encodeQr: typeof encodeQr;
  qrSvg: typeof qrSvg;
}

declare global {
  interface Window {
    /** Set by widget-qr.js (src/widget/qr-global.ts). */
    __carryoverQr?: QrModule;
  }
}

/** `true` only in the widget.js page bundle (esbuild `define`). */
declare const __CARRYOVER_LAZY_QR__: boolean | undefined;

// Read while widget.js itself is executing: document.currentScript is null later.
const ownScript = typeof document !== "undefined" && document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : "";
let loading: Promise<QrModule> | null = null;

/**
 * The QR encoder, loaded once. Resolves to `{ encodeQr, qrSvg }`; rejects when
 * widget-qr.js cannot be loaded (offline, blocked) — the handoff link still
 * works without its picture, so callers show the link either way.
 */
export function loadQr(): Promise<QrModule> {
  if (typeof __CARRYOVER_LAZY_QR__ === "undefined" || !__CARRYOVER_LAZY_QR__) return import("./qr");
  loading ??= new Promise<QrModule>((resolve, reject) => {
    const el = document.createElement("script");
    // A classic script, not import(): a cross-origin module would need CORS headers on the asset.
    el.src = new URL("widget-qr.js", ownScript || document.baseURI).href;
    el.async = true;
    el.onload = () => (window.__carryoverQr ? resolve(window.__carryoverQr) : reject(new Error("widget-qr.js defined nothing")));
    el.onerror = () => {
      loading = null; // a later click may try again
      reject(new Error("widget-qr.js could not be loaded"));
    };
    document.head.append(el);
  });
  return loading;
}
