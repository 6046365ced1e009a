// Numbers as the console shows them (plain TypeScript, so the unit tests import it without JSX).
import type { CountPrecision } from "./documents.ts";

/** 1 000, with a no-break space between thousands; "1 000+" when counting stopped at a cap. */
export function formatCount(count: number, precision: CountPrecision = "EXACT"): string {
  const digits = String(count).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
  return precision === "AT_LEAST" ? `${digits}+` : digits;
}
