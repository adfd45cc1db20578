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

  it("without DEV_SEED refuses the local host spelled with a trailing dot", () => {
    for (const url of ["https://localhost./", "https://foo.localhost./", "https://LOCALHOST../", "https://127.0.0.1./", "https://10.0.0.1../"]) {
      expect(webhookUrlProblem(url, false), url).not.toBeNull();
    }
    // A public name written fully qualified is still fine.
    expect(webhookUrlProblem("https://hooks.example.com./x", false)).toBeNull();
  });

  it("refuses every special-purpose IPv4 and IPv6 range a Worker must never call", () => {
    const refused = [
      "https://0.1.2.3/",
      "https://100.64.0.1/",
      "https://100.127.255.254/",
      "https://198.18.0.1/",
      "https://198.19.255.255/",
      "https://198.51.100.7/",
      "https://203.0.113.9/",
      "https://192.0.2.1/",
      "https://224.0.0.1/",
      "https://239.255.255.250/",
      "https://240.0.0.1/",
      "https://255.255.255.255/",
      "https://[64:ff9b::10.0.0.1]/",
      "https://[64:ff9b::127.0.0.1]/",
      "https://[64:ff9b:1::1]/",
      "https://[::ffff:0:10.0.0.1]/",
      "https://[2002:a00:1::]/",
      "https://[2001::1]/",
      "https://[100::1]/",
      "https://[2001:db8::1]/",
      "https://[3fff::1]/",
      "https://[ff02::1]/",
      "https://[ff0e::1]/",
    ];
    for (const url of refused) expect(webhookUrlProblem(url, false), url).not.toBeNull();
    const allowed = ["https://100.63.255.255/", "https://100.128.0.1/", "https://198.20.0.1/", "https://198.51.101.1/", "https://203.0.114.1/", "https://223.255.255.254/", "https://[64:ff9b::8.8.8.8]/", "https://[2002:808:808::]/", "https://[2606:4700::1111]/"];
    for (const url of allowed) expect(webhookUrlProblem(url, false), url).toBeNull();
  });

  it("with DEV_SEED allows only localhost and 127.0.0.1 among local addresses", () => {
    expect(webhookUrlProblem("http://127.0.0.1:8080/", true)).toBeNull();
    expect(webhookUrlProblem("http://localhost/", true)).toBeNull();
    for (const url of ["https://[::1]/", "https://10.0.0.1/", "https://169.254.169.254/", "http://192.168.0.1/", "https://[64:ff9b::a00:1]/"]) {
      expect(webhookUrlProblem(url, true), url).not.toBeNull();
    }
  });
});
