// The Hono environment shared by every route group.
import type { Env } from "../env";
import type { Access } from "../protocol/access";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    access: Access;
    /** The tenant a route learned from its body (POST /v1/sessions), for CORS. */
    tenantId: string | undefined;
  };
}
