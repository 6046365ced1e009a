/** Escapes LIKE/ILIKE wildcards so `%`, `_` and `\` in user input match themselves (docs/design.md §8). */
export function escapeLikePattern(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}
