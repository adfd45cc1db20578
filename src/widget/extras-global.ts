// Entry of widget-extras.js: the widget's rarely used parts as a classic
// script that widget.js loads on demand (src/widget/extras-loader.ts).
import * as extras from "./extras";

window.__carryoverExtras = extras;
