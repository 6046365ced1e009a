// `tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a --cpu-prof profile spent its
// time, as self time per package (node_modules/<name>, node internals, this project) and per
// function — the summary BENCHMARKS.md quotes when a target is not reached.
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArgument] = process.argv.slice(2);
if (!file) {
  console.error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArgument ?? 25);
const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) =>
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
);

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const nodeModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModules) return nodeModules[1] as string;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  // The built bundle inlines dependencies; its source paths are not known here.
  return url.includes("/dist/") ? "this project (dist)" : url.includes("/src/") ? "this project" : url;
}

const perPackage = new Map<string, number>();
const perFunction = new Map<string, number>();
let busy = 0;
let total = 0;
for (const [id, micros] of selfMicros) {
  const node = byId.get(id);
  if (!node) continue;
  total += micros;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === "(idle)" || functionName === "(program)") continue;
  busy += micros;
  const name = packageOf(url, functionName);
  perPackage.set(name, (perPackage.get(name) ?? 0) + micros);
  const where = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
  perFunction.set(where, (perFunction.get(where) ?? 0) + micros);
}

const share = (micros: number) => `${((100 * micros) / busy).toFixed(1)}%`.padStart(6);
console.log(
  `profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle/program)`,
);
console.log("\nself time by package (share of busy):");
for (const [name, micros] of [...perPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${share(micros)}  ${name}`);
}
console.log("\nself time by function:");
for (const [name, micros] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${share(micros)}  ${name}`);
}
