// An example consumer that closes the loop (docs/design.md §9): another service's deprovisioning
// worker. It receives `tenant.lifecycle.begin_deprovision` by webhook, verifies the Standard
// Webhooks signature, deletes the tenant's data on its side, and takes the tenant's DEPROVISION run
// to RUNNING and SUCCEEDED through the API with an `operations:write` token — after which an
// operator can FINALIZE_DEPROVISION. Every step is idempotent: a redelivered event (same
// webhook-id), a replay, or a restart half-way through changes nothing twice.
//
//   WEBHOOK_SECRET=whsec_… SUBGRAPH_URL=http://127.0.0.1:4001/graphql WORKER_TOKEN=<operations:write JWT> \
//     npx tsx examples/deprovisioning-worker/worker.ts
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface WorkerOptions {
  /** The endpoint's signing secret(s) (during a rotation, both); read on every request. */
  secrets: string[];
  /** The subgraph's /graphql URL. */
  subgraphUrl: string;
  /** A JWT with `operations:write`. */
  token: string;
  /** This service's own clean-up for a tenant (idempotent). */
  deleteTenantData(tenantId: string): Promise<void>;
}

interface DeprovisionEvent {
  id: string;
  type: string;
  subject: string;
}

const MAX_BODY_BYTES = 256 * 1024;

async function graphql<T>(options: WorkerOptions, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(options.subgraphUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return body.data;
}

interface Run {
  id: string;
  status: string;
}

/** The tenant's latest DEPROVISION run. */
async function latestDeprovisionRun(options: WorkerOptions, tenantId: string): Promise<Run | null> {
  const data = await graphql<{ operationRuns: { edges: { node: Run }[] } }>(
    options,
    `
      query ($tenantId: ID) {
        operationRuns(first: 1, filter: { tenantId: $tenantId, kind: [DEPROVISION] }) {
          edges {
            node {
              id
              status
            }
          }
        }
      }
    `,
    { tenantId },
  );
  return data.operationRuns.edges[0]?.node ?? null;
}

async function moveRun(options: WorkerOptions, run: Run, status: string, key: string): Promise<void> {
  const data = await graphql<{ updateOperationRun: { userErrors: { code: string; message: string }[] } }>(
    options,
    `
      mutation ($input: UpdateOperationRunInput!) {
        updateOperationRun(input: $input) {
          userErrors {
            code
            message
          }
        }
      }
    `,
    { input: { id: run.id, status, idempotencyKey: key } },
  );
  const [error] = data.updateOperationRun.userErrors;
  if (error) throw new Error(`${error.code}: ${error.message}`);
}

/** Handles one verified event; safe to run any number of times for the same event. */
export async function handleEvent(options: WorkerOptions, event: DeprovisionEvent): Promise<void> {
  if (event.type !== "tenant.lifecycle.begin_deprovision") return;
  const tenantId = event.subject;
  const run = await latestDeprovisionRun(options, tenantId);
  // Nothing to do: no run, or it already ended (SUCCEEDED by an earlier delivery; FAILED or
  // CANCELLED by an operator, who starts a new run — and a new run is a new event to us).
  if (!run || (run.status !== "QUEUED" && run.status !== "RUNNING")) return;
  // Idempotency keys tie each step to the event: a redelivery replays the stored answer.
  if (run.status === "QUEUED") await moveRun(options, run, "RUNNING", `${event.id}:running`);
  await options.deleteTenantData(tenantId);
  await moveRun(options, { ...run, status: "RUNNING" }, "SUCCEEDED", `${event.id}:succeeded`);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** The worker's HTTP endpoint: 401 for a bad signature, 204 once handled, 500 to be retried. */
export async function startWorker(options: WorkerOptions, port = 0): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    void (async () => {
      let event: DeprovisionEvent;
      try {
        const body = await readBody(request);
        const headers = {
          "webhook-id": String(request.headers["webhook-id"] ?? ""),
          "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
          "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
        };
        // Read per request: a rotation adds the new secret to the list while the old one still signs.
        const verified = options.secrets
          .map((secret) => new Webhook(secret))
          .map((verifier) => {
            try {
              return verifier.verify(body, headers) as DeprovisionEvent;
            } catch {
              return null;
            }
          })
          .find((value) => value !== null);
        if (!verified) {
          response.writeHead(401).end();
          return;
        }
        event = verified;
      } catch {
        response.writeHead(400).end();
        return;
      }
      try {
        await handleEvent(options, event);
        response.writeHead(204).end();
      } catch (error) {
        // Not done: the subgraph retries on its schedule, and the steps are idempotent.
        process.stderr.write(`deprovisioning ${event.subject} failed: ${(error as Error).message}\n`);
        response.writeHead(500).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const { url } = await startWorker(
    {
      secrets: required("WEBHOOK_SECRET").split(/\s+/),
      subgraphUrl: required("SUBGRAPH_URL"),
      token: required("WORKER_TOKEN"),
      deleteTenantData: async (tenantId) => {
        process.stdout.write(`deleting the data of tenant ${tenantId}\n`);
      },
    },
    Number(process.env["PORT"] ?? 4100),
  );
  process.stdout.write(`deprovisioning worker listening on ${url}\n`);
}
