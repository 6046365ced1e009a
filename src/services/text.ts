// What text the service accepts, decided once: every input path (mutations, filters, keys, cursors,
// token subjects) asks here.
import type { UserError } from "../domain/user-errors.ts";

/** Lengths in characters (code points) of the text fields, as the contract describes them. */
export const TEXT_LIMITS = {
  name: 200,
  reason: 1000,
  statusMessage: 500,
  summary: 2000,
  failureReason: 2000,
  /** A long ILIKE pattern costs the database seconds. */
  search: 200,
  idempotencyKey: 255,
} as const;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a record and is treated as absent. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/**
 * Whether PostgreSQL stores exactly this string. It cannot hold NUL (U+0000); and a lone UTF-16
 * surrogate has no UTF-8 form, so the driver would send U+FFFD in its place — a stored value
 * differing from the one hashed into the audit chain. Lookups treat other text as a miss;
 * writes refuse it.
 */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && value.isWellFormed();
}

/** Lengths count characters (code points), not UTF-16 units. */
export function characterLength(value: string): number {
  let length = 0;
  for (const _character of value) length += 1;
  return length;
}

// Unicode's control characters (category Cc): C0, DEL and the C1 range U+0080–U+009F, whose
// NEL (U+0085) some terminals and parsers take as a line break.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Control characters: none at all in single-line text (names, subjects), tab and line breaks allowed in free text. */
export function hasControlCharacters(value: string, options: { allowLineBreaks: boolean }): boolean {
  return (options.allowLineBreaks ? CONTROL_CHARACTERS_BUT_LINE_BREAKS : CONTROL_CHARACTERS).test(value);
}

// Unicode's format characters (Cf: bidi overrides such as U+202E, zero-width characters, U+FEFF,
// the soft hyphen) and the line and paragraph separators (Zl U+2028, Zp U+2029): invisible, or
// reordering or breaking the text around them on screens and in log lines, so an identifier
// holding one can pass for another.
const FORMAT_OR_SEPARATOR_CHARACTERS = /[\p{Cf}\p{Zl}\p{Zp}]/u;

/** Whether an identifier holds a format or line/paragraph separator character (refused in identifiers). */
export function hasFormatOrSeparatorCharacters(value: string): boolean {
  return FORMAT_OR_SEPARATOR_CHARACTERS.test(value);
}

/**
 * The one check of text that is stored: trimmed, within `maxLength` characters, storable exactly
 * as given (no NUL, no unpaired surrogate) and without control characters (free text may hold
 * tabs and line breaks; single-line text none). Blank is absent unless `required`.
 */
export function validateText(
  value: string | null | undefined,
  options: { field: string[]; label: string; maxLength: number; required?: boolean; singleLine?: boolean },
): { value: string | null } | { error: UserError } {
  const invalid = (message: string) => ({ error: { code: "INVALID_INPUT" as const, message, field: options.field } });
  const trimmed = value?.trim() ?? "";
  if (trimmed === "") return options.required ? invalid(`${options.label} must not be blank`) : { value: null };
  if (characterLength(trimmed) > options.maxLength) {
    return invalid(`${options.label} must be at most ${options.maxLength} characters`);
  }
  if (!isStorableText(trimmed))
    return invalid(`${options.label} must not contain NUL or unpaired surrogate characters`);
  if (hasControlCharacters(trimmed, { allowLineBreaks: !options.singleLine })) {
    return invalid(`${options.label} must not contain control characters`);
  }
  return { value: trimmed };
}
