// `npm run bench:webhooks [-- --tenants 2000 --rate 100 --seconds 20 --backlog 20000 --rounds 4 --duration 6]`
//
// Lifecycle events out (issue 23's targets), measured against a real HTTP receiver on loopback:
// 1. commit → 2xx: transitions sent at `--rate` per second for `--seconds` (open loop: each on
//    its schedule, whatever the last answered); for each, the time from its answer (the commit
//    is behind it) to the receiver's arrival of the event's `webhook-id`: p50/p99/max.
// 2. sustained delivery: `--backlog` events committed while no process delivers, then one
//    delivering process started: events per second arriving at the receiver until all arrived.
// 3. transitions (d) with one enabled endpoint against none, interleaved on one process
//    (bench/interleaved.ts): the endpoint is created and deleted between the measurements.
// The built service (dist/main.js, start:built's flags) in production mode, loopback allowed.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import {
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  cpuMs,
  createBenchDatabase,
  run,
  startTarget,
  START_BUILT_FLAGS,
  type RunningTarget,
  measuredServiceEnv,
} from "./harness.ts";
import { measureInterleaved, pairedTable, type Variant } from "./interleaved.ts";
import { graphql, subgraphTransitions, transitionWalk } from "./scenarios.ts";
import { readFleet, seedFleet } from "./seed.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "2000" },
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "20" },
    backlog: { type: "string", default: "20000" },
    rounds: { type: "string", default: "4" },
    duration: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    "no-build": { type: "boolean", default: false },
    /** A directory: the service's processes run with --cpu-prof and write their profiles there. */
    "cpu-prof": { type: "string" },
  },
});

/** How long the receiver waits for the last events of a phase before it reports them missing. */
const STRAGGLER_WAIT_MS = 30_000;

const TRANSITION_WITH_EVENT = `mutation Transition($input: TransitionTenantInput!) { transitionTenant(input: $input) {
  tenant { id status lifecycle { version } } auditEvent { id sequence } userErrors { code message } } }`;

/** The receiver: answers 204 at once and notes when each `webhook-id` first arrived. */
async function startReceiver() {
  const arrivals = new Map<string, number>();
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    const id = request.headers["webhook-id"];
    if (typeof id === "string" && !arrivals.has(id)) arrivals.set(id, performance.now());
    request.resume();
    request.on("end", () => {
      response.writeHead(204);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    arrivals,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

async function call(origin: string, token: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (answer.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(answer.errors)}`);
  return answer.data as Record<string, Record<string, unknown>>;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function main(): Promise<void> {
  if (!args["no-build"]) await run("node", ["scripts/build.mjs"]);
  const database = await createBenchDatabase();
  const receiver = await startReceiver();
  const targets: RunningTarget[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.all(targets.map((target) => target.stop()))
        .then(() => database.drop())
        .finally(() => process.exit(130));
    });
  }
  const logDir = await mkdtemp(join(tmpdir(), "bench-webhooks-"));
  const env = (delivery: "on" | "off") =>
    measuredServiceEnv({ WEBHOOK_DELIVERY: delivery, WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_ALLOW_LOOPBACK: "true" });
  const start = async (name: string, delivery: "on" | "off") => {
    const target = await startTarget(
      { name, command: [process.execPath, ...START_BUILT_FLAGS, "dist/main.js"], env: env(delivery) },
      database.url,
      join(logDir, `${name}.log`),
      args["cpu-prof"]
        ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`, `--cpu-prof-name=webhooks-${name}.cpuprofile`]
        : [],
    );
    targets.push(target);
    return target;
  };
  try {
    await applyMigrations(database.url);
    const summary = await seedFleet(database.url, { tenants: Number(args.tenants), signer: BENCH_AUDIT_SIGNER });
    console.log(`seeded ${summary.tenants} tenants in ${summary.seconds.toFixed(1)} s; logs in ${logDir}`);
    const fleet = await readFleet(database.url);
    const token = await signDevelopmentToken(BENCH_SECRET, { sub: "bench-operator", scope: "platform:operator" });
    const delivering = await start("delivering", "on");
    const createEndpoint = async (origin: string) => {
      const created = await call(
        origin,
        token,
        `mutation Create($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
          endpoint { id } userErrors { code message } } }`,
        { input: { url: receiver.url, description: "bench receiver" } },
      );
      const made = created["createWebhookEndpoint"]?.["endpoint"] as { id: string } | null;
      if (!made) throw new Error(`no endpoint: ${JSON.stringify(created)}`);
      return made.id;
    };
    const endpoint = { id: await createEndpoint(delivering.origin) };
    const walk = transitionWalk(fleet, database.url);
    await walk.resync();

    // ---------------------------------------------------------------- 1. commit → 2xx at a rate
    const rate = Number(args.rate);
    const count = rate * Number(args.seconds);
    const answeredAt = new Map<string, number>();
    const sends: Promise<void>[] = [];
    const began = performance.now();
    let sendFailures = 0;
    for (let index = 0; index < count; index += 1) {
      const due = began + (index * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const input = walk.next();
      sends.push(
        fetch(`${delivering.origin}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: graphql(TRANSITION_WITH_EVENT, { input }),
        })
          .then((response) => response.text())
          .then((answer) => {
            const at = performance.now();
            walk.observe(answer);
            const id = /"auditEvent":\{"id":"([0-9a-f-]{36})"/.exec(answer)?.[1];
            if (id) answeredAt.set(id, at);
            else sendFailures += 1;
          }),
      );
    }
    await Promise.all(sends);
    const sendSeconds = (performance.now() - began) / 1000;
    await waitFor(() => [...answeredAt.keys()].every((id) => receiver.arrivals.has(id)), STRAGGLER_WAIT_MS);
    const latencies = [...answeredAt].flatMap(([id, at]) => {
      const arrived = receiver.arrivals.get(id);
      // An arrival before the answer reached the client counts as 0: the commit preceded both.
      return arrived === undefined ? [] : [Math.max(0, arrived - at)];
    });
    const missing = answeredAt.size - latencies.length;
    console.log(
      `\n1. commit → 2xx: ${answeredAt.size} transitions at ${(answeredAt.size / sendSeconds).toFixed(0)}/s (${sendFailures} failed): ` +
        `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, ` +
        `max ${percentile(latencies, 100).toFixed(0)} ms; ${missing} not delivered within ${STRAGGLER_WAIT_MS / 1000} s`,
    );

    // ---------------------------------------------------------------- 2. sustained delivery
    await delivering.stop();
    targets.splice(targets.indexOf(delivering), 1);
    const writer = await start("writer", "off");
    const backlog = Number(args.backlog);
    const backlogIds: string[] = [];
    const connections = Number(args.connections);
    let nextSend = 0;
    await walk.resync();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (nextSend < backlog) {
          nextSend += 1;
          const data = await call(writer.origin, token, TRANSITION_WITH_EVENT, { input: walk.next() });
          const transition = data["transitionTenant"] as { auditEvent: { id: string } | null } | undefined;
          walk.observe(JSON.stringify(data));
          if (transition?.auditEvent) backlogIds.push(transition.auditEvent.id);
        }
      }),
    );
    console.log(`\n2. sustained delivery: ${backlogIds.length} events committed with no process delivering`);
    const drainer = await start("drainer", "on");
    const drainCpuBefore = await cpuMs(drainer.process.pid as number);
    const drainStarted = performance.now();
    const drained = await waitFor(() => backlogIds.every((id) => receiver.arrivals.has(id)), 600_000);
    const arrivalTimes = backlogIds.flatMap((id) => receiver.arrivals.get(id) ?? []);
    const first = Math.min(...arrivalTimes);
    const last = Math.max(...arrivalTimes);
    const drainCpu = (await cpuMs(drainer.process.pid as number)) - drainCpuBefore;
    console.log(
      `   ${arrivalTimes.length} of ${backlogIds.length} arrived${drained ? "" : " (gave up after 600 s)"}: ` +
        `${(arrivalTimes.length / ((last - first) / 1000)).toFixed(0)} events/s from the first arrival to the last ` +
        `(${((last - drainStarted) / 1000).toFixed(1)} s after the process started), ` +
        `${(drainCpu / arrivalTimes.length).toFixed(2)} CPU ms per event in the delivering process; ` +
        `${receiver.requests()} requests received`,
    );
    await writer.stop();
    targets.splice(targets.indexOf(writer), 1);

    // ---------------------------------------------------------------- 3. (d) with and without an endpoint
    // Without: no endpoint at all (a disabled one would still collect deliveries to send later).
    let current: string | null = endpoint.id;
    const setEndpoint = async (present: boolean) => {
      if (!present && current) {
        await call(
          drainer.origin,
          token,
          `mutation D($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedEndpointId } }`,
          { input: { endpointId: current } },
        );
        current = null;
      } else if (present && !current) {
        current = await createEndpoint(drainer.origin);
      }
    };
    const transitions = subgraphTransitions(walk);
    const variant = (name: string, enabled: boolean): Variant => ({
      name,
      target: drainer,
      scenarios: {
        "(d) SUSPEND/REACTIVATE": {
          ...transitions,
          prepare: async () => {
            await setEndpoint(enabled);
            await transitions.prepare?.();
          },
        },
      },
    });
    console.log("\n3. transitions with one enabled endpoint against none (one process, delivery on)");
    const rows = await measureInterleaved({
      variants: [variant("no endpoint", false), variant("one enabled endpoint", true)],
      rounds: Number(args.rounds),
      durationS: Number(args.duration),
      warmupS: Number(args.warmup),
      connections,
      token,
    });
    console.log("");
    console.log(pairedTable(rows, "no endpoint"));
  } finally {
    for (const target of targets) await target.stop();
    await receiver.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
