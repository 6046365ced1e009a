// Seeds a migrated database with a fleet for the benchmarks, at any size: tenants in every
// status (most ACTIVE, so transitions have room), their onboarding sessions, operation runs and
// audit trails whose hash chains verify exactly as the service's own `auditChain` recomputes
// them. 10 000 tenants or 1 000 000 come from the same generator (the same shape per tenant:
// ~10 runs and ~30 events on average), so the two sizes compare like for like.
//
// Fast enough for 40M rows (1M tenants in 255–341 s on 2 cores): the rows are generated straight
// into the tables by COPY (four streams at once, one connection each; the 30M audit events in
// binary format, which the server reads without parsing), with the tables' indexes dropped
// during the load and each table's rebuilt as soon as its own load ends (see StatementQueue),
// triggers and foreign-key checks off for the load (session_replication_role = replica) and the
// per-status counters recomputed once. Runs and events are COPY FREEZE into tables truncated in
// the same transaction: no vacuum needed afterwards, and no WAL for them on a server with
// wal_level = minimal (the benchmark's embedded cluster).
import { hash, randomUUID } from "node:crypto";
import { totalmem } from "node:os";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { BinaryCopyRows, uuidBytes } from "./copy-binary.ts";
import { takeCheckpoint } from "../src/services/audit/audit-checkpoints.ts";
import { DEVELOPMENT_SIGNER, type CheckpointSigner } from "../src/services/audit/audit-keys.ts";
import { systemActor } from "../src/services/audit/platform-audit-store.ts";

export interface SeedOptions {
  tenants: number;
  /** Average audit events per tenant (the issue's fleet: 30). */
  eventsPerTenant?: number;
  /** Average operation runs per tenant (the issue's fleet: 10). */
  runsPerTenant?: number;
  /**
   * The first this-many ACTIVE tenants get long histories: `historyPairs` SUSPEND/REACTIVATE
   * pairs in their (valid) audit chains, and `extraRuns` routine runs — full pages for nested
   * lists, and a 100 000-event chain for `auditChain`.
   */
  longHistories?: { tenants: number; historyPairs: number; extraRuns: number };
  /**
   * Add the fleet to what the database holds, with its indexes and triggers on (a test's few
   * hundred tenants), instead of replacing its contents the fast way.
   */
  append?: boolean;
  /** Signs the checkpoint over the seeded chains (the development key when absent). */
  signer?: CheckpointSigner;
}

export interface SeedSummary {
  tenants: number;
  onboardingSessions: number;
  operationRuns: number;
  auditEvents: number;
  seconds: number;
  /** Seconds per phase: load (COPY), indexes, counters and statistics. */
  phases: Record<string, number>;
}

type Status = "DRAFT" | "ONBOARDING" | "ACTIVE" | "SUSPENDED" | "ARCHIVED";

interface LifecycleStep {
  action: string;
  from: Status | null;
  to: Status;
  reason: string | null;
}

const CREATED: LifecycleStep = { action: "tenant.created", from: null, to: "DRAFT", reason: null };
const START: LifecycleStep = {
  action: "tenant.lifecycle.start_onboarding",
  from: "DRAFT",
  to: "ONBOARDING",
  reason: null,
};
const ACTIVATE: LifecycleStep = { action: "tenant.lifecycle.activate", from: "ONBOARDING", to: "ACTIVE", reason: null };
const SUSPEND: LifecycleStep = {
  action: "tenant.lifecycle.suspend",
  from: "ACTIVE",
  to: "SUSPENDED",
  reason: "invoice overdue (seeded)",
};
const REACTIVATE: LifecycleStep = {
  action: "tenant.lifecycle.reactivate",
  from: "SUSPENDED",
  to: "ACTIVE",
  reason: null,
};
const ARCHIVE: LifecycleStep = {
  action: "tenant.lifecycle.archive",
  from: "DRAFT",
  to: "ARCHIVED",
  reason: "never used",
};

/** Statuses by index % 20: 80 % ACTIVE, 5 % each of the others. */
function statusFor(index: number): Status {
  switch (index % 20) {
    case 0:
      return "DRAFT";
    case 1:
      return "ONBOARDING";
    case 2:
      return "SUSPENDED";
    case 3:
      return "ARCHIVED";
    default:
      return "ACTIVE";
  }
}

/** A 32-bit mix of (index, salt): deterministic per tenant, so every pass derives the same tenant. */
function mix(index: number, salt: number): number {
  let h = Math.imul(index ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const hex8 = (value: number) => value.toString(16).padStart(8, "0");

/**
 * A random-looking but reproducible UUID (version 4 layout) for a tenant: every pass derives the
 * same id from the index (the first word is a bijection of it, so ids never collide). Its runs'
 * and events' ids are only written once, and are random.
 */
function tenantUuid(index: number, salt = 1): string {
  const a = hex8(mix(index, salt));
  const b = hex8(mix(index, salt + 1));
  const c = hex8(mix(index, salt + 2));
  const d = hex8(mix(index, salt + 3));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((parseInt(c[0] as string, 16) & 3) | 8).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

const ADJECTIVES =
  "amber brisk cedar dawn ember fable gale harbor indigo juniper kestrel lumen maple nimbus onyx pine quartz river sable tidal umber velvet willow xenon yonder zephyr".split(
    " ",
  );
const NOUNS =
  "analytics bakery clinic dynamics energy foods garage holdings insights jewelry kitchens logistics media networks outfitters partners quarry robotics studios travel unlimited ventures works xpress yards zoo".split(
    " ",
  );
const capital = (word: string) => `${word[0]?.toUpperCase()}${word.slice(1)}`;

interface TenantPlan {
  index: number;
  id: string;
  slug: string;
  name: string;
  status: Status;
  createdAt: number;
  /** SUSPEND/REACTIVATE pairs after activation (ACTIVE and SUSPENDED tenants). */
  pairs: number;
  routineRuns: number;
}

const EPOCH = Date.UTC(2025, 0, 1);
/** Tenants are created 30 s apart, in index order: the newest are the highest indexes. */
const CREATION_INTERVAL_MS = 30_000;

/** The trail's steps before the pairs, and after them. */
const TRAIL_ENDS: Record<Status, { head: LifecycleStep[]; tail: LifecycleStep[] }> = {
  DRAFT: { head: [CREATED], tail: [] },
  ONBOARDING: { head: [CREATED, START], tail: [] },
  ACTIVE: { head: [CREATED, START, ACTIVATE], tail: [] },
  SUSPENDED: { head: [CREATED, START, ACTIVATE], tail: [SUSPEND] },
  ARCHIVED: { head: [CREATED, ARCHIVE], tail: [] },
};

const trailLength = (plan: TenantPlan) =>
  TRAIL_ENDS[plan.status].head.length + 2 * plan.pairs + TRAIL_ENDS[plan.status].tail.length;

/** The audit trail each tenant's status implies, from creation on (docs/design.md §2), step by step. */
function stepAt(plan: TenantPlan, position: number): LifecycleStep {
  const { head, tail } = TRAIL_ENDS[plan.status];
  if (position < head.length) return head[position] as LifecycleStep;
  const inPairs = position - head.length;
  if (inPairs < 2 * plan.pairs) return inPairs % 2 === 0 ? SUSPEND : REACTIVATE;
  return tail[inPairs - 2 * plan.pairs] as LifecycleStep;
}

interface ResolvedOptions {
  meanPairs: number;
  meanRoutineRuns: number;
  longHistories: SeedOptions["longHistories"];
}

function planTenant(index: number, options: ResolvedOptions, long: boolean): TenantPlan {
  const status = statusFor(index);
  const adjective = ADJECTIVES[mix(index, 11) % ADJECTIVES.length] as string;
  const noun = NOUNS[mix(index, 12) % NOUNS.length] as string;
  const live = status === "ACTIVE" || status === "SUSPENDED";
  return {
    index,
    id: tenantUuid(index),
    slug: `${adjective}-${noun}-${index}`,
    name: `${capital(adjective)} ${capital(noun)} ${index}`,
    status,
    createdAt: EPOCH + index * CREATION_INTERVAL_MS,
    pairs: !live
      ? 0
      : long
        ? (options.longHistories?.historyPairs ?? 0)
        : mix(index, 13) % (Math.round(2 * options.meanPairs) + 1),
    routineRuns: !live
      ? 0
      : long
        ? (options.longHistories?.extraRuns ?? 0)
        : mix(index, 14) % (Math.round(2 * options.meanRoutineRuns) + 1),
  };
}

/** Every tenant's plan, in index order; the first `longHistories.tenants` ACTIVE ones are long. */
function* plans(options: SeedOptions): Generator<TenantPlan> {
  const resolved: ResolvedOptions = {
    // The base trails average 2.85 events and 85 % of tenants (ACTIVE, SUSPENDED) take pairs;
    // ONBOARDING tenants (5 %) hold one run each, live ones an onboarding run and routine ones.
    meanPairs: Math.max(0, ((options.eventsPerTenant ?? 30) - 2.85) / (2 * 0.85)),
    meanRoutineRuns: Math.max(0, ((options.runsPerTenant ?? 10) - 0.05) / 0.85 - 1),
    longHistories: options.longHistories,
  };
  let longLeft = options.longHistories?.tenants ?? 0;
  for (let index = 0; index < options.tenants; index += 1) {
    const long = longLeft > 0 && statusFor(index) === "ACTIVE";
    if (long) longLeft -= 1;
    yield planTenant(index, resolved, long);
  }
}

// ---------------------------------------------------------------- COPY text

const MS_PER_DAY = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, value) => String(value).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, value) => String(value).padStart(3, "0"));
let isoDay = Number.NaN;
let isoDate = "";
/**
 * `new Date(ms).toISOString()` (years 1970–9999), for the fleet's ~70 million timestamps: that
 * call costs ~0.5 µs here, a third of an event row's generation. The date part is kept for
 * the day, since a tenant's rows fall on one or two days.
 */
export function iso(ms: number): string {
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== isoDay) {
    isoDay = day;
    isoDate = new Date(day * MS_PER_DAY).toISOString().slice(0, 11);
  }
  const inDay = ms - day * MS_PER_DAY;
  const seconds = Math.floor(inDay / 1000);
  return `${isoDate}${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.${THREE_DIGITS[inDay % 1000]}Z`;
}
/** COPY text escaping (backslash, tab, newlines) — seeded text has none, but reasons could. */
const text = (value: string | null) =>
  value === null
    ? "\\N"
    : value.replace(/[\\\t\n\r]/g, (character) =>
        character === "\t" ? "\\t" : character === "\n" ? "\\n" : character === "\r" ? "\\r" : "\\\\",
      );

/** Rows joined into chunks of about 256 KB: few enough stream writes, little memory. */
function* chunked(rows: Generator<string>): Generator<string> {
  let chunk = "";
  for (const row of rows) {
    chunk += row;
    if (chunk.length > 262_144) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

function* tenantRows(options: SeedOptions): Generator<string> {
  for (const plan of plans(options)) {
    const length = trailLength(plan);
    const last = stepAt(plan, length - 1);
    const changedAt = iso(plan.createdAt + (length - 1) * 1000);
    yield `${plan.id}\t${plan.slug}\t${plan.name}\t${plan.status}\t${text(last.reason)}\t\\N\t${changedAt}\t${length}\t${iso(plan.createdAt)}\t${changedAt}\n`;
  }
}

function* sessionRows(options: SeedOptions): Generator<string> {
  for (const plan of plans(options)) {
    if (plan.status === "DRAFT" || plan.status === "ARCHIVED") continue;
    const onboarded = plan.status !== "ONBOARDING";
    const startedAt = iso(plan.createdAt + 1000);
    const finishedAt = onboarded ? iso(plan.createdAt + 2000) : "\\N";
    yield `${randomUUID()}\t${plan.id}\t${onboarded ? "COMPLETED" : "IN_PROGRESS"}\t${onboarded ? "{PROFILE,BILLING,DOMAIN}" : "{PROFILE}"}\t${startedAt}\t${onboarded ? finishedAt : startedAt}\t${finishedAt}\n`;
  }
}

function* runRows(options: SeedOptions): Generator<string> {
  for (const plan of plans(options)) {
    if (plan.status === "DRAFT" || plan.status === "ARCHIVED") continue;
    const onboarded = plan.status !== "ONBOARDING";
    const startedAt = iso(plan.createdAt + 1000);
    yield `${randomUUID()}\t${plan.id}\tONBOARDING\t${onboarded ? "SUCCEEDED" : "RUNNING"}\t${onboarded ? 1 : 0.33}\tOnboarding\t\\N\tOPERATOR\tbench-seed\t1\t${startedAt}\t${startedAt}\t${startedAt}\t${onboarded ? iso(plan.createdAt + 2000) : "\\N"}\n`;
    for (let run = 0; run < plan.routineRuns; run += 1) {
      const at = iso(plan.createdAt + (10 + run) * 60_000);
      const roll = mix(plan.index * 64 + run, 31) % 100;
      // 3 % FAILED (the failed-runs view), 2 % CANCELLED, the newest run of one tenant in ten RUNNING.
      const status =
        run === plan.routineRuns - 1 && plan.index % 10 === 0
          ? "RUNNING"
          : roll < 3
            ? "FAILED"
            : roll < 5
              ? "CANCELLED"
              : "SUCCEEDED";
      const finished = status === "RUNNING" ? "\\N" : at;
      const failure = status === "FAILED" ? "export target unreachable (seeded)" : "\\N";
      yield `${randomUUID()}\t${plan.id}\t${run % 2 ? "MAINTENANCE" : "DATA_EXPORT"}\t${status}\t${status === "RUNNING" ? 0.5 : 1}\tRoutine run ${run + 1}\t${failure}\tOPERATOR\tbench-seed\t1\t${at}\t${at}\t${at}\t${finished}\n`;
    }
  }
}

/**
 * The events, each hashed as `auditEventHash` does: sha256 over the previous hash and the
 * canonical JSON of its content (keys sorted; written out here in that order, since the seeded
 * content has a fixed shape). In binary COPY format (copy-binary.ts): 30M rows are the load's
 * critical path.
 */
function* eventChunks(options: SeedOptions): Generator<Buffer> {
  const out = new BinaryCopyRows();
  for (const plan of plans(options)) {
    let previousHash: string | null = null;
    const tenantId = JSON.stringify(plan.id);
    const tenantBytes = uuidBytes(plan.id);
    const length = trailLength(plan);
    for (let position = 0; position < length; position += 1) {
      const step = stepAt(plan, position);
      const occurredAtMs = plan.createdAt + position * 1000;
      const changes =
        step.from === null
          ? `{"name":{"from":null,"to":${JSON.stringify(plan.name)}},"slug":{"from":null,"to":${JSON.stringify(plan.slug)}},"status":{"from":null,"to":"${step.to}"}}`
          : `{"status":{"from":"${step.from}","to":"${step.to}"}}`;
      const reason = step.reason === null ? "null" : JSON.stringify(step.reason);
      const canonical = `{"action":"${step.action}","actorId":"bench-seed","actorType":"OPERATOR","changes":${changes},"occurredAt":"${iso(occurredAtMs)}","operatorOverride":false,"reason":${reason},"requestId":null,"sequence":${position + 1},"tenantId":${tenantId}}`;
      const eventHash: string = hash("sha256", (previousHash ?? "") + canonical);
      // The columns of TABLES.audit_events, in order.
      out
        .row(13)
        .randomUuid()
        .uuid(tenantBytes)
        .int4(position + 1)
        .text(step.action)
        .text("OPERATOR")
        .text("bench-seed")
        .bool(false)
        .text(step.reason)
        .jsonb(changes)
        .null()
        .timestamptz(occurredAtMs)
        .text(eventHash)
        .text(previousHash);
      const chunk = out.take();
      if (chunk) yield chunk;
      previousHash = eventHash;
    }
  }
  yield out.finish();
}

// ---------------------------------------------------------------- load

const TABLES = {
  tenants: {
    columns:
      "id, slug, name, status, status_reason, status_message, status_changed_at, version, created_at, updated_at",
    chunks: (options: SeedOptions) => chunked(tenantRows(options)),
    format: "text",
    freeze: false,
  },
  onboarding_sessions: {
    columns: "id, tenant_id, status, completed_steps, started_at, updated_at, finished_at",
    chunks: (options: SeedOptions) => chunked(sessionRows(options)),
    format: "text",
    freeze: true,
  },
  operation_runs: {
    columns:
      "id, tenant_id, kind, status, progress, summary, failure_reason, initiated_by_type, initiated_by_id, version, created_at, updated_at, started_at, finished_at",
    chunks: (options: SeedOptions) => chunked(runRows(options)),
    format: "text",
    freeze: true,
  },
  audit_events: {
    columns:
      "id, tenant_id, sequence, action, actor_type, actor_id, operator_override, reason, changes, request_id, occurred_at, hash, previous_hash",
    chunks: eventChunks,
    format: "binary",
    freeze: true,
  },
} as const;
type Table = keyof typeof TABLES;

/**
 * Sort memory for each index build: a sixth of the machine's memory, 256 MB to 4 GB. At 1M the
 * largest builds sort 30M entries; measured on a (tenant_id, action, sequence) build alone, 1 GB
 * took 45–58 s, 3 GB 46 s and 6 GB 36–39 s. Two builds run at once,
 * and what they do not take stays page cache for the 10 GB audit table they scan.
 */
const INDEX_BUILD_MEMORY_MB = Math.round(Math.min(4096, Math.max(256, totalmem() / 2 ** 20 / 6)));

const LOAD_SETTINGS = [
  // Triggers (append-only audit, per-status counters) and foreign-key checks off for the load.
  "SET session_replication_role = replica",
  "SET synchronous_commit = off",
  `SET maintenance_work_mem = '${INDEX_BUILD_MEMORY_MB}MB'`,
  // The builds already run two at a time on this machine's two cores.
  "SET max_parallel_maintenance_workers = 0",
];

async function connect(databaseUrl: string, settings: readonly string[] = LOAD_SETTINGS): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  for (const setting of settings) await client.query(setting);
  return client;
}

interface DroppedIndex {
  table: string;
  index: string;
  /** Restores the index (or the constraint it backs). */
  restore: string;
}

/**
 * Indexes a seed has dropped and not yet rebuilt, recorded in the transaction that drops them: a
 * seed stopped midway (killed, failed) leaves them here, and the next one rebuilds them too —
 * otherwise they would be lost, since a seed learns what to rebuild from what it finds.
 */
const DROPPED_INDEXES = "bench_seed_dropped_indexes";

/**
 * Drops the loaded tables' indexes — all but tenants' primary key, which the foreign keys hang
 * on — and returns what restores them, with any an earlier, unfinished seed dropped. Building an
 * index over sorted input is several times cheaper than maintaining it row by row.
 */
async function dropIndexes(client: pg.Client): Promise<DroppedIndex[]> {
  // No primary key: the table adds no index of its own to the database.
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${DROPPED_INDEXES} (table_name text NOT NULL, index_name text NOT NULL, restore text NOT NULL)`,
  );
  await client.query("BEGIN");
  const { rows } = await client.query<{ table: string; index: string; constraint: string | null; definition: string }>(
    `SELECT t.relname AS table, i.relname AS index, c.conname AS constraint,
       CASE WHEN c.oid IS NOT NULL THEN format('ALTER TABLE %I ADD CONSTRAINT %I %s', t.relname, c.conname, pg_get_constraintdef(c.oid))
            ELSE pg_get_indexdef(i.oid) END AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.contype IN ('p', 'u')
     WHERE t.relname = ANY($1) AND i.relname <> 'tenants_pkey'`,
    [Object.keys(TABLES)],
  );
  for (const row of rows) {
    await client.query(
      row.constraint
        ? `ALTER TABLE ${client.escapeIdentifier(row.table)} DROP CONSTRAINT ${client.escapeIdentifier(row.constraint)}`
        : `DROP INDEX ${client.escapeIdentifier(row.index)}`,
    );
  }
  await client.query(
    `INSERT INTO ${DROPPED_INDEXES} (table_name, index_name, restore)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS dropped (table_name, index_name, restore)
     WHERE NOT EXISTS (SELECT 1 FROM ${DROPPED_INDEXES} recorded WHERE recorded.index_name = dropped.index_name)`,
    [rows.map((row) => row.table), rows.map((row) => row.index), rows.map((row) => row.definition)],
  );
  await client.query("COMMIT");
  const recorded = await client.query<DroppedIndex>(
    `SELECT table_name AS table, index_name AS index, restore FROM ${DROPPED_INDEXES}`,
  );
  return recorded.rows;
}

/** Every dropped index is back. */
async function forgetDroppedIndexes(client: pg.Client): Promise<void> {
  await client.query(`DELETE FROM ${DROPPED_INDEXES}`);
}

/**
 * TRUNCATE of the audit trail: its no-truncate trigger fires in every session (replica ones too),
 * so the seed, which replaces the whole trail, switches it off explicitly for its transaction.
 */
function truncation(tables: string): string[] {
  if (!/\baudit_events\b/.test(tables)) return [`TRUNCATE ${tables}`];
  return [
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate",
    `TRUNCATE ${tables}`,
    "ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate",
  ];
}

/**
 * What the service writes beside every chain (docs/design.md §4 "Audit evidence"): each tenant's
 * head, and a signed checkpoint over them. The seeded links are unkeyed, like those written before
 * links were keyed: the checkpoint is what proves them.
 */
async function anchorChains(client: pg.Client, options: SeedOptions): Promise<void> {
  await client.query(`INSERT INTO audit_chain_heads (tenant_id, sequence, hash)
    SELECT tenant.id, last.sequence, last.hash FROM tenants tenant
    CROSS JOIN LATERAL (SELECT sequence, hash FROM audit_events WHERE tenant_id = tenant.id ORDER BY sequence DESC LIMIT 1) last
    ON CONFLICT (tenant_id) DO UPDATE SET sequence = EXCLUDED.sequence, hash = EXCLUDED.hash`);
  await client.query("BEGIN");
  try {
    const tx = {
      rows: async <Row extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []) =>
        (await client.query<Row>(text, [...values])).rows,
    };
    await takeCheckpoint(tx, options.signer ?? DEVELOPMENT_SIGNER, systemActor("bench-seed"));
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

async function copyInto(databaseUrl: string, table: Table, options: SeedOptions): Promise<void> {
  const client = await connect(databaseUrl, options.append ? [] : LOAD_SETTINGS);
  try {
    const { columns, chunks, format } = TABLES[table];
    const freeze = TABLES[table].freeze && !options.append;
    const settings = [...(format === "binary" ? ["FORMAT binary"] : []), ...(freeze ? ["FREEZE"] : [])];
    await client.query("BEGIN");
    // FREEZE needs the table emptied in the same transaction (tenants cannot be: it is referenced).
    if (freeze) for (const statement of truncation(table)) await client.query(statement);
    await pipeline(
      Readable.from(chunks(options)),
      client.query(
        copyFrom(`COPY ${table} (${columns}) FROM STDIN${settings.length ? ` WITH (${settings.join(", ")})` : ""}`),
      ),
    );
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

/**
 * Statements released by their sources as each finishes — a table's index builds as its load
 * ends — and run by workers, one statement per worker at a time. The seed starts one worker
 * beside the loads, so the small tables' indexes are built while the audit trail still loads
 * (the COPY streams keep the other core), and a second once every load is done.
 */
class StatementQueue {
  private readonly queue: string[] = [];
  /** Workers waiting for a release; each one wakes them all. */
  private waiting: (() => void)[] = [];

  constructor(
    private readonly databaseUrl: string,
    private sourcesRunning: number,
  ) {}

  /** A source is done: its statements may run, in this order. */
  release(statements: string[]): void {
    this.queue.push(...statements);
    this.sourcesRunning -= 1;
    this.wakeAll();
  }

  /** A source failed: nothing more runs, and waiting workers return. */
  abandon(): void {
    this.queue.length = 0;
    this.sourcesRunning = 0;
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  /** One worker: the next released statement, until every source is done and nothing is left. */
  async work(): Promise<void> {
    const client = await connect(this.databaseUrl);
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next !== undefined) {
          const at = Date.now();
          await client.query(next);
          if (process.env["SEED_TIMINGS"]) console.log(`${Date.now() - at} ms ${next.slice(0, 110)}`);
        } else if (this.sourcesRunning === 0) {
          return;
        } else {
          await new Promise<void>((resolve) => this.waiting.push(resolve));
        }
      }
    } finally {
      await client.end();
    }
  }
}

/** Runs `statements` on `connections` clients at once, each taking the next statement when free. */
async function runConcurrently(databaseUrl: string, statements: string[], connections: number): Promise<void> {
  const queue = new StatementQueue(databaseUrl, 1);
  queue.release(statements);
  await Promise.all(Array.from({ length: connections }, () => queue.work()));
}

/**
 * The audit trail's builds, which two workers share once its load ends, slowest first (seconds
 * each at 1M, two at a time): the action-led index cannot use abbreviated sort keys (every
 * action starts "tenant.l") 75, (tenant_id, action, sequence) 51, the primary key 35,
 * (tenant_id, sequence) 30, (occurred_at, id) 19. Longest first on two workers would, by those
 * times, finish both at ~105 s instead of 94 and 117; the measured tails were 124–160 s.
 */
const AUDIT_BUILDS_SLOWEST_FIRST = [
  "audit_events_action_occurred_at_id_idx",
  "audit_events_tenant_id_action_sequence_idx",
  "audit_events_pkey",
  "audit_events_tenant_id_sequence_key",
  "audit_events_occurred_at_id_idx",
];

/** A table's builds, in the order above (any other index after those, in catalog order). */
function buildOrder(dropped: DroppedIndex[], table: Table): string[] {
  const rank = (index: DroppedIndex) => {
    const position = AUDIT_BUILDS_SLOWEST_FIRST.indexOf(index.index);
    return position === -1 ? AUDIT_BUILDS_SLOWEST_FIRST.length : position;
  };
  return dropped
    .filter((index) => index.table === table)
    .sort((a, b) => rank(a) - rank(b))
    .map((index) => index.restore);
}

export async function seedFleet(databaseUrl: string, options: SeedOptions): Promise<SeedSummary> {
  if (options.append) return appendFleet(databaseUrl, options);
  const started = Date.now();
  const phases: Record<string, number> = {};
  const phase = async (name: string, work: () => Promise<void>) => {
    const at = Date.now();
    await work();
    phases[name] = (Date.now() - at) / 1000;
  };
  const admin = await connect(databaseUrl);
  let dropped: DroppedIndex[] = [];
  try {
    await admin.query("BEGIN");
    for (const statement of truncation(
      "tenants, onboarding_sessions, operation_runs, audit_events, tenant_status_counts, audit_chain_heads, audit_checkpoint_leaves, audit_checkpoints",
    )) {
      await admin.query(statement);
    }
    await admin.query("COMMIT");
    dropped = await dropIndexes(admin);
    const tables = Object.keys(TABLES) as Table[];
    const builds = new StatementQueue(databaseUrl, tables.length);
    const besideLoads = builds.work();
    // Awaited below; until then a failed build must not count as an unhandled rejection.
    besideLoads.catch(() => undefined);
    await phase("load", async () => {
      try {
        await Promise.all(
          tables.map((table) =>
            copyInto(databaseUrl, table, options).then(() => builds.release(buildOrder(dropped, table))),
          ),
        );
      } catch (error) {
        builds.abandon();
        await besideLoads.catch(() => undefined);
        throw error;
      }
    });
    // What is left after the loads, mostly the audit trail's indexes, on two workers.
    await phase("indexes", async () => {
      await Promise.all([besideLoads, builds.work()]);
      await forgetDroppedIndexes(admin);
    });
    await phase("counters and statistics", async () => {
      await admin.query(`INSERT INTO tenant_status_counts (status, shard, count)
        SELECT status, hashtext(id::text) & 31, count(*) FROM tenants GROUP BY 1, 2`);
      await anchorChains(admin, options);
      await runConcurrently(
        databaseUrl,
        [
          "VACUUM (ANALYZE) tenants",
          "ANALYZE audit_events",
          "ANALYZE operation_runs",
          "VACUUM (ANALYZE) onboarding_sessions",
          "VACUUM (ANALYZE) tenant_status_counts",
        ],
        2,
      );
      await admin.query("CHECKPOINT");
    });
    const counts = await admin.query<{ tenants: string; sessions: string; runs: string; events: string }>(
      `SELECT (SELECT sum(count) FROM tenant_status_counts) AS tenants,
         (SELECT reltuples FROM pg_class WHERE relname = 'onboarding_sessions') AS sessions,
         (SELECT reltuples FROM pg_class WHERE relname = 'operation_runs') AS runs,
         (SELECT reltuples FROM pg_class WHERE relname = 'audit_events') AS events`,
    );
    const row = counts.rows[0];
    return {
      tenants: Number(row?.tenants ?? 0),
      onboardingSessions: Math.round(Number(row?.sessions ?? 0)),
      operationRuns: Math.round(Number(row?.runs ?? 0)),
      auditEvents: Math.round(Number(row?.events ?? 0)),
      seconds: (Date.now() - started) / 1000,
      phases,
    };
  } finally {
    await admin.end();
  }
}

/** The fleet added to a database in use: tables in foreign-key order, everything checked and counted. */
async function appendFleet(databaseUrl: string, options: SeedOptions): Promise<SeedSummary> {
  const started = Date.now();
  for (const table of Object.keys(TABLES) as Table[]) await copyInto(databaseUrl, table, options);
  const client = await connect(databaseUrl, ["ANALYZE"]);
  try {
    await anchorChains(client, options);
    const { rows } = await client.query<{ tenants: number; sessions: number; runs: number; events: number }>(
      `SELECT (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM onboarding_sessions)::int AS sessions,
         (SELECT count(*) FROM operation_runs)::int AS runs, (SELECT count(*) FROM audit_events)::int AS events`,
    );
    const row = rows[0];
    const seconds = (Date.now() - started) / 1000;
    return {
      tenants: row?.tenants ?? 0,
      onboardingSessions: row?.sessions ?? 0,
      operationRuns: row?.runs ?? 0,
      auditEvents: row?.events ?? 0,
      seconds,
      phases: { load: seconds },
    };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- what the benchmarks read

export interface SeededFleet {
  /** A sample of tenant ids (all of them for a small fleet). */
  tenantIds: string[];
  tenantSlugs: string[];
  /** ACTIVE tenants from the sample. */
  activeTenantIds: string[];
  /**
   * ACTIVE or SUSPENDED: what the transition scenario walks. A kept fleet's tenants are left in
   * either status by the last run, so a walk over the ACTIVE ones alone would shrink run by run.
   */
  walkableTenantIds: string[];
  runIds: string[];
  /** The tenants with the longest audit chains, longest first. */
  longHistoryTenantIds: string[];
  counts: { tenants: number; operationRuns: number; auditEvents: number };
}

/** Reads back what a seeded (or reused) database holds: samples of ids, the long histories, sizes. */
export async function readFleet(databaseUrl: string, sampleSize = 20_000): Promise<SeededFleet> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The long histories first, so that a sample never misses them; then an even spread.
    // Whatever their status: the transition scenario may have suspended one on a kept fleet.
    const long = await client.query<{ id: string }>("SELECT id FROM tenants ORDER BY version DESC LIMIT 5");
    const total = Number(
      (await client.query<{ count: string }>("SELECT sum(count) AS count FROM tenant_status_counts")).rows[0]?.count ??
        0,
    );
    // An even spread over the fleet, the same on every run against the same data.
    const sample = await client.query<{ id: string; slug: string; status: string }>(
      "SELECT id, slug, status::text FROM tenants WHERE hashtext(id::text) % $1 = 0 ORDER BY id LIMIT $2",
      [Math.max(1, Math.floor(total / sampleSize)), sampleSize],
    );
    const runs = await client.query<{ id: string }>(
      "SELECT id FROM operation_runs WHERE tenant_id = ANY($1::uuid[]) LIMIT 1000",
      [sample.rows.slice(0, 500).map((row) => row.id)],
    );
    const estimate = async (table: string) =>
      Math.round(
        Number(
          (await client.query<{ n: number }>("SELECT reltuples AS n FROM pg_class WHERE relname = $1", [table])).rows[0]
            ?.n ?? 0,
        ),
      );
    return {
      tenantIds: sample.rows.map((row) => row.id),
      tenantSlugs: sample.rows.map((row) => row.slug),
      activeTenantIds: sample.rows.filter((row) => row.status === "ACTIVE").map((row) => row.id),
      walkableTenantIds: sample.rows
        .filter((row) => row.status === "ACTIVE" || row.status === "SUSPENDED")
        .map((row) => row.id),
      runIds: runs.rows.map((row) => row.id),
      longHistoryTenantIds: long.rows.map((row) => row.id),
      counts: {
        tenants: total,
        operationRuns: await estimate("operation_runs"),
        auditEvents: await estimate("audit_events"),
      },
    };
  } finally {
    await client.end();
  }
}
