// Tenant settings of the business side (stored as JSON in tenants.settings):
// for now handover.idleReturnMinutes. Set through the admin API.
import * as z from "../zod";
import { DEFAULT_IDLE_RETURN_MINUTES } from "../conversation/handover";

export const TenantSettings = z.strictObject({
  handover: z.optional(
    z.strictObject({
      // Minutes (fractions allowed, so tests and demos need not wait); null = never return to the bot.
      idleReturnMinutes: z.optional(z.nullable(z.number().check(z.gt(0), z.lte(7 * 24 * 60)))),
    }),
  ),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

/** handover.idleReturnMinutes with its default (30); null means never. */
export function idleReturnMinutesOf(settings: TenantSettings | undefined): number | null {
  const value = settings?.handover?.idleReturnMinutes;
  return value === undefined ? DEFAULT_IDLE_RETURN_MINUTES : value;
}
