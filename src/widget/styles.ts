// The widget's stylesheet, inside its shadow root. `:host { all: initial }`
// stops the page's inherited styles at the door; nothing leaks out.
export const STYLES = `
:host{all:initial;position:fixed;z-index:2147483000;right:20px;bottom:20px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c1e21;--accent:#0866ff;--on-accent:#fff}
:host([hidden]){display:none}
*{box-sizing:border-box}
[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
button,input,textarea{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.launcher{position:relative;width:60px;height:60px;border-radius:50%;border:0;background:var(--accent);color:var(--on-accent);box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e41e3f;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center}
.panel{position:absolute;right:0;bottom:76px;width:380px;height:min(620px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;border-radius:16px;box-shadow:0 10px 40px rgba(0,0,0,.22);overflow:hidden}
.panel[hidden]{display:none}
header{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:var(--accent);color:var(--on-accent)}
header h2{flex:1;margin:0;font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.icon{width:36px;height:36px;border:0;border-radius:50%;background:transparent;color:inherit;display:grid;place-items:center;font-size:20px;line-height:1}
.icon:hover{background:rgba(255,255,255,.18)}
.icon svg{width:20px;height:20px;fill:currentColor}
.status{margin:0;padding:6px 16px;background:#fff4ce;font-size:13px}
.status[hidden]{display:none}
.log{flex:1;overflow-y:auto;padding:12px 12px 4px;display:flex;flex-direction:column;gap:6px;background:#f6f7f9}
.greeting{align-self:center;max-width:90%;margin:4px 0 10px;text-align:center;color:#444;font-size:14px}
.msg{display:flex;flex-direction:column;max-width:82%;align-self:flex-start}
.msg.mine{align-self:flex-end;align-items:flex-end}
.who{font-size:12px;color:#65676b;margin:4px 6px 2px}
.bubble{padding:8px 12px;border-radius:18px;background:#fff;border:1px solid #e4e6eb;overflow-wrap:anywhere;max-width:100%}
.mine .bubble{background:var(--accent);color:var(--on-accent);border-color:transparent}
.bubble p{margin:0}
.text{white-space:pre-wrap}
.note{align-self:center;font-size:12px;color:#65676b;margin:4px 0}
.meta{font-size:12px;color:#65676b;margin:2px 6px;display:flex;gap:8px;align-items:center}
.meta.failed{color:#c0182f}
.link{border:0;background:none;padding:0;color:#0645ad;text-decoration:underline;font-size:12px}
.older{align-self:center;font-size:13px;margin:4px 0}
.buttons{display:flex;flex-direction:column;gap:6px;margin-top:8px}
.btn{display:block;padding:7px 12px;border-radius:10px;border:1px solid #ccd0d5;background:#fff;color:#0645ad;text-align:center;text-decoration:none;font-weight:600;font-size:14px}
.btn.primary{background:var(--accent);color:var(--on-accent);border-color:transparent}
.btn.disabled,span.disabled{color:#8a8d91;cursor:not-allowed}
.media{display:block;max-width:100%;max-height:240px;border-radius:12px}
.caption{margin-top:6px!important}
.thumbbtn{display:block;border:0;padding:0;background:none;max-width:100%}
.thumbbtn[aria-busy=true] .thumb{cursor:progress}
.thumb{height:auto;object-fit:contain;cursor:zoom-in;background:#e4e6eb}
.filerow{display:block;border:0;background:none;padding:0;color:inherit;text-align:left;text-decoration:underline}
.attach{color:#65676b;font-size:26px}
.quick{display:flex;flex-wrap:wrap;gap:6px;justify-content:flex-end;padding:4px 12px 8px;background:#f6f7f9}
.chip{padding:6px 12px;border-radius:16px;border:1px solid var(--accent);background:#fff;color:var(--accent);font-weight:600;font-size:14px}
.typing{font-size:12px;color:#65676b;padding:0 16px 4px;background:#f6f7f9;min-height:18px;margin:0}
form{display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-top:1px solid #e4e6eb;background:#fff}
textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:9px 12px;border:1px solid #ccd0d5;border-radius:20px;background:#fff;line-height:1.4}
.send{height:40px;padding:0 16px;border:0;border-radius:20px;background:var(--accent);color:var(--on-accent);font-weight:600}
.handoff{padding:16px;display:flex;flex-direction:column;gap:10px;overflow-y:auto;flex:1;background:#fff}
.handoff[hidden]{display:none}
.handoff h3{margin:0;font-size:16px}
.handoff p{margin:0;color:#444;font-size:14px}
.row{display:flex;gap:8px}
.row>*{flex:1}
@media (max-width:599px){
:host{right:16px;bottom:16px}
.panel{position:fixed;inset:0;width:auto;height:auto;border-radius:0}
:host([open]) .launcher{display:none}
}
`;
