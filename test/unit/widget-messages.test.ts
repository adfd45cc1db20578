// The widget's one table of sentences: every API and SDK error code maps to a
// sentence (or to silence), and no sentence is a code.
import { describe, expect, it } from "vitest";
import { CarryoverError } from "../../src/client/errors.ts";
import { ERROR_STATUS } from "../../src/protocol/errors.ts";
import { MESSAGES, messageFor, notSentFor, type Context } from "../../src/widget/messages.ts";

const CODES = [...Object.keys(ERROR_STATUS), "network", "signed_out", "invalid_response"];
const CONTEXTS: Context[] = ["chat", "start", "signIn", "link", "handoff", "file"];

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

  it("a refused file has its own sentence, and only failures a retry can fix say just \"Not sent.\" (the widget's Retry)", () => {
    expect(MESSAGES[notSentFor("payload_too_large", true)]).toBe("This file is too large to send (limit {limit}).");
    expect(MESSAGES[notSentFor("payload_too_large")]).toBe("Not sent: the message is too long.");
    expect(MESSAGES[notSentFor("unsupported_media_type", true)]).toBe("This kind of file can't be sent.");
    expect(messageFor(new CarryoverError("payload_too_large", 413), "file")).toBe("fileTooLarge");
    expect(messageFor(new CarryoverError("unsupported_media_type", 415), "file")).toBe("fileType");
    // In the chat the failed row says it already.
    expect(messageFor(new CarryoverError("unsupported_media_type", 415), "chat")).toBeNull();
    for (const code of ["network", "internal", "upload_interrupted", null]) expect(notSentFor(code, true)).toBe("notSent");
    for (const code of ["payload_too_large", "unsupported_media_type", "invalid_request", "forbidden"]) expect(notSentFor(code, true)).not.toBe("notSent");
  });
});
