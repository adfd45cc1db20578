#!/usr/bin/env node
// Mints an identity token the way a tenant's backend would, for local testing:
//   npm run token -- --sub alice [--name Alice] [--tenant demo] [--secret …] [--ttl 600]
// A wrong command line prints the usage line and exits 2 (no stack trace).
import { SignJWT } from "jose";
import { parseArgs } from "node:util";

const USAGE =
  "usage: npm run token -- --sub <user id> [--name <display name>] [--email <address>] [--tenant demo] [--secret <HS256 secret>] [--ttl <seconds, 1..3600>]";

/** Prints `problem` (if any) and the usage line, then exits: 0 for --help, 2 for a wrong command line. */
function usage(problem) {
  if (problem) console.error(`token: ${problem}`);
  (problem ? console.error : console.log)(USAGE);
  process.exit(problem ? 2 : 0);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h" },
      sub: { type: "string" },
      name: { type: "string" },
      email: { type: "string" },
      tenant: { type: "string", default: "demo" },
      secret: { type: "string", default: process.env.CARRYOVER_IDENTITY_SECRET ?? "demo-identity-secret-change-me-0123456789" },
      ttl: { type: "string", default: "600" },
    },
  }));
} catch (err) {
  // parseArgs throws TypeErrors (unknown option, missing value, stray argument): a usage error, not a crash.
  usage(err instanceof Error ? err.message : String(err));
}
if (values.help) usage();
if (!values.sub) usage("--sub is required");
const ttl = Number(values.ttl);
// Carryover refuses identity tokens that live longer than an hour (exp - iat).
if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600) usage("--ttl must be a whole number of seconds, 1..3600");
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
  .setExpirationTime(now + ttl)
  .sign(new TextEncoder().encode(values.secret));
process.stdout.write(`${token}\n`);
