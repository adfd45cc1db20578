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

  constructor(baseUrl: string, fetchFn?: typeof fetch) {
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
    if (options.signal) init.signal = options.signal;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}${path}`, init);
    } catch (cause) {
      throw new CarryoverError("network", 0, "the server could not be reached", { cause });
    }
    let body: unknown = null;
    if (res.status !== 204) {
      const text = await res.text().catch(() => "");
      if (text) {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = null;
        }
      }
    }
    if (!res.ok) throw problemOf(res.status, body, res.headers.get("retry-after"));
    const date = res.headers.get("date");
    const serverDate = date ? Date.parse(date) : NaN;
    return { status: res.status, body, serverDate: Number.isFinite(serverDate) ? serverDate : null };
  }
}

export { isRecord };
