#!/usr/bin/env node
// Mints an identity token the way a tenant's backend would, for local testing:
//   npm run token -- --sub alice [--name Alice] [--tenant demo] [--secret …] [--ttl 600]
import { SignJWT } from "jose";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    name: { type: "string" },
    email: { type: "string" },
    tenant: { type: "string", default: "demo" },
    secret: { type: "string", default: process.env.CARRYOVER_IDENTITY_SECRET ?? "demo-identity-secret-change-me-0123456789" },
    ttl: { type: "string", default: "600" },
  },
});
if (!values.sub) {
  console.error("usage: npm run token -- --sub <user id> [--name <display name>] [--tenant demo] [--secret <HS256 secret>]");
  process.exit(2);
}
const claims = {};
if (values.name) claims.name = values.name;
if (values.email) claims.email = values.email;
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: "HS256", typ: "JWT" })
  .setIssuer(values.tenant)
  .setAudience("carryover")
  .setSubject(values.sub)
  .setIssuedAt(now)
  .setExpirationTime(now + Number(values.ttl))
  .sign(new TextEncoder().encode(values.secret));
process.stdout.write(`${token}\n`);
