// The console's count display (design §10): "1 000+" where a connection's count stopped at a cap.
import { describe, expect, it } from "vitest";
import { formatCount } from "../../console/src/format.ts";

describe("formatCount", () => {
  it("groups thousands with a no-break space and marks a capped count with +", () => {
    expect(formatCount(7)).toBe("7");
    expect(formatCount(1000)).toBe("1\u00a0000");
    expect(formatCount(1000, "AT_LEAST")).toBe("1\u00a0000+");
    expect(formatCount(1234567, "EXACT")).toBe("1\u00a0234\u00a0567");
    expect(formatCount(200, "AT_LEAST")).toBe("200+");
  });
});
