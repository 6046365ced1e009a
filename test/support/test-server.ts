import { Writable } from "node:stream";
import { TEST_AUDIT_ENV } from "./audit-keys.ts";
import { createTokenVerifier } from "../../src/server/auth.ts";
import { loadConfig, poolOptionsOf } from "../../src/server/config.ts";
import { startHttpServer, type RunningHttpServer } from "../../src/server/http-server.ts";
import { createLogger } from "../../src/server/logger.ts";
import { buildSubgraphSchema } from "../../src/schema/index.ts";
import { openDatabase, type Database } from "../../src/services/database/client.ts";
import { createTestDatabase } from "./database.ts";
import { TEST_JWT_SECRET, tokenFor, type Persona } from "./personas.ts";
import { UNSPENDABLE_BUDGETS } from "./budgets.ts";

export interface GraphQLResponseBody<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  /** `cost` (design §6) on every costed answer; `ftv1` for the router only. */
  extensions?: Record<string, unknown>;
}

export interface CallOptions {
  as?: Persona | null;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  database: Database;
  databaseUrl: string;
  /** Every log line the server wrote, for leak checks. */
  logs: string[];
  /** POSTs a GraphQL request and returns status and parsed body. */
  request<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<{ status: number; body: GraphQLResponseBody<T>; raw: string }>;
  /** Like request, but fails the test on any top-level error and returns data. */
  data<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<T>;
  close(): Promise<void>;
}

/** The real HTTP server in-process, on a free port, against a fresh migrated database. */
export async function startTestServer(
  options: { databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const created = options.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? (created as { url: string }).url;
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: "20",
    LOG_LEVEL: "info",
    // The test's own client runs on the server's event loop: its load is not the server's, so
    // shedding on loop delay is off unless a test is about it.
    SHED_EVENT_LOOP_DELAY_MS: "60000",
    // Budgets that suites sending hundreds of requests as one persona never spend: the limits'
    // own tests (fairness.test.ts) set theirs; `npm start` runs the documented defaults.
    ...UNSPENDABLE_BUDGETS,
    ...TEST_AUDIT_ENV,
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger(
    config.logLevel,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString("utf8"));
        callback();
      },
    }),
  );
  const database = openDatabase({
    url: databaseUrl,
    ...poolOptionsOf(config),
  });
  const http: RunningHttpServer = await startHttpServer({
    config,
    logger,
    database,
    schema: buildSubgraphSchema(),
    verifyToken: createTokenVerifier(config.auth),
  });
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/graphql`;

  const request: TestServer["request"] = async (query, variables, callOptions = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...callOptions.headers };
    const token = callOptions.token ?? (callOptions.as ? await tokenFor(callOptions.as) : undefined);
    if (token) headers["authorization"] = `Bearer ${token}`;
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    const raw = await response.text();
    return { status: response.status, body: JSON.parse(raw), raw };
  };

  return {
    url,
    database,
    databaseUrl,
    logs,
    request,
    async data(query, variables, callOptions) {
      const { body } = await request(query, variables, callOptions);
      if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data as never;
    },
    async close() {
      await http.drain(1_000);
      await database.close();
      await created?.drop();
    },
  };
}
