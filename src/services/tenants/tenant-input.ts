import type { UserError } from "../../domain/user-errors.ts";
import { TEXT_LIMITS, validateText } from "../text.ts";

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

/** Names are stored trimmed, 1..200 characters on one line; returns the trimmed name or the error. */
export function validateName(name: string, field: string[]): { name: string } | { error: UserError } {
  const validated = validateText(name, {
    field,
    label: "name",
    maxLength: TEXT_LIMITS.name,
    required: true,
    singleLine: true,
  });
  return "error" in validated ? validated : { name: validated.value as string };
}
