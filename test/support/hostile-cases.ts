// The hostile-input corpus's machinery (test/integration/hostile-input/*.test.ts): a case runner
// that sends malformed or hostile HTTP requests to the real server, the invariants every reply
// must keep (never a 5xx, never an INTERNAL_SERVER_ERROR, never a stack trace, SQL or an internal
// note), the expectations cases are written with, and the checks each file ends with — its
// fixture unchanged by its cases, both servers ready, and logs free of tokens, internal notes and
// error-level lines.
import { connect } from "node:net";
import { SignJWT, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { signDevelopmentToken } from "../../src/server/auth.ts";
import { activeTenant, type TenantFixture } from "./fixtures.ts";
import { personas, tenantAdmin, tenantMember, TEST_JWT_SECRET, tokenFor } from "./personas.ts";
import { startTestServer, type TestServer } from "./test-server.ts";

// ------------------------------------------------------------------ constants

/** The fixture tenant's statusReason: an internal note no reply and no log line may carry. */
export const SECRET_REASON = `internal-note-${process.pid}-do-not-leak`;
export const STRICT_ISSUER = "https://issuer.hostile.test";
export const STRICT_AUDIENCE = "tenant-lifecycle-hostile";
export const ROUTER_SECRET = "router-secret-for-the-hostile-corpus";
export const MISSING_ID = "00000000-0000-4000-8000-000000000000";
export const MB = 1_000_000;

// ------------------------------------------------------------------ requests and replies

export interface Call {
  target?: "main" | "strict";
  method?: string;
  /** Path and query string; /graphql when absent. */
  path?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>;
  /** Raw HTTP/1.1 bytes written to a socket instead of a fetch (for what fetch refuses to send). */
  raw?: string;
}

export interface GraphQLError {
  message: unknown;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface Reply {
  status: number;
  header(name: string): string | null;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
  errors: GraphQLError[];
  data: Record<string, unknown> | null | undefined;
}

export type Expectation = (reply: Reply) => void;

export interface HostileCase {
  name: string;
  call: () => Call | Promise<Call>;
  expect: Expectation;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toReply(status: number, header: (name: string) => string | null, text: string): Reply {
  const json = parseJson(text);
  const body =
    typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  return {
    status,
    header,
    text,
    json,
    errors: Array.isArray(body["errors"]) ? (body["errors"] as GraphQLError[]) : [],
    data: body["data"] as Record<string, unknown> | null | undefined,
  };
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    if (lineEnd < 0) break;
    const size = Number.parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
    if (!size) break;
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
  return Buffer.concat(parts);
}

async function sendRaw(base: string, raw: string): Promise<Reply> {
  const port = Number(new URL(base).port);
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(raw));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no answer within 5 s"));
    }, 5_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
  const headEnd = bytes.indexOf("\r\n\r\n");
  const head = bytes.subarray(0, headEnd < 0 ? bytes.length : headEnd).toString("latin1");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const headers = new Map(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(":")).trim().toLowerCase(),
      line.slice(line.indexOf(":") + 1).trim(),
    ]),
  );
  const rawBody = headEnd < 0 ? Buffer.alloc(0) : bytes.subarray(headEnd + 4);
  const body = headers.get("transfer-encoding") === "chunked" ? decodeChunked(rawBody) : rawBody;
  return toReply(
    Number(statusLine.split(" ")[1]),
    (name) => headers.get(name.toLowerCase()) ?? null,
    body.toString("utf8"),
  );
}

// ------------------------------------------------------------------ request builders that need no server

export function postJson(body: string, headers: Record<string, string> = {}): Call {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body };
}

export const base64url = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
export const cursorOf = (sortKey: unknown, id: unknown) => base64url([sortKey, id]);
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS256 (or other) token with exactly these claims; exp defaults to an hour from now. */
export async function signed(
  claims: Record<string, unknown>,
  options: { secret?: string; alg?: string } = {},
): Promise<string> {
  const payload = { exp: nowSeconds() + 3600, iat: nowSeconds(), ...claims } as JWTPayload;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export function unsigned(claims: Record<string, unknown>): string {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ exp: nowSeconds() + 3600, ...claims })}.`;
}

// ------------------------------------------------------------------ documents

export const Q = {
  probe: `query Probe($id: ID) { tenant(id: $id) { id } }`,
  tenantById: `query TenantById($id: ID) { tenant(id: $id) { id slug } }`,
  tenantBySlug: `query TenantBySlug($slug: String) { tenant(slug: $slug) { id slug } }`,
  tenants: `query Tenants($first: Int, $after: String, $filter: TenantFilter) {
    tenants(first: $first, after: $after, filter: $filter) { totalCount edges { cursor } } }`,
  run: `query Run($id: ID!) { operationRun(id: $id) { id } }`,
  runs: `query Runs($first: Int, $after: String, $filter: OperationRunFilter) {
    operationRuns(first: $first, after: $after, filter: $filter) { totalCount edges { cursor } } }`,
  audit: `query Audit($first: Int, $after: String, $filter: AuditEventFilter) {
    auditEvents(first: $first, after: $after, filter: $filter) { totalCount edges { node { action } } } }`,
  chain: `query Chain($tenantId: ID!) { auditChain(tenantId: $tenantId) { valid eventCount firstBrokenSequence } }`,
  tenantAudit: `query TenantAudit($id: ID, $first: Int, $after: String) {
    tenant(id: $id) { id auditEvents(first: $first, after: $after) { totalCount } } }`,
  tenantHistory: `query TenantHistory($id: ID, $first: Int, $after: String) {
    tenant(id: $id) { id lifecycle { history(first: $first, after: $after) { totalCount } } } }`,
  tenantRuns: `query TenantRuns($id: ID, $first: Int, $after: String) {
    tenant(id: $id) { id operationRuns(first: $first, after: $after) { totalCount } } }`,
  entities: `query Entities($r: [_Any!]!) {
    _entities(representations: $r) { __typename ... on Tenant { id } ... on OperationRun { id } } }`,
  viewer: `query Viewer { viewerTenant { id } }`,
  create: `mutation Create($input: CreateTenantInput!) {
    createTenant(input: $input) { tenant { id slug name } userErrors { code message field } } }`,
  update: `mutation Update($input: UpdateTenantInput!) {
    updateTenant(input: $input) { tenant { id name } userErrors { code message field } } }`,
  transition: `mutation Transition($input: TransitionTenantInput!) {
    transitionTenant(input: $input) { tenant { id } userErrors { code message field } } }`,
  complete: `mutation Complete($input: CompleteOnboardingStepInput!) {
    completeOnboardingStep(input: $input) { onboarding { id } userErrors { code message field } } }`,
  startRun: `mutation StartRun($input: StartOperationRunInput!) {
    startOperationRun(input: $input) { operationRun { id } userErrors { code message field } } }`,
  updateRun: `mutation UpdateRun($input: UpdateOperationRunInput!) {
    updateOperationRun(input: $input) { operationRun { id } userErrors { code message field } } }`,
};

// ------------------------------------------------------------------ expectations

function codesOf(reply: Reply): unknown[] {
  return reply.errors.map((error) => error.extensions?.["code"]);
}

/** The request is refused as a whole: this status, a GraphQL-shaped error with this code, no data. */
export function refused(status: number, code: string, message?: RegExp): Expectation {
  return (reply) => {
    expect(reply.status, reply.text).toBe(status);
    expect(reply.data ?? null).toBeNull();
    expect(reply.errors.length, reply.text).toBeGreaterThan(0);
    expect(codesOf(reply), reply.text).toContain(code);
    if (message) expect(reply.errors.map((error) => error.message).join("\n")).toMatch(message);
  };
}

/** HTTP 200 with a field error of this code (at this path, when given). */
export function fieldError(code: string, options: { path?: (string | number)[]; message?: RegExp } = {}): Expectation {
  return (reply) => {
    expect(reply.status, reply.text).toBe(200);
    const error = reply.errors.find((candidate) => candidate.extensions?.["code"] === code);
    expect(error, reply.text).toBeDefined();
    if (options.path) expect(error?.path).toEqual(options.path);
    if (options.message) expect(error?.message).toMatch(options.message);
  };
}

/** HTTP 200, no errors, and the data passes the check. */
export function answered(check: (data: Record<string, unknown>) => void = () => undefined): Expectation {
  return (reply) => {
    expect(reply.status, reply.text).toBe(200);
    expect(reply.errors, reply.text).toEqual([]);
    expect(reply.data, reply.text).toBeTypeOf("object");
    check(reply.data as Record<string, unknown>);
  };
}

export const field = (data: Record<string, unknown>, ...path: string[]): unknown =>
  path.reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key], data);

/** A mutation answered with exactly this user error and no result. */
export function userError(mutation: string, code: string, path?: string[]): Expectation {
  return answered((data) => {
    const payload = data[mutation] as { userErrors: { code: string; message: string; field: string[] | null }[] };
    expect(payload.userErrors.map((error) => error.code)).toContain(code);
    for (const error of payload.userErrors) expect(typeof error.message).toBe("string");
    if (path) expect(payload.userErrors.find((error) => error.code === code)?.field).toEqual(path);
    for (const [key, value] of Object.entries(payload)) if (key !== "userErrors") expect(value).toBeNull();
  });
}

export const nullField = (name: string): Expectation => answered((data) => expect(data[name]).toBeNull());
export const emptyConnection = (name: string): Expectation =>
  answered((data) => expect(data[name]).toMatchObject({ totalCount: 0, edges: [] }));
export const entities = (expected: unknown[]): Expectation =>
  answered((data) => expect(data["_entities"]).toEqual(expected));

/**
 * A request without access refused whole before execution (design §3): one error of this code,
 * no data, a small body — however many protected fields or representations it asked for.
 */
export function refusedOnce(code: "UNAUTHENTICATED" | "FORBIDDEN", message?: RegExp): Expectation {
  return (reply) => {
    refused(REQUEST_ERROR, code, message)(reply);
    expect(reply.errors, reply.text).toHaveLength(1);
    expect(reply.errors[0]?.path, reply.text).toBeUndefined();
    expect(reply.text.length, reply.text).toBeLessThan(500);
  };
}
export const unauthenticated = (message: RegExp): Expectation => refusedOnce("UNAUTHENTICATED", message);
/**
 * A request error (parse, validation, variables, cost): GraphQL-over-HTTP sends it with status 200
 * in an application/json response (what these requests ask for), so routers pass it on.
 */
export const REQUEST_ERROR = 200;
export const badInput = (message: RegExp): Expectation => refused(REQUEST_ERROR, "BAD_USER_INPUT", message);
export const invalidQuery = (message: RegExp): Expectation =>
  refused(REQUEST_ERROR, "GRAPHQL_VALIDATION_FAILED", message);
export const tooComplex = (message: RegExp): Expectation => refused(REQUEST_ERROR, "QUERY_TOO_COMPLEX", message);
export const badFilter = (path: (string | number)[], message: RegExp): Expectation =>
  fieldError("BAD_USER_INPUT", { path, message });
export const parseFailed = (message: RegExp): Expectation => refused(REQUEST_ERROR, "GRAPHQL_PARSE_FAILED", message);
export const badRequest = (status: number, message: RegExp): Expectation => refused(status, "BAD_REQUEST", message);
export const badCursor = (path: (string | number)[]): Expectation =>
  fieldError("BAD_USER_INPUT", { path, message: /after is not a cursor returned by this API/ });
export const badFirst = (path: (string | number)[]): Expectation =>
  fieldError("BAD_USER_INPUT", { path, message: /first must be between 1 and 100/ });
export const notFoundPath: Expectation = (reply) => {
  expect(reply.status).toBe(404);
  expect(reply.json).toEqual({ error: "Not found" });
};
export const methodNotAllowed: Expectation = (reply) => {
  badRequest(405, /Use GET or POST/)(reply);
  expect(reply.header("allow")).toBe("GET, POST, OPTIONS");
};
export const CSRF = /Cross-Site Request Forgery/;
export const NO_BODY = /POST body missing, invalid Content-Type, or JSON object has no keys/;

// ------------------------------------------------------------------ the invariants of every reply

const STACK_PATTERNS = [/\bat \S+ \(/, /\bat (file:\/\/)?\/\w/, /node_modules/, /\.ts:\d/, /\.m?js:\d+:\d+/];
const SQL_PATTERNS = [
  /\bSELECT\b/,
  /\bINSERT\b/,
  /\bprisma\b/i,
  /relation "/,
  /syntax error at or near/,
  /invalid byte sequence/,
  /\bviolates\b/,
  /\$queryRaw/,
];

function assertSafe(reply: Reply, call: Call): void {
  expect(reply.status, reply.text).toBeGreaterThanOrEqual(200);
  expect(reply.status, reply.text).toBeLessThan(500);
  // 204 (a CORS preflight answered) has no body to be JSON.
  if (reply.status !== 204) expect(reply.header("content-type"), reply.text).toMatch(/^application\/json/);
  if (call.method === "HEAD" || reply.status === 204) {
    expect(reply.text).toBe("");
  } else {
    expect(reply.json, `not JSON: ${reply.text.slice(0, 200)}`).toBeDefined();
  }
  for (const error of reply.errors) {
    expect(typeof error.message, JSON.stringify(error)).toBe("string");
    expect(typeof error.extensions?.["code"], JSON.stringify(error)).toBe("string");
    expect(error.extensions?.["code"]).not.toBe("INTERNAL_SERVER_ERROR");
    expect(error.extensions?.["stacktrace"]).toBeUndefined();
  }
  const errorText = JSON.stringify(reply.errors);
  for (const pattern of SQL_PATTERNS) expect(errorText).not.toMatch(pattern);
  for (const pattern of STACK_PATTERNS) expect(reply.text.slice(0, 200_000)).not.toMatch(pattern);
  expect(reply.text).not.toContain(SECRET_REASON);
}

// ------------------------------------------------------------------ one file's servers, fixture and runner

/** Who sends a GraphQL call: a token registered with the harness by name, nobody, or exactly this. */
export type Caller = "operator" | "admin" | "member" | "anonymous" | { token: string } | { authorization: string };

export interface GraphQLCallOptions {
  as?: Caller;
  headers?: Record<string, string>;
  target?: "main" | "strict";
  operationName?: string;
}

export interface HostileFixture {
  /** ACTIVE, activated with SECRET_REASON as its statusReason; `admin` and `member` are its users. */
  active: TenantFixture;
}

/** What a file's cases must leave as it was: read as an operator before the cases and after. */
export interface Integrity {
  tenants: Record<string, unknown>;
  runs: Record<string, unknown>;
}

export interface HostileHarness {
  /** The server every case goes to unless it names `strict`. */
  readonly main: TestServer;
  /** Same database as `main`; issuer, audience and router secret configured (started on request). */
  readonly strict: TestServer;
  /**
   * Starts the file's own server(s) on a fresh database and builds the shared part of its fixture:
   * one ACTIVE tenant whose statusReason is SECRET_REASON, and tokens for the operator and for the
   * tenant's admin and member.
   */
  start(options?: { strict?: boolean }): Promise<HostileFixture>;
  /**
   * Records, once the file's fixture is complete, what its cases must not change: these tenants'
   * name, slug, status, lifecycle and audit chain, and these runs' state.
   */
  seal(records: { tenants: string[]; runs?: string[] }): Promise<void>;
  close(): Promise<void>;
  send(call: Call): Promise<Reply>;
  /** A POST /graphql as the given caller (the operator unless told otherwise). */
  gql(query: string, variables?: Record<string, unknown>, options?: GraphQLCallOptions): () => Call;
  /** A GET /graphql (as the operator) with the given search parameters. */
  getQuery(params: Record<string, string>, headers?: Record<string, string>): () => Call;
  /** A GraphQL call authenticated with a token built at call time. */
  withToken(
    query: string,
    variables: Record<string, unknown> | undefined,
    token: () => Promise<string>,
  ): () => Promise<Call>;
  authorizationFor(caller: Caller): Record<string, string>;
  /** Registers the cases as tests: each is sent, held to the invariants, then to its own expectation. */
  runCases(cases: HostileCase[]): void;
  /** The checks after a file's cases: normal service, fixture unchanged, servers ready, clean logs. */
  describeAfterTheCorpus(): void;
}

export function hostileHarness(): HostileHarness {
  let main: TestServer | null = null;
  let strict: TestServer | null = null;
  let fixture: HostileFixture | null = null;
  let sealed: { tenants: string[]; runs: string[]; before: Integrity } | null = null;
  const tokens: Partial<Record<"operator" | "admin" | "member", string>> = {};
  /** Every credential this file sent, so the logs can be searched for them at the end. */
  const sentTokens = new Set<string>();

  const started = (): TestServer => {
    if (!main) throw new Error("hostileHarness: start() has not run");
    return main;
  };
  const strictServer = (): TestServer => {
    if (!strict) throw new Error("hostileHarness: this file did not start the strict server");
    return strict;
  };
  const baseOf = (call: Call) => (call.target === "strict" ? strictServer() : started()).url.replace(/\/graphql$/, "");

  function authorizationFor(caller: Caller): Record<string, string> {
    if (caller === "anonymous") return {};
    if (typeof caller === "object" && "authorization" in caller) return { authorization: caller.authorization };
    const token = typeof caller === "object" ? caller.token : tokens[caller];
    if (!token) throw new Error(`hostileHarness: no token for ${JSON.stringify(caller)}`);
    return { authorization: `Bearer ${token}` };
  }

  async function send(call: Call): Promise<Reply> {
    const base = baseOf(call);
    if (call.raw !== undefined) return sendRaw(base, call.raw);
    const authorization = Object.entries(call.headers ?? {}).find(([name]) => name.toLowerCase() === "authorization");
    if (authorization) sentTokens.add(authorization[1].replace(/^\S+\s+/, "").trim());
    const response = await fetch(`${base}${call.path ?? "/graphql"}`, {
      method: call.method ?? "POST",
      headers: call.headers,
      body: call.body,
      ...(call.body instanceof ReadableStream ? { duplex: "half" as const } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return toReply(response.status, (name) => response.headers.get(name), text);
  }

  function gql(query: string, variables?: Record<string, unknown>, options: GraphQLCallOptions = {}): () => Call {
    return () => ({
      target: options.target,
      ...postJson(JSON.stringify({ query, variables, operationName: options.operationName }), {
        ...authorizationFor(options.as ?? "operator"),
        ...options.headers,
      }),
    });
  }

  async function readIntegrity(tenantIds: string[], runIds: string[]): Promise<Integrity> {
    const server = started();
    const asOperator = { as: personas.operator };
    const tenants: Record<string, unknown> = {};
    // One tenant per request: a chain check weighs 20 000 of the operator's 50 000.
    for (const id of tenantIds) {
      const data = await server.data<{ tenant: object | null; auditChain: object }>(
        `query Integrity($id: ID!) {
          tenant(id: $id) { name slug status lifecycle { status statusReason statusMessage version } }
          auditChain(tenantId: $id) { valid eventCount firstBrokenSequence } }`,
        { id },
        asOperator,
      );
      tenants[id] = { ...data.tenant, auditChain: data.auditChain };
    }
    const runs: Record<string, unknown> = {};
    for (const id of runIds) {
      const { operationRun } = await server.data<{ operationRun: object | null }>(
        `query RunIntegrity($id: ID!) {
          operationRun(id: $id) { tenant { id } kind status progress summary failureReason version } }`,
        { id },
        asOperator,
      );
      runs[id] = operationRun;
    }
    return { tenants, runs };
  }

  function runCases(cases: HostileCase[]): void {
    it.each(cases)("$name", async (hostile) => {
      const call = await hostile.call();
      const reply = await send(call);
      assertSafe(reply, call);
      hostile.expect(reply);
    });
  }

  function describeAfterTheCorpus(): void {
    describe("after the corpus", () => {
      it("still answers a normal authenticated query correctly, masked for the tenant's admin", async () => {
        const server = started();
        const active = (fixture as HostileFixture).active;
        const asOperator = await server.request<{ tenant: { id: string; slug: string; status: string } }>(
          `query Normal($id: ID) { tenant(id: $id) { id slug status lifecycle { statusReason version } } }`,
          { id: active.id },
          { token: tokens.operator },
        );
        expect(asOperator.status).toBe(200);
        expect(asOperator.body.errors).toBeUndefined();
        expect(asOperator.body.data?.tenant).toMatchObject({
          id: active.id,
          slug: active.slug,
          status: "ACTIVE",
          lifecycle: { statusReason: SECRET_REASON },
        });
        const asAdmin = await server.request(
          `query Normal($id: ID) { tenant(id: $id) { id lifecycle { statusReason } } }`,
          { id: active.id },
          { token: tokens.admin },
        );
        expect(asAdmin.body.errors).toBeUndefined();
        expect(asAdmin.body.data).toEqual({ tenant: { id: active.id, lifecycle: { statusReason: null } } });
      });

      it("changed nothing: the fixture's tenants, audit chains and runs are as they were before the cases", async () => {
        if (!sealed) throw new Error("hostileHarness: the file never sealed its fixture");
        for (const tenant of Object.values(sealed.before.tenants)) {
          expect(tenant).toMatchObject({ auditChain: { valid: true, firstBrokenSequence: null } });
        }
        expect(await readIntegrity(sealed.tenants, sealed.runs)).toEqual(sealed.before);
      });

      it("is ready on every server the file started", async () => {
        for (const server of [main, strict]) {
          if (!server) continue;
          const response = await fetch(server.url.replace(/\/graphql$/, "/readyz"));
          expect(response.status).toBe(200);
          expect(await response.json()).toEqual({ status: "ready" });
        }
      });

      it("logged every request by its subject, and no token, no internal note and no unexpected error", () => {
        const logs = [...(main?.logs ?? []), ...(strict?.logs ?? [])].join("");
        const lines = logs
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { level: number; msg: string; sub?: string; err?: { message?: string } });
        // The operator's requests were logged, by subject: what the token says is logged, never the token.
        expect(sentTokens.has(tokens.operator as string)).toBe(true);
        expect(lines.some((line) => line.msg === "request finished" && line.sub === personas.operator.sub)).toBe(true);
        for (const token of sentTokens) {
          if (token.length < 8) continue;
          expect(logs.includes(token), `token ${token.slice(0, 40)}… is in the logs`).toBe(false);
          const signature = token.split(".")[2];
          if (signature && signature.length >= 16) expect(logs.includes(signature)).toBe(false);
        }
        expect(logs).not.toContain(SECRET_REASON);
        const failures = lines.filter((line) => line.level >= 50).map((line) => `${line.msg}: ${line.err?.message}`);
        expect(failures).toEqual([]);
      });
    });
  }

  return {
    get main() {
      return started();
    },
    get strict() {
      return strictServer();
    },
    async start(options = {}) {
      main = await startTestServer();
      if (options.strict) {
        strict = await startTestServer({
          databaseUrl: main.databaseUrl,
          env: {
            AUTH_JWT_ISSUER: STRICT_ISSUER,
            AUTH_JWT_AUDIENCE: STRICT_AUDIENCE,
            ROUTER_SHARED_SECRET: ROUTER_SECRET,
          },
        });
      }
      const active = await activeTenant(main, { reason: SECRET_REASON });
      tokens.operator = await tokenFor(personas.operator);
      tokens.admin = await tokenFor(tenantAdmin(active.id));
      tokens.member = await tokenFor(tenantMember(active.id));
      for (const token of Object.values(tokens)) sentTokens.add(token);
      fixture = { active };
      return fixture;
    },
    async seal(records) {
      const runs = records.runs ?? [];
      sealed = { tenants: records.tenants, runs, before: await readIntegrity(records.tenants, runs) };
    },
    async close() {
      await strict?.close();
      await main?.close();
    },
    send,
    gql,
    getQuery(params, headers = {}) {
      return () => ({
        method: "GET",
        path: `/graphql?${new URLSearchParams(params).toString()}`,
        headers: { ...authorizationFor("operator"), ...headers },
      });
    },
    withToken(query, variables, token) {
      return async () => gql(query, variables, { as: { token: await token() } })();
    },
    authorizationFor,
    runCases,
    describeAfterTheCorpus,
  };
}

/** An operator token for the strict server: its issuer and audience. */
export function strictOperatorToken(): Promise<string> {
  return signDevelopmentToken(TEST_JWT_SECRET, {
    ...personas.operator,
    issuer: STRICT_ISSUER,
    audience: STRICT_AUDIENCE,
  });
}
