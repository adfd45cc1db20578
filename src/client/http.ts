// JSON over fetch against the Carryover API: turns problem+json answers into
// CarryoverError and a missing answer into code "network".
import { CarryoverError } from "./errors";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpAnswer {
  status: number;
  body: unknown;
  /** The server's clock from the Date header (ms), when present. */
  serverDate: number | null;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function problemOf(status: number, body: unknown, retryAfterHeader: string | null): CarryoverError {
  const problem = isRecord(body) ? body : {};
  const code = typeof problem.code === "string" ? problem.code : status >= 500 ? "internal" : `http_${status}`;
  const detail = typeof problem.detail === "string" ? problem.detail : typeof problem.title === "string" ? problem.title : `HTTP ${status}`;
  const retryAfter = Number(retryAfterHeader ?? (typeof problem.retryAfter === "number" ? problem.retryAfter : NaN));
  const errors = Array.isArray(problem.errors)
    ? problem.errors.filter(isRecord).map((e) => ({ path: String(e.path ?? ""), message: String(e.message ?? "") }))
    : undefined;
  return new CarryoverError(code, status, detail, {
    ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
    ...(errors ? { errors } : {}),
  });
}

export class Http {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;

  constructor(
    baseUrl: string,
    fetchFn?: typeof fetch,
    /** A request without an answer after this long counts as a network failure (ms). */
    private readonly timeout = 30_000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    const f = fetchFn ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("no fetch available: pass options.fetch");
    // Called unbound, a browser's fetch throws "Illegal invocation".
    this.fetchFn = (input, init) => (fetchFn ? fetchFn(input, init) : globalThis.fetch(input, init));
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    // Mobile networks can leave a request hanging; nothing may wait on it forever.
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = controller ? setTimeout(() => controller.abort(), this.timeout) : null;
    const onAbort = () => controller?.abort();
    options.signal?.addEventListener("abort", onAbort);
    if (controller) init.signal = controller.signal;
    let res: Response;
    let body: unknown = null;
    try {
      try {
        res = await this.fetchFn(`${this.baseUrl}${path}`, init);
      } catch (cause) {
        throw new CarryoverError("network", 0, "the server could not be reached", { cause });
      }
      if (res.status !== 204) {
        let text = "";
        try {
          text = await res.text();
        } catch (cause) {
          throw new CarryoverError("network", 0, "the answer was cut off", { cause });
        }
        if (text) {
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            body = null;
          }
        }
      }
    } finally {
      if (timer !== null) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    if (!res.ok) throw problemOf(res.status, body, res.headers.get("retry-after"));
    const date = res.headers.get("date");
    const serverDate = date ? Date.parse(date) : NaN;
    return { status: res.status, body, serverDate: Number.isFinite(serverDate) ? serverDate : null };
  }
}

export { isRecord };
