import type { UserError } from "../errors.ts";

export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin",
  "api",
  "app",
  "auth",
  "billing",
  "help",
  "platform",
  "status",
  "support",
  "www",
]);
const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;
export const NAME_MAX_LENGTH = 200;
export const REASON_MAX_LENGTH = 1000;
export const STATUS_MESSAGE_MAX_LENGTH = 500;

/** Lengths count characters (code points), not UTF-16 units. */
export function characterLength(value: string): number {
  return [...value].length;
}

/** NUL and other C0 control characters (but tab/newline) are refused in stored text. */
function hasControlCharacters(value: string, allowNewlines: boolean): boolean {
  // eslint-disable-next-line no-control-regex
  return (allowNewlines ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/).test(value);
}

/** Slugs are lowercase by rule: uppercase is refused, never folded. */
export function validateSlug(slug: string, field: string[]): UserError | null {
  if (!SLUG_PATTERN.test(slug)) {
    return {
      code: "INVALID_INPUT",
      message: "slug must be 3..63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
      field,
    };
  }
  if (RESERVED_SLUGS.has(slug)) return { code: "SLUG_RESERVED", message: `The slug "${slug}" is reserved`, field };
  return null;
}

/** Names are stored trimmed; returns the trimmed name or the error. */
export function validateName(name: string, field: string[]): { name: string } | { error: UserError } {
  const trimmed = name.trim();
  const length = characterLength(trimmed);
  if (length < 1 || length > NAME_MAX_LENGTH) {
    return {
      error: { code: "INVALID_INPUT", message: `name must be 1..${NAME_MAX_LENGTH} characters after trimming`, field },
    };
  }
  if (hasControlCharacters(trimmed, false)) {
    return { error: { code: "INVALID_INPUT", message: "name must not contain control characters", field } };
  }
  return { name: trimmed };
}

/** Optional free text bounded in characters; blank counts as absent. */
export function validateText(
  value: string | null | undefined,
  options: { field: string[]; label: string; maxLength: number },
): { value: string | null } | { error: UserError } {
  if (value === null || value === undefined) return { value: null };
  const trimmed = value.trim();
  if (trimmed === "") return { value: null };
  if (characterLength(trimmed) > options.maxLength) {
    return {
      error: {
        code: "INVALID_INPUT",
        message: `${options.label} must be at most ${options.maxLength} characters`,
        field: options.field,
      },
    };
  }
  if (hasControlCharacters(trimmed, true)) {
    return {
      error: {
        code: "INVALID_INPUT",
        message: `${options.label} must not contain control characters`,
        field: options.field,
      },
    };
  }
  return { value: trimmed };
}
