// widget.js: one script tag puts the chat on a page and defines
// window.Carryover. With data-tenant it starts by itself; otherwise the page
// calls Carryover.init(options) (after the "carryover:ready" event when the
// script is loaded async).
import { optionsFromScript, type UpdateOptions, type WidgetOptions } from "./options";
import { Widget } from "./widget";

export interface CarryoverApi {
  init(options: WidgetOptions): void;
  show(): void;
  hide(): void;
  open(): void;
  close(): void;
  update(options: UpdateOptions): Promise<void>;
  logout(): Promise<void>;
  /** Opts the visitor in to a broadcast topic. */
  subscribe(topic: string): Promise<void>;
  /** Opts the visitor out of a broadcast topic. */
  unsubscribe(topic: string): Promise<void>;
  /** Every broadcast topic with whether the visitor is subscribed. */
  subscriptions(): Promise<{ topic: string; name: string; description: string | null; subscribed: boolean }[]>;
  readonly conversationId: string | null;
  readonly user: { id: string; name: string | null; guest: boolean } | null;
}

declare global {
  interface Window {
    Carryover?: CarryoverApi;
  }
}

const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
const scriptOrigin = script?.src ? new URL(script.src, document.baseURI).origin : location.origin;
let widget: Widget | null = null;

function current(): Widget {
  if (!widget) throw new Error("Carryover: call Carryover.init({ tenant }) first");
  return widget;
}

const api: CarryoverApi = {
  init(options) {
    if (widget) {
      void widget.update(options);
      return;
    }
    widget = new Widget({ baseUrl: scriptOrigin, ...options });
    const mount = () => widget?.mount();
    if (document.body) mount();
    else document.addEventListener("DOMContentLoaded", mount, { once: true });
  },
  show: () => current().show(),
  hide: () => current().hide(),
  open: () => current().open(),
  close: () => current().close(),
  update: (options) => current().update(options),
  logout: () => current().logout(),
  subscribe: (topic) => current().subscribeTo(topic),
  unsubscribe: (topic) => current().subscribeTo(topic, false),
  subscriptions: () => current().subscriptions(),
  get conversationId() {
    return widget?.conversationId ?? null;
  },
  get user() {
    return widget?.user ?? null;
  },
};

if (!window.Carryover) {
  window.Carryover = api;
  const fromTag = script ? optionsFromScript(script) : null;
  if (fromTag) api.init(fromTag);
  window.dispatchEvent(new Event("carryover:ready"));
}

// For bundlers (`import Carryover from "carryover/widget"`): the same object as window.Carryover.
export default window.Carryover ?? api;
export type { UpdateOptions, WidgetOptions };
