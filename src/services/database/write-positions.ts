import { laterOf, type WalPosition } from "./wal-position.ts";

/**
 * Each principal's latest committed write, as this process saw it: read-your-writes for callers
 * whose client or router does not send the position header back (docs/design.md §10). Bounded:
 * past `capacity` principals the least recently written one is forgotten — it then reads from a
 * replica only once the replica has caught up with whatever position its next request carries,
 * and a principal is forgotten only after `capacity` others wrote since, far longer than any
 * replica's lag on a healthy system.
 */
export class WritePositions {
  private readonly positions = new Map<string, WalPosition>();

  constructor(private readonly capacity = 10_000) {}

  get size(): number {
    return this.positions.size;
  }

  record(principal: string, position: WalPosition): void {
    const known = this.positions.get(principal) ?? null;
    this.positions.delete(principal);
    if (this.positions.size >= this.capacity) this.positions.delete(this.positions.keys().next().value as string);
    this.positions.set(principal, laterOf(known, position) as WalPosition);
  }

  get(principal: string): WalPosition | null {
    return this.positions.get(principal) ?? null;
  }
}
