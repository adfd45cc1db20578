// The widget's rarely used parts, in widget-extras.js: widget.js loads them
// when a visitor first needs one (src/widget/extras-loader.ts). Keep here only
// what most visitors never use; whatever is imported here and nowhere else in
// the widget leaves widget.js (measure with an esbuild metafile).
export { handoffLinkView } from "./handoff-view";
export { threadList } from "./threads-view";
export { openViewer } from "./image-viewer";
export { UpdatesToggle } from "./updates-toggle";
export { richContent } from "./rich-content";
export { askHandoff } from "./handoff-question";

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
.cards{list-style:none;margin:0;padding:2px;display:flex;gap:8px;overflow-x:auto;scroll-snap-type:x mandatory;max-width:100%}
.card{flex:0 0 220px;scroll-snap-align:start;background:#fff;border:1px solid #e4e6eb;border-radius:14px;overflow:hidden;padding-bottom:8px;color:#1c1e21}
.card img{display:block;width:100%;height:120px;object-fit:cover}
.card-title{font-weight:600;padding:8px 10px 0}
.card-sub{font-size:13px;color:#65676b;padding:2px 10px 0}
.card .buttons{padding:0 10px}
.msg:has(.cards){max-width:100%}
.msg:has(.cards) .bubble{padding:0;background:none;border:0}
.receipt{border-collapse:collapse;min-width:220px;font-size:14px}
.receipt caption{text-align:left;font-weight:600;padding-bottom:4px}
.receipt td,.receipt th{padding:3px 0;text-align:left;font-weight:400}
.receipt .num{text-align:right;padding-left:16px}
.receipt tfoot th,.receipt tfoot td{border-top:1px solid #ccd0d5;font-weight:700}
.pay-amount{font-size:20px;font-weight:700;margin:4px 0!important}
.pay-status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#fff4ce;color:#6b4e00}
.pay-status.paid{background:#d8f5e0;color:#0b6b2d}
.pay-status.cancelled{background:#eee;color:#555}
`;
