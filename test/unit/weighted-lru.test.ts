// docs/design.md §6: the compiled-operation cache is bounded by the bytes its entries retain
// (as estimated), not by their number. The LRU's accounting, walked by hand.
import { describe, expect, it } from "vitest";
import { WeightedLru } from "../../src/server/lru.ts";

describe("WeightedLru", () => {
  it("keeps the sum of its entries' weights within the budget, evicting the least recently used", () => {
    const cache = new WeightedLru<string>(100);
    expect(cache.set("a", "A", 40)).toBe(true);
    expect(cache.set("b", "B", 40)).toBe(true);
    expect(cache.weight).toBe(80);
    // Reading "a" makes "b" the least recently used.
    expect(cache.get("a")).toBe("A");
    expect(cache.set("c", "C", 30)).toBe(true);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.weight).toBe(70);
    expect(cache.size).toBe(2);
    // Evicts as many as it takes.
    expect(cache.set("d", "D", 100)).toBe(true);
    expect([cache.get("a"), cache.get("c"), cache.get("d")]).toEqual([undefined, undefined, "D"]);
    expect(cache.weight).toBe(100);
  });

  it("replaces a key's entry and its weight", () => {
    const cache = new WeightedLru<string>(100);
    cache.set("a", "A", 60);
    cache.set("a", "A2", 10);
    expect(cache.get("a")).toBe("A2");
    expect(cache.weight).toBe(10);
    expect(cache.size).toBe(1);
  });

  it("keeps no entry heavier than its largest entry weight, and evicts nothing for it", () => {
    const cache = new WeightedLru<string>(100, 25);
    cache.set("a", "A", 20);
    expect(cache.accepts(25)).toBe(true);
    expect(cache.accepts(26)).toBe(false);
    expect(cache.set("heavy", "H", 26)).toBe(false);
    expect(cache.get("heavy")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.weight).toBe(20);
    // A key whose new value is too heavy loses its old entry (it no longer holds that value).
    expect(cache.set("a", "A-heavy", 80)).toBe(false);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.weight).toBe(0);
  });

  it("refuses a weight that is not a number of bytes", () => {
    const cache = new WeightedLru<string>(100);
    expect(cache.set("nan", "N", Number.NaN)).toBe(false);
    expect(cache.set("negative", "N", -5)).toBe(false);
    expect(cache.weight).toBe(0);
  });

  it("deletes and clears with the weight following", () => {
    const cache = new WeightedLru<string>(100);
    cache.set("a", "A", 30);
    cache.set("b", "B", 30);
    cache.delete("a");
    cache.delete("missing");
    expect(cache.weight).toBe(30);
    cache.clear();
    expect(cache.weight).toBe(0);
    expect(cache.size).toBe(0);
  });
});
