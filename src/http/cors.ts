// CORS per tenant: a browser origin gets CORS headers only when the tenant the
// request is for lists it in `allowedOrigins`. The tenant of a request is, in
// order: the one its route read from the body (POST /v1/sessions), the `ten`
// claim of a Bearer session token, the tenant of a Bearer API key, the
// `tenant` query parameter. Preflights carry none of these (no body, no
// Authorization), so a preflight passes when the `tenant` query parameter's
// tenant, or else any tenant, allows the origin; that grants nothing by itself,
// because the actual response is checked against its own tenant again.
import type { Context, MiddlewareHandler } from "hono";
import { decodeJwt } from "jose";
import { findApiKey, findTenant, originAllowedByAnyTenant } from "../directory/tenants";
import { ServiceError } from "../protocol/errors";
import { bearerOf } from "./auth";
import { problemResponse } from "./problem";
import type { AppEnv } from "./types";

const ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE";
const ALLOW_HEADERS = "Authorization, Content-Type";
const EXPOSE_HEADERS = "Retry-After, WWW-Authenticate";
const MAX_AGE_S = "600";

/**
 * The tenant a Bearer token names. The session token is decoded without
 * verifying it: the claim only chooses whose allow-list is consulted, and a
 * forged claim can only name a tenant that allows the origin anyway. The
 * route verifies the token itself.
 */
async function tenantOfBearer(c: Context<AppEnv>): Promise<string | undefined> {
  const token = bearerOf(c.req.header("authorization"));
  if (!token) return undefined;
  if (token.startsWith("ck_")) return (await findApiKey(c.env.DB, token))?.tenant;
  try {
    const ten = decodeJwt(token).ten;
    return typeof ten === "string" ? ten : undefined;
  } catch {
    return undefined;
  }
}

async function allowed(c: Context<AppEnv>, origin: string, tenantId: string | undefined): Promise<boolean> {
  if (tenantId === undefined) return originAllowedByAnyTenant(c.env.DB, origin);
  const tenant = await findTenant(c.env.DB, tenantId);
  return tenant?.allowedOrigins.includes(origin) ?? false;
}

export function cors(): MiddlewareHandler<AppEnv> {
  return async function cors(c, next) {
    const origin = c.req.header("origin");
    if (!origin) return next();
    const queryTenant = c.req.query("tenant");
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      if (!(await allowed(c, origin, queryTenant))) {
        return problemResponse(new ServiceError("forbidden", "this origin is not allowed by the tenant"), { vary: "Origin" });
      }
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": ALLOW_METHODS,
          "access-control-allow-headers": ALLOW_HEADERS,
          "access-control-max-age": MAX_AGE_S,
          vary: "Origin",
        },
      });
    }
    await next();
    if (c.res.status === 101) return;
    const tenantId = c.get("tenantId") ?? (await tenantOfBearer(c)) ?? queryTenant;
    const headers = varyOnOrigin(c);
    if (await allowed(c, origin, tenantId)) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-expose-headers", EXPOSE_HEADERS);
    }
  };
}

/**
 * Adds `Vary: Origin` and returns the response's headers for more; a response
 * with immutable headers (fetched from elsewhere) is copied first.
 */
function varyOnOrigin(c: Context<AppEnv>): Headers {
  try {
    c.res.headers.append("vary", "Origin");
    return c.res.headers;
  } catch {
    const copy = new Response(c.res.body, c.res);
    copy.headers.append("vary", "Origin");
    // Clearing first stops Hono from merging the old headers back over the copy.
    c.res = undefined;
    c.res = copy;
    return copy.headers;
  }
}
