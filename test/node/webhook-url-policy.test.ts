// The SSRF rule for webhook URLs outside local development (worker tests run
// with DEV_SEED, so the production side of the rule is checked here).
import { describe, expect, it } from "vitest";
import { webhookUrlProblem } from "../../src/webhooks/url-policy.ts";

describe("webhook URL policy", () => {
  it("without DEV_SEED refuses the local host and plain http everywhere", () => {
    for (const url of ["http://localhost:3000/", "http://127.0.0.1/", "https://127.0.0.1/", "https://localhost/", "https://[::1]/", "https://10.0.0.1/", "https://169.254.169.254/", "https://0x7f.0.0.1/", "https://2130706433/", "https://0177.0.0.1/"]) {
      expect(webhookUrlProblem(url, false), url).not.toBeNull();
    }
    expect(webhookUrlProblem("https://hooks.example.com/x", false)).toBeNull();
    expect(webhookUrlProblem("https://[2001:4860:4860::8888]/", false)).toBeNull();
  });

  it("with DEV_SEED allows only localhost and 127.0.0.1 among local addresses", () => {
    expect(webhookUrlProblem("http://127.0.0.1:8080/", true)).toBeNull();
    expect(webhookUrlProblem("http://localhost/", true)).toBeNull();
    for (const url of ["https://[::1]/", "https://10.0.0.1/", "https://169.254.169.254/", "http://192.168.0.1/", "https://[64:ff9b::a00:1]/"]) {
      expect(webhookUrlProblem(url, true), url).not.toBeNull();
    }
  });
});
