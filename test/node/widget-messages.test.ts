// The widget's one table of sentences: every API and SDK error code maps to a
// sentence (or to silence), and no sentence is a code.
import { describe, expect, it } from "vitest";
import { CarryoverError } from "../../src/client/errors.ts";
import { ERROR_STATUS } from "../../src/protocol/errors.ts";
import { MESSAGES, messageFor, notSentFor, type Context } from "../../src/widget/messages.ts";

const CODES = [...Object.keys(ERROR_STATUS), "network", "signed_out", "invalid_response"];
const CONTEXTS: Context[] = ["chat", "start", "signIn", "link", "handoff"];

describe("widget messages", () => {
  it("maps every code in every context to a sentence from the table", () => {
    for (const code of CODES) {
      for (const context of CONTEXTS) {
        const key = messageFor(new CarryoverError(code, 400, `detail for ${code}`), context);
        expect(key === null || key in MESSAGES, `${code} in ${context}`).toBe(true);
      }
    }
    expect(messageFor(new CarryoverError("closed", 0), "chat")).toBeNull();
  });

  it("no sentence looks like a code", () => {
    for (const text of Object.values(MESSAGES)) {
      expect(text).not.toMatch(/[a-z]+_[a-z]+|\b4\d{3}\b/);
      expect(text).toMatch(/^[A-Z]/);
    }
    for (const code of CODES) expect(MESSAGES[notSentFor(code)]).not.toContain(code);
  });
});
