// One live connection per thread for all tabs of a site: the tab holding a
// Web Lock for the thread (the leader) keeps the socket and relays what it
// receives over a BroadcastChannel; the other tabs follow it and send over
// HTTP. When the leader tab closes, its lock passes to a waiting tab, which
// opens its own socket (resuming after the last seq it holds).
import type { ConversationHandle, LiveSource } from "../client/index";
import type { ServerFrame } from "../protocol/wire";

/**
 * Shares `handle`'s live connection with the site's other tabs under `name`
 * (one name per thread and person). Where Web Locks or BroadcastChannel are
 * missing, the handle simply keeps its own socket. Returns the function that
 * stops sharing (the handle is left to its owner).
 */
export function shareLive(name: string, handle: ConversationHandle): () => void {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks || typeof locks.request !== "function" || typeof BroadcastChannel !== "function") {
    handle.follow(null);
    return () => undefined;
  }
  const channel = new BroadcastChannel(name);
  const listeners = new Set<(frame: ServerFrame) => void>();
  channel.onmessage = (e: MessageEvent<ServerFrame>) => {
    for (const listener of listeners) listener(e.data);
  };
  const source: LiveSource = {
    subscribe(onFrame) {
      listeners.add(onFrame);
      return () => listeners.delete(onFrame);
    },
  };
  const abort = new AbortController();
  let relaying: (() => void)[] = [];
  let release: (() => void) | null = null;
  let stopped = false;

  const lead = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    handle.follow(null);
    // Every frame every socket of the thread sees (not acks: those are the sender's).
    relaying = [
      handle.on("event", (event) => channel.postMessage({ type: "event", event } satisfies ServerFrame)),
      handle.on("read", (r) => channel.postMessage({ type: "read", ...r } satisfies ServerFrame)),
      handle.on("typing", (t) => channel.postMessage({ type: "typing", ...t } satisfies ServerFrame)),
    ];
    // Held until this tab stops sharing (or closes: the browser releases it then).
    return new Promise<void>((resolve) => (release = resolve));
  };

  void locks
    .request(name, { ifAvailable: true }, (lock) => {
      if (lock) return lead();
      handle.follow(source);
      // Wait in line: when the leader tab goes, this one takes over.
      void locks.request(name, { signal: abort.signal }, () => lead()).catch(() => undefined);
      return undefined;
    })
    .catch(() => handle.follow(null));

  return () => {
    stopped = true;
    abort.abort();
    release?.();
    for (const off of relaying) off();
    relaying = [];
    listeners.clear();
    channel.close();
  };
}
