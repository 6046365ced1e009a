// Feeds one sink from the event feed (docs/design.md §9): claim the sink's cursor under a lease
// (one publisher per sink however many replicas run), read the settled feed after it, publish,
// and move the cursor only after the broker acknowledged the batch. No transaction is open while
// publishing.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { poolRows, type SqlPool, type SqlRows } from "../services/database/sql.ts";
import { outboxEnd, outboxRows } from "../services/events/outbox.ts";
import { advanceSinkCursor, claimSinkCursor, releaseSinkCursor } from "../services/events/sink-cursor-store.ts";
import type { EventSink } from "./event-sink.ts";

const BATCH = 200;
const LEASE_SECONDS = 60;

export class SinkRunner {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly sql: SqlRows;
  private readonly leaseToken = randomUUID();

  constructor(
    private readonly sink: EventSink,
    pool: SqlPool,
    private readonly options: { pollIntervalMs: number; logger: Logger },
  ) {
    this.sql = poolRows(pool);
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let published = 0;
        try {
          published = await this.pass();
        } catch (error) {
          this.options.logger.warn({ err: error, sink: this.sink.name }, "event sink pass failed; retrying");
        }
        // Only a full batch may have left events behind; otherwise wait for more.
        if (published < BATCH && this.running) {
          await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await releaseSinkCursor(this.sql, this.sink.name, this.leaseToken).catch(() => undefined);
    await this.sink.close();
  }

  /** One batch; the number of events published (0 when another process holds the sink). */
  async pass(): Promise<number> {
    const start = await outboxEnd(this.sql);
    const cursor = await claimSinkCursor(this.sql, this.sink.name, start, this.leaseToken, LEASE_SECONDS);
    if (cursor === null) return 0;
    const events = await outboxRows(this.sql, cursor, BATCH);
    const last = events.at(-1);
    if (!last) return 0;
    await this.sink.publish(events);
    const kept = await advanceSinkCursor(this.sql, this.sink.name, this.leaseToken, last, events.length);
    if (!kept) this.options.logger.warn({ sink: this.sink.name }, "event sink lease lost: another process publishes");
    this.options.logger.debug({ sink: this.sink.name, published: events.length }, "events published");
    return events.length;
  }
}
