/** A Map used as an LRU: `touch` moves a key to the newest end, and past `capacity` the oldest falls out. */
export function touch<V>(map: Map<string, V>, key: string, value: V, capacity: number): void {
  map.delete(key);
  if (map.size >= capacity) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

/**
 * An LRU bounded by the sum of its entries' weights (bytes, as the caller estimates them), not
 * by their number: adding an entry evicts the least recently used until the total fits the
 * budget. An entry heavier than `maxEntryWeight` is not kept at all (it would evict most of the
 * others for one operation).
 */
export class WeightedLru<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(
    readonly budget: number,
    readonly maxEntryWeight: number = budget,
  ) {}

  /** The sum of the weights of the entries kept. */
  get weight(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Whether an entry of this weight would be kept. */
  accepts(weight: number): boolean {
    return weight >= 0 && weight <= this.maxEntryWeight && weight <= this.budget;
  }

  /** Keeps the value (replacing the key's), evicting the least recently used to fit; false when too heavy to keep. */
  set(key: string, value: V, weight: number): boolean {
    this.delete(key);
    if (!this.accepts(weight)) return false;
    while (this.total + weight > this.budget) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.entries.set(key, { value, weight });
    this.total += weight;
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
