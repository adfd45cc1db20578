// Display names (src/protocol/names.ts): what could spoof goes, what a
// script or an emoji needs stays. The API-level tests are test/worker/names.test.ts.
import { describe, expect, it } from "vitest";
import { cleanName } from "../../../src/protocol/names";

describe("cleanName", () => {
  it("keeps the joiners scripts and emoji need", () => {
    for (const name of [
      "👨\u200d👩\u200d👧 Family", // a family emoji is three emoji joined
      "🏳\ufe0f\u200d🌈 Pride", // after a variation selector
      "علی\u200cرضا", // Persian: ZWNJ inside an Arabic-script word
      "क्\u200dष", // Devanagari: ZWJ after the virama
      "ന്\u200d", // Malayalam chillu: ZWJ after the virama, at the end
      "Scot 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}", // a subdivision flag's tag sequence
    ]) {
      expect(cleanName(name)).toBe(name);
    }
  });

  it("removes joiners, tags and fillers where they only hide", () => {
    expect(cleanName("A\u200dB\u200cC")).toBe("ABC");
    expect(cleanName("e\u0301\u200dB")).toBe("e\u0301B"); // after a Latin accent (an inherited mark): invisible
    expect(cleanName("Ana\u{E0041}\u{E007F}")).toBe("Ana");
    expect(cleanName("\u3164\u3164 \u2800 \uffa0")).toBeUndefined();
    expect(cleanName("Eve\ud83d \udc00Lee")).toBe("Eve Lee");
    expect(cleanName("\u202eplehyreve")).toBe("plehyreve");
  });
});
