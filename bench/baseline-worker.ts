// Bench only (see wrangler.baseline.toml): the cheapest possible round trip
// Worker → Durable Object → Worker over HTTP, with the same request shape as
// a message append (POST, JSON body in, JSON out, DO addressed by name), so
// the bench can report every endpoint as a ratio to this floor.
import { DurableObject } from "cloudflare:workers";

interface Env {
  NOOP: DurableObjectNamespace<Noop>;
}

export class Noop extends DurableObject<Env> {
  /** Does nothing and answers at once: the cost is the RPC round trip alone. */
  async noop(body: unknown): Promise<{ ok: true; size: number }> {
    return { ok: true, size: JSON.stringify(body).length };
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const match = /^\/noop\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (request.method !== "POST" || !match) return new Response("not found", { status: 404 });
    const body: unknown = await request.json();
    const answer = await env.NOOP.getByName(match[1] ?? "one").noop(body);
    return Response.json(answer, { status: 201 });
  },
} satisfies ExportedHandler<Env>;
