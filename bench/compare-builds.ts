// `npm run bench:compare -- --against <git ref> [--with <git ref>] [--tenants 10000 --rounds 5 --duration 6 --warmup 2 --connections 16]`
//
// This checkout against an earlier commit, side by side in one run: both built as production
// runs them (`dist/main.js`, start:built's V8 flags), each on a database of its own migrated and
// seeded by its own code (the same fleet generator), and (a) tenant by id, (b) dashboard page of 50 and (d) SUSPEND/REACTIVATE measured interleaved
// (bench/interleaved.ts): the way "within 5 % of before" targets are checked on a machine whose
// run-to-run spread is larger than that. The earlier commit is checked out as a git worktree under
// `.data/bench-builds/<commit>` (kept for the next run) sharing this checkout's node_modules.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { signDevelopmentToken } from "../src/server/auth.ts";
import {
  BENCH_SECRET,
  createBenchDatabase,
  root,
  run,
  startTarget,
  START_BUILT_FLAGS,
  type BenchDatabase,
  type RunningTarget,
  measuredServiceEnv,
} from "./harness.ts";
import { measureInterleaved, pairedTable, type Variant } from "./interleaved.ts";
import { coreSubgraphScenarios } from "./scenarios.ts";
import { readFleet } from "./seed.ts";

const { values: args } = parseArgs({
  options: {
    against: { type: "string" },
    /** Another commit to measure instead of this checkout (e.g. to bisect between two commits). */
    with: { type: "string" },
    tenants: { type: "string", default: "10000" },
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    /** Comma-separated names of (a), (b), (d) to run: `a,b`. */
    scenarios: { type: "string", default: "a,b,d" },
    /** A directory: both builds run with --cpu-prof and write their profiles there (bench/profile-summary.ts reads them). */
    "cpu-prof": { type: "string" },
  },
});

const git = (...gitArgs: string[]) => execFileSync("git", gitArgs, { cwd: root, encoding: "utf8" }).trim();

/** The earlier commit built in a worktree of its own (reused when already built). */
async function buildReference(ref: string): Promise<{ commit: string; directory: string }> {
  const commit = git("rev-parse", "--verify", `${ref}^{commit}`);
  const directory = join(root, ".data", "bench-builds", commit.slice(0, 12));
  if (!existsSync(join(directory, "dist", "main.js"))) {
    if (existsSync(directory)) {
      git("worktree", "remove", "--force", directory);
      await rm(directory, { recursive: true, force: true });
    }
    await mkdir(join(root, ".data", "bench-builds"), { recursive: true });
    git("worktree", "add", "--detach", directory, commit);
    await symlink(join(root, "node_modules"), join(directory, "node_modules"));
    await run(process.execPath, ["scripts/prisma-generate.mjs"], directory);
    await run(process.execPath, ["scripts/build.mjs"], directory);
  }
  return { commit, directory };
}

/**
 * Migrates and seeds a database with the code of `cwd` (its own migrations and seeder, in a
 * process of its own): an earlier build refuses a schema newer than its migrations.
 */
async function prepareDatabase(cwd: string, databaseUrl: string, tenants: number): Promise<void> {
  const script = `
    const { applyMigrations } = await import("./src/services/database/migrations.ts");
    const { seedFleet } = await import("./bench/seed.ts");
    const harness = await import("./bench/harness.ts");
    const url = process.argv[1];
    await applyMigrations(url);
    // Builds from before audit evidence have no signer: their seed takes none.
    const summary = await seedFleet(url, { tenants: ${tenants}, signer: harness.BENCH_AUDIT_SIGNER });
    console.log("seeded " + summary.tenants + " tenants in " + summary.seconds.toFixed(1) + " s (" + process.cwd() + ")");
  `;
  await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, databaseUrl], cwd);
}

async function main(): Promise<void> {
  if (!args.against) throw new Error("Say which commit to compare with: --against <git ref>");
  const reference = await buildReference(args.against);
  const candidate = args.with ? await buildReference(args.with) : null;
  if (!candidate) await run(process.execPath, ["scripts/build.mjs"]);
  const builds = [
    { name: `before ${reference.commit.slice(0, 7)}`, cwd: reference.directory },
    candidate
      ? { name: `with ${candidate.commit.slice(0, 7)}`, cwd: candidate.directory }
      : {
          name: `now ${git("rev-parse", "--short=7", "HEAD")}${git("status", "--porcelain", "--untracked-files=no").length > 0 ? "+changes" : ""}`,
          cwd: root,
        },
  ];
  const databases: BenchDatabase[] = [];
  const targets: RunningTarget[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.all(targets.map((target) => target.stop()))
        .then(() => Promise.all(databases.map((database) => database.drop())))
        .finally(() => process.exit(130));
    });
  }
  try {
    const token = await signDevelopmentToken(BENCH_SECRET, { sub: "bench-operator", scope: "platform:operator" });
    const logDir = await mkdtemp(join(tmpdir(), "bench-compare-"));
    const env = measuredServiceEnv();
    const wanted = new Set(args.scenarios.split(",").map((name) => `(${name.trim()})`));
    const variants: Variant[] = [];
    for (const build of builds) {
      const database = await createBenchDatabase();
      databases.push(database);
      await prepareDatabase(build.cwd, database.url, Number(args.tenants));
      const fleet = await readFleet(database.url);
      const target = await startTarget(
        { name: build.name, command: [process.execPath, ...START_BUILT_FLAGS, "dist/main.js"], env, cwd: build.cwd },
        database.url,
        join(logDir, `${build.name.replace(/[^a-z0-9]+/gi, "-")}.log`),
        args["cpu-prof"]
          ? [
              "--cpu-prof",
              `--cpu-prof-dir=${args["cpu-prof"]}`,
              `--cpu-prof-name=${build.name.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`,
            ]
          : [],
      );
      targets.push(target);
      const scenarios = Object.fromEntries(
        Object.entries(coreSubgraphScenarios(fleet, database.url)).filter(([title]) => wanted.has(title.slice(0, 3))),
      );
      variants.push({ name: build.name, target, scenarios });
    }
    console.log(`logs in ${logDir}`);
    const rows = await measureInterleaved({
      variants,
      rounds: Number(args.rounds),
      durationS: Number(args.duration),
      warmupS: Number(args.warmup),
      connections: Number(args.connections),
      token,
    });
    console.log("");
    console.log(pairedTable(rows, builds[0]?.name as string));
  } finally {
    for (const target of targets) await target.stop();
    for (const database of databases) await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
