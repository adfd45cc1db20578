// The widget's rarely used parts, in widget-extras.js: widget.js loads them
// when a visitor first needs one (src/widget/extras-loader.ts). Keep here only
// what most visitors never use; whatever is imported here and nowhere else in
// the widget leaves widget.js (measure with an esbuild metafile).
export { handoffLinkView } from "./handoff-view";
export { threadList } from "./threads-view";
export { openViewer } from "./image-viewer";
export { UpdatesToggle } from "./updates-toggle";

/** The stylesheet of the parts above, adopted into the widget's shadow root on load. */
export const EXTRA_STYLES = `
.updates{border:1px solid currentColor;border-radius:14px;background:transparent;color:inherit;font:inherit;font-size:12px;padding:4px 10px;cursor:pointer;white-space:nowrap}
.updates[aria-pressed=true]{background:rgba(255,255,255,.22)}
.viewer{max-width:96vw;max-height:96vh;padding:8px;border:0;border-radius:12px;text-align:center}
.viewer::backdrop{background:rgba(0,0,0,.8)}
.viewer img{display:block;max-width:90vw;max-height:80vh;margin-bottom:8px}
.threads{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}
.thread{all:unset;box-sizing:border-box;width:100%;cursor:pointer;display:flex;flex-direction:column;gap:2px;padding:8px 10px;border:1px solid #e4e6eb;border-radius:10px}
.thread:focus-visible{outline:2px solid var(--accent,#0866ff)}
.thread .preview{font-size:14px;color:#1c1e21;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.thread .when{font-size:12px;color:#65676b}
.qr{width:240px;height:240px;flex-shrink:0;align-self:center}
.handoff input{width:100%;padding:8px;border:1px solid #ccd0d5;border-radius:8px;font-size:13px}
`;
