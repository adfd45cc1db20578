// The Hono environment shared by every route group.
import type { Env } from "../env";
import type { Access } from "../protocol/access";

export interface AppEnv {
  Bindings: Env;
  Variables: { access: Access };
}
