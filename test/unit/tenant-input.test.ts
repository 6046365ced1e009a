// docs/design.md §4 "Slugs" and §8 "Input": slugs are lowercase by rule (never folded), some are reserved;
// names are stored trimmed and counted in characters (code points).
import { describe, expect, it } from "vitest";
import { RESERVED_SLUGS, validateName, validateSlug } from "../../src/services/tenants/tenant-input.ts";
import { characterLength, validateText } from "../../src/services/text.ts";

const FIELD = ["input", "slug"];
const NAME_FIELD = ["input", "name"];
const EMOJI = "\u{1F680}"; // 🚀: one character, two UTF-16 code units

describe("validateSlug", () => {
  it.each(["abc", "acme", "acme-corp", "a1b", "0ab", "123", "a-b", "a--b", "tenant-42", "a".repeat(63)])(
    "accepts %s",
    (slug) => {
      expect(validateSlug(slug, FIELD)).toBeNull();
    },
  );

  it.each([
    ["too short (2)", "ab"],
    ["too short (1)", "a"],
    ["empty", ""],
    ["too long (64)", "a".repeat(64)],
    ["leading hyphen", "-acme"],
    ["trailing hyphen", "acme-"],
    ["only hyphens", "---"],
    ["underscore", "acme_corp"],
    ["dot", "acme.corp"],
    ["space", "acme corp"],
    ["trailing newline", "acme\n"],
    ["leading space", " acme"],
    ["non-ASCII letter", "acmé"],
    ["emoji", `acme${EMOJI}`],
    ["slash", "acme/corp"],
  ])("refuses a slug with %s as INVALID_INPUT", (_why, slug) => {
    expect(validateSlug(slug, FIELD)).toMatchObject({ code: "INVALID_INPUT", field: FIELD });
  });

  it.each(["Acme", "ACME", "acme-Corp", "acmE"])(
    "refuses uppercase %s as INVALID_INPUT instead of folding it",
    (slug) => {
      expect(validateSlug(slug, FIELD)).toMatchObject({ code: "INVALID_INPUT", field: FIELD });
    },
  );

  it("refuses uppercase spellings of reserved slugs as INVALID_INPUT, not SLUG_RESERVED (no folding)", () => {
    expect(validateSlug("ADMIN", FIELD)).toMatchObject({ code: "INVALID_INPUT" });
    expect(validateSlug("Support", FIELD)).toMatchObject({ code: "INVALID_INPUT" });
  });

  // docs/design.md §4: Reserved: admin api app auth billing help platform status support www
  const DESIGN_RESERVED = ["admin", "api", "app", "auth", "billing", "help", "platform", "status", "support", "www"];

  it.each(DESIGN_RESERVED)("refuses the reserved slug %s as SLUG_RESERVED", (slug) => {
    const error = validateSlug(slug, FIELD);
    expect(error).toMatchObject({ code: "SLUG_RESERVED", field: FIELD });
    expect(error?.message).toContain(slug);
  });

  it("reserves exactly docs/design.md's list", () => {
    expect([...RESERVED_SLUGS].sort()).toEqual([...DESIGN_RESERVED].sort());
  });

  it("reserves whole slugs only", () => {
    for (const slug of ["admins", "my-admin", "api-gateway", "www2", "apps"])
      expect(validateSlug(slug, FIELD)).toBeNull();
  });

  it("reports the field it was given", () => {
    expect(validateSlug("A", ["input", "newSlug"])?.field).toEqual(["input", "newSlug"]);
  });
});

describe("validateName", () => {
  it("stores names trimmed", () => {
    expect(validateName("  Acme Corp \t\n", NAME_FIELD)).toEqual({ name: "Acme Corp" });
    expect(validateName("Acme", NAME_FIELD)).toEqual({ name: "Acme" });
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["only whitespace and newlines", " \t\n "],
  ])("refuses a %s name", (_why, name) => {
    expect(validateName(name, NAME_FIELD)).toEqual({
      error: expect.objectContaining({ code: "INVALID_INPUT", field: NAME_FIELD }),
    });
  });

  it("accepts 1 and 200 characters, refuses 201", () => {
    expect(validateName("A", NAME_FIELD)).toEqual({ name: "A" });
    expect(validateName("n".repeat(200), NAME_FIELD)).toEqual({ name: "n".repeat(200) });
    expect(validateName("n".repeat(201), NAME_FIELD)).toMatchObject({ error: { code: "INVALID_INPUT" } });
  });

  it("counts the length after trimming", () => {
    const padded = `   ${"n".repeat(200)}   `;
    expect(validateName(padded, NAME_FIELD)).toEqual({ name: "n".repeat(200) });
  });

  it("counts an emoji as one character: 200 emoji are accepted, 201 refused", () => {
    expect(EMOJI.length).toBe(2); // what a UTF-16 count would see
    expect(validateName(EMOJI.repeat(200), NAME_FIELD)).toEqual({ name: EMOJI.repeat(200) });
    expect(validateName(EMOJI.repeat(201), NAME_FIELD)).toMatchObject({ error: { code: "INVALID_INPUT" } });
    expect(validateName(`Acme ${EMOJI}`, NAME_FIELD)).toEqual({ name: `Acme ${EMOJI}` });
  });

  it.each([
    ["NUL", "Ac\u0000me"],
    ["BEL", "Acme\u0007"],
    ["escape", "\u001b[31mAcme"],
    ["DEL", "Ac\u007fme"],
    ["inner newline", "Acme\nCorp"],
    ["inner tab", "Acme\tCorp"],
    ["trailing NUL", "Acme\u0000"],
  ])("refuses a name containing %s", (_why, name) => {
    expect(validateName(name, NAME_FIELD)).toMatchObject({ error: { code: "INVALID_INPUT", field: NAME_FIELD } });
  });
});

describe("validateText", () => {
  const options = { field: ["input", "reason"], label: "reason", maxLength: 10 };

  it("treats absent and blank text as absent", () => {
    expect(validateText(null, options)).toEqual({ value: null });
    expect(validateText(undefined, options)).toEqual({ value: null });
    expect(validateText("", options)).toEqual({ value: null });
    expect(validateText("  \n\t ", options)).toEqual({ value: null });
  });

  it("trims and keeps text within the bound", () => {
    expect(validateText("  fraud  ", options)).toEqual({ value: "fraud" });
    expect(validateText("x".repeat(10), options)).toEqual({ value: "x".repeat(10) });
  });

  it("refuses text over the bound, naming the label and the field", () => {
    const result = validateText("x".repeat(11), options);
    expect(result).toMatchObject({ error: { code: "INVALID_INPUT", field: ["input", "reason"] } });
    expect("error" in result ? result.error.message : "").toMatch(/reason.*10/);
  });

  it("counts characters, not UTF-16 units", () => {
    expect(validateText(EMOJI.repeat(10), options)).toEqual({ value: EMOJI.repeat(10) });
    expect(validateText(EMOJI.repeat(11), options)).toMatchObject({ error: { code: "INVALID_INPUT" } });
  });

  it("allows line breaks and tabs inside free text but refuses NUL and other control characters", () => {
    expect(validateText("a\nb\r\nc\td", options)).toEqual({ value: "a\nb\r\nc\td" });
    expect(validateText("a\u0000b", options)).toMatchObject({ error: { code: "INVALID_INPUT" } });
    expect(validateText("a\u0007b", options)).toMatchObject({ error: { code: "INVALID_INPUT" } });
    expect(validateText("a\u007fb", options)).toMatchObject({ error: { code: "INVALID_INPUT" } });
  });

  it("refuses every control character Unicode names (category Cc), in free text and in names alike", () => {
    const controls = Array.from({ length: 0xa0 }, (_, code) => String.fromCharCode(code)).filter((character) =>
      /\p{Cc}/u.test(character),
    );
    expect(controls).toHaveLength(65);
    for (const control of controls.filter((character) => !"\t\n\r".includes(character))) {
      const label = `U+${control.charCodeAt(0).toString(16).padStart(4, "0")}`;
      expect(validateText(`a${control}b`, options), label).toMatchObject({ error: { code: "INVALID_INPUT" } });
      expect(validateName(`Acme${control}Corp`, ["input", "name"]), label).toMatchObject({
        error: { code: "INVALID_INPUT" },
      });
    }
  });
});

describe("characterLength", () => {
  it("counts code points", () => {
    expect(characterLength("")).toBe(0);
    expect(characterLength("abc")).toBe(3);
    expect(characterLength(EMOJI)).toBe(1);
    expect(characterLength(`é${EMOJI}漢`)).toBe(3);
  });
});
