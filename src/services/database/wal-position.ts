// A position in PostgreSQL's write-ahead log (an LSN), as the read-your-writes routing compares
// them (docs/design.md §10): a 64-bit number that PostgreSQL writes as two hexadecimal halves,
// `16/B374D848`.

export type WalPosition = bigint;

const TEXT_FORM = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** The position PostgreSQL's text form names, or null for anything else (a client's header is untrusted). */
export function parseWalPosition(text: string): WalPosition | null {
  const match = TEXT_FORM.exec(text.trim());
  if (!match) return null;
  return (BigInt(`0x${match[1] as string}`) << 32n) | BigInt(`0x${match[2] as string}`);
}

/** PostgreSQL's own text form, so a position can be pasted into `pg_wal_lsn_diff` as it is. */
export function formatWalPosition(position: WalPosition): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The later of two positions, either absent. */
export function laterOf(a: WalPosition | null, b: WalPosition | null): WalPosition | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
