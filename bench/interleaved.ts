// Side-by-side measurement of several running variants of the service (configurations or
// builds) on the same scenarios: each round measures every variant on a scenario in turn, in an
// order rotated from round to round, so a slow spell of this shared machine falls on all of them.
// Compared within each round (paired), then the median over rounds.
import autocannon from "autocannon";
import { cpuMs, type RunningTarget } from "./harness.ts";
import type { BenchRequest } from "./scenarios.ts";

export interface Variant {
  name: string;
  target: RunningTarget;
  /** The variant's requests per scenario title (variants on databases of their own have their own ids). */
  scenarios: Record<string, BenchRequest>;
}

export interface InterleavedRow {
  round: number;
  scenario: string;
  variant: string;
  requestsPerSecond: number;
  p99Ms: number;
  /** The variant's CPU time per answered request: steadier than req/s on a shared machine. */
  cpuMsPerRequest: number;
  failures: number;
}

export interface InterleavedOptions {
  variants: Variant[];
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  token: string;
}

async function measure(target: RunningTarget, request: BenchRequest, options: InterleavedOptions, seconds: number) {
  await request.prepare?.();
  const pid = target.process.pid as number;
  const cpuBefore = await cpuMs(pid);
  let failures = 0;
  const result = await autocannon({
    url: `${target.origin}/graphql`,
    connections: options.connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
        setupRequest: (outgoing) => ({ ...outgoing, body: request.body() }),
      },
    ],
    verifyBody: (body) => {
      const right = request.verify(String(body ?? ""));
      if (!right) failures += 1;
      return right;
    },
  });
  const cpu = (await cpuMs(pid)) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    cpuMsPerRequest: result.requests.total > 0 ? cpu / result.requests.total : Number.NaN,
    failures: failures + result.non2xx + result.errors,
  };
}

export async function measureInterleaved(options: InterleavedOptions): Promise<InterleavedRow[]> {
  const rows: InterleavedRow[] = [];
  const { variants } = options;
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const scenario of Object.keys(variants[0]?.scenarios ?? {})) {
      // Rotated each round: no variant always runs first (or right after the seed).
      const order = variants.map((_, index) => variants[(index + round - 1) % variants.length] as Variant);
      for (const variant of order) {
        const request = variant.scenarios[scenario];
        if (!request) throw new Error(`${variant.name} has no scenario ${scenario}`);
        await measure(variant.target, request, options, options.warmupS);
        const measured = await measure(variant.target, request, options, options.durationS);
        rows.push({ round, scenario, variant: variant.name, ...measured });
        console.log(
          `round ${round}  ${scenario.padEnd(26)} ${variant.name.padEnd(20)} ${measured.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${measured.p99Ms.toFixed(1)} ms  ${measured.cpuMsPerRequest.toFixed(3)} CPU ms/req  ${measured.failures} failures`,
        );
      }
    }
  }
  return rows;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const percent = (ratio: number) => `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)} %`;

/**
 * A Markdown table: per scenario and variant, each round's figures and the paired change
 * against `reference` (each round's ratio, then their median).
 */
export function pairedTable(rows: InterleavedRow[], reference: string): string {
  const lines = [
    "| scenario | variant | req/s per round | median req/s | req/s vs reference, paired: median (per round) | CPU ms/req per round | CPU vs reference, paired: median (per round) | failures |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  const variants = [...new Set(rows.map((row) => row.variant))];
  for (const scenario of scenarios) {
    const of = (variant: string) => rows.filter((row) => row.scenario === scenario && row.variant === variant);
    const base = of(reference);
    for (const variant of variants) {
      const own = of(variant);
      const paired = (pick: (row: InterleavedRow) => number) => {
        if (variant === reference) return "—";
        const ratios = own.map((row, index) => pick(row) / pick(base[index] as InterleavedRow));
        return `${percent(median(ratios))} (${ratios.map(percent).join(", ")})`;
      };
      lines.push(
        `| ${scenario} | ${variant} | ${own.map((row) => row.requestsPerSecond.toFixed(0)).join(", ")} | ${median(own.map((row) => row.requestsPerSecond)).toFixed(0)} | ${paired((row) => row.requestsPerSecond)} | ${own.map((row) => row.cpuMsPerRequest.toFixed(3)).join(", ")} | ${paired((row) => row.cpuMsPerRequest)} | ${own.reduce((sum, row) => sum + row.failures, 0)} |`,
      );
    }
  }
  return lines.join("\n");
}
