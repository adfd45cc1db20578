// Entry of widget-qr.js: the QR encoder as a classic script that widget.js
// loads on demand (src/widget/qr-loader.ts).
import { encodeQr, qrSvg } from "./qr";

window.__carryoverQr = { encodeQr, qrSvg };
