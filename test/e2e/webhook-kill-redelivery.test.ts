// Issue 23's "Done when", docs/design.md §9 (claims): the service as users run it (`npm start`) is
// killed with SIGKILL while a webhook request is in flight — sent, not yet recorded — and the
// service started again sends the same event again with the same webhook-id: at least once,
// never lost. The receiver holds its first answer so the kill lands between sending and recording.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { personas, tokenFor } from "../support/personas.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";

interface Arrival {
  webhookId: string;
  body: string;
  response: ServerResponse;
}

/** A receiver that hands each request to the test, which answers it (or never does). */
class HoldingReceiver {
  private readonly waiting: ((arrival: Arrival) => void)[] = [];
  private readonly arrived: Arrival[] = [];
  private readonly server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const arrival = {
        webhookId: request.headers["webhook-id"] as string,
        body: Buffer.concat(chunks).toString("utf8"),
        response,
      };
      const next = this.waiting.shift();
      if (next) next(arrival);
      else this.arrived.push(arrival);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** The next request, within `timeoutMs`. */
  next(timeoutMs = 60_000): Promise<Arrival> {
    const early = this.arrived.shift();
    if (early) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no webhook request arrived")), timeoutMs);
      this.waiting.push((arrival) => {
        clearTimeout(timer);
        resolve(arrival);
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let database: TestDatabase;
let client: pg.Client;
let first: ServerProcess | null = null;
let second: ServerProcess | null = null;
const receiver = new HoldingReceiver();

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
}, 120_000);
afterAll(async () => {
  await first?.stop("SIGKILL");
  await second?.stop();
  await client?.end();
  await receiver.close();
  await database?.drop();
});

async function call<T>(server: ServerProcess, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(personas.operator)}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

const deliveries = async () =>
  (
    await client.query<{ event_id: string; status: string; attempts: number; leased: boolean }>(
      "SELECT event_id::text, status::text, attempts, lease_until IS NOT NULL AS leased FROM webhook_deliveries",
    )
  ).rows;

describe("a kill -9 of the service between sending and recording", () => {
  it("redelivers the event after a restart, with the same webhook-id", async () => {
    const url = await receiver.start();
    const env = { DATABASE_URL: database.url, WEBHOOK_POLL_INTERVAL_MS: "50" };
    first = await startServerProcess(env);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Only the tenant's event: the service also publishes its audit checkpoints, one of which may
    // be taken at start, after the endpoint exists, and reach the receiver first.
    await call(
      first,
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, eventTypes: ["tenant.created"] }) { endpoint { id } } }`,
      { url },
    );
    const tenant = (
      await call<{ createTenant: { tenant: { id: string } } }>(
        first,
        `mutation { createTenant(input: { slug: "killed-mid-send", name: "Killed mid-send" }) { tenant { id } } }`,
      )
    ).createTenant.tenant;

    // The request is in flight: the receiver holds its answer, and the process dies.
    const sent = await receiver.next();
    const killed = first.stop("SIGKILL");
    expect(await killed).not.toBe(0);
    first = null;
    const [event] = (
      await client.query<{ id: string }>("SELECT id::text FROM audit_events WHERE tenant_id = $1", [tenant.id])
    ).rows;
    expect(sent.webhookId).toBe(event?.id);
    // Nothing was recorded: the delivery is still PENDING, its lease held by the dead process.
    expect(await deliveries()).toEqual([{ event_id: event?.id, status: "PENDING", attempts: 1, leased: true }]);
    sent.response.destroy();

    // Time passes until the lease (a minute and more) runs out; then the service starts again.
    await client.query("UPDATE webhook_deliveries SET lease_until = now() - interval '1 second'");
    second = await startServerProcess(env);
    const again = await receiver.next();
    again.response.writeHead(200).end("ok");
    expect(again.webhookId).toBe(sent.webhookId);
    expect(again.body).toBe(sent.body);
    for (let waited = 0; waited < 30_000; waited += 50) {
      if ((await deliveries())[0]?.status === "SUCCEEDED") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await deliveries()).toEqual([{ event_id: event?.id, status: "SUCCEEDED", attempts: 2, leased: false }]);
  }, 180_000);
});
