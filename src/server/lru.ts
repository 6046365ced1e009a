/** A Map used as an LRU: `touch` moves a key to the newest end, and past `capacity` the oldest falls out. */
export function touch<V>(map: Map<string, V>, key: string, value: V, capacity: number): void {
  map.delete(key);
  if (map.size >= capacity) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
