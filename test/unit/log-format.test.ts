import { describe, expect, it } from "vitest";
import { resolveLogFormat } from "../../src/server/logger.ts";

describe("LOG_FORMAT", () => {
  it("auto: readable only for a person at a terminal in development", () => {
    expect(resolveLogFormat("auto", "development", true)).toBe("pretty");
    expect(resolveLogFormat("auto", "development", false)).toBe("json");
    expect(resolveLogFormat("auto", "production", true)).toBe("json");
    expect(resolveLogFormat("auto", "test", true)).toBe("json");
  });

  it("an explicit format wins", () => {
    expect(resolveLogFormat("json", "development", true)).toBe("json");
    expect(resolveLogFormat("pretty", "production", false)).toBe("pretty");
  });
});
