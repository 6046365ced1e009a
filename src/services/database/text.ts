/**
 * PostgreSQL text cannot hold NUL (U+0000): a value containing it names and matches no stored
 * row, and sending it as a statement parameter fails the statement. Lookups and filters treat
 * such a value as a miss; writes refuse it.
 */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000");
}
