// A table-driven corpus of malformed and hostile HTTP requests against the real HTTP server.
// Every case must be answered with a 4xx or a well-formed GraphQL response: never a 5xx, never an
// INTERNAL_SERVER_ERROR, never a stack trace, SQL or an internal note in what comes back.
import { connect } from "node:net";
import { SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDevelopmentToken } from "../../src/server/auth.ts";
import { activeTenant, draftTenant, queuedRun, uniqueSlug, type TenantFixture } from "../support/fixtures.ts";
import { personas, tenantAdmin, tenantMember, TEST_JWT_SECRET, tokenFor } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// ------------------------------------------------------------------ fixtures

const SECRET_REASON = `internal-note-${process.pid}-do-not-leak`;
const STRICT_ISSUER = "https://issuer.hostile.test";
const STRICT_AUDIENCE = "tenant-lifecycle-hostile";
const ROUTER_SECRET = "router-secret-for-the-hostile-corpus";
const MISSING_ID = "00000000-0000-4000-8000-000000000000";
const MB = 1_000_000;

interface Fixtures {
  main: TestServer;
  /** Same database; issuer, audience and router secret configured. */
  strict: TestServer;
  tokens: { operator: string; admin: string; member: string; strictOperator: string };
  active: TenantFixture;
  other: TenantFixture;
  runId: string;
  cursors: { tenants: string; runs: string; audit: string; tenantAudit: string; otherTenantAudit: string };
}

let fx: Fixtures;
/** Every credential this file sent, so the logs can be searched for them at the end. */
const sentTokens = new Set<string>();

beforeAll(async () => {
  const main = await startTestServer();
  const strict = await startTestServer({
    databaseUrl: main.databaseUrl,
    env: { AUTH_JWT_ISSUER: STRICT_ISSUER, AUTH_JWT_AUDIENCE: STRICT_AUDIENCE, ROUTER_SHARED_SECRET: ROUTER_SECRET },
  });
  const active = await activeTenant(main, { reason: SECRET_REASON });
  const other = await draftTenant(main, "Other");
  const runId = await queuedRun(main, active.id);
  const operator = await tokenFor(personas.operator);
  const asOperator = { token: operator };
  const page = await main.data<{
    tenants: { pageInfo: { endCursor: string } };
    operationRuns: { pageInfo: { endCursor: string } };
    auditEvents: { pageInfo: { endCursor: string } };
    a: { auditEvents: { pageInfo: { endCursor: string } } };
    b: { auditEvents: { pageInfo: { endCursor: string } } };
  }>(
    `query Cursors($a: ID!, $b: ID!) {
      tenants(first: 1) { pageInfo { endCursor } }
      operationRuns(first: 1) { pageInfo { endCursor } }
      auditEvents(first: 1) { pageInfo { endCursor } }
      a: tenant(id: $a) { auditEvents(first: 1) { pageInfo { endCursor } } }
      b: tenant(id: $b) { auditEvents(first: 1) { pageInfo { endCursor } } }
    }`,
    { a: active.id, b: other.id },
    asOperator,
  );
  fx = {
    main,
    strict,
    tokens: {
      operator,
      admin: await tokenFor(tenantAdmin(active.id)),
      member: await tokenFor(tenantMember(active.id)),
      strictOperator: await signDevelopmentToken(TEST_JWT_SECRET, {
        ...personas.operator,
        issuer: STRICT_ISSUER,
        audience: STRICT_AUDIENCE,
      }),
    },
    active,
    other,
    runId,
    cursors: {
      tenants: page.tenants.pageInfo.endCursor,
      runs: page.operationRuns.pageInfo.endCursor,
      audit: page.auditEvents.pageInfo.endCursor,
      tenantAudit: page.a.auditEvents.pageInfo.endCursor,
      otherTenantAudit: page.b.auditEvents.pageInfo.endCursor,
    },
  };
  for (const token of Object.values(fx.tokens)) sentTokens.add(token);
});

afterAll(async () => {
  await fx?.strict.close();
  await fx?.main.close();
});

// ------------------------------------------------------------------ requests and replies

interface Call {
  target?: "main" | "strict";
  method?: string;
  /** Path and query string; /graphql when absent. */
  path?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>;
  /** Raw HTTP/1.1 bytes written to a socket instead of a fetch (for what fetch refuses to send). */
  raw?: string;
}

interface GraphQLError {
  message: unknown;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

interface Reply {
  status: number;
  header(name: string): string | null;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
  errors: GraphQLError[];
  data: Record<string, unknown> | null | undefined;
}

interface HostileCase {
  name: string;
  call: () => Call | Promise<Call>;
  expect: (reply: Reply) => void;
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

function baseOf(call: Call): string {
  return (call.target === "strict" ? fx.strict : fx.main).url.replace(/\/graphql$/, "");
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

// ------------------------------------------------------------------ request builders

type Caller = "operator" | "admin" | "member" | "anonymous" | { token: string } | { authorization: string };

interface GraphQLCallOptions {
  as?: Caller;
  headers?: Record<string, string>;
  target?: "main" | "strict";
  operationName?: string;
}

function authorizationFor(caller: Caller): Record<string, string> {
  if (caller === "anonymous") return {};
  if (typeof caller === "object" && "authorization" in caller) return { authorization: caller.authorization };
  const token = typeof caller === "object" ? caller.token : fx.tokens[caller];
  return { authorization: `Bearer ${token}` };
}

function postJson(body: string, headers: Record<string, string> = {}): Call {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body };
}

/** A POST /graphql as the given caller (the operator unless told otherwise). */
function gql(query: string, variables?: Record<string, unknown>, options: GraphQLCallOptions = {}): () => Call {
  return () => ({
    target: options.target,
    ...postJson(JSON.stringify({ query, variables, operationName: options.operationName }), {
      ...authorizationFor(options.as ?? "operator"),
      ...options.headers,
    }),
  });
}

/** A GET /graphql with the given search parameters. */
function getQuery(params: Record<string, string>, headers: Record<string, string> = {}): () => Call {
  return () => ({
    method: "GET",
    path: `/graphql?${new URLSearchParams(params).toString()}`,
    headers: { ...authorizationFor("operator"), ...headers },
  });
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
const cursorOf = (sortKey: unknown, id: unknown) => base64url([sortKey, id]);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS256 (or other) token with exactly these claims; exp defaults to an hour from now. */
async function signed(
  claims: Record<string, unknown>,
  options: { secret?: string; alg?: string } = {},
): Promise<string> {
  const payload = { exp: nowSeconds() + 3600, iat: nowSeconds(), ...claims } as JWTPayload;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

function unsigned(claims: Record<string, unknown>): string {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ exp: nowSeconds() + 3600, ...claims })}.`;
}

/** A GraphQL call authenticated with a token built at call time. */
function withToken(query: string, variables: Record<string, unknown> | undefined, token: () => Promise<string>) {
  return async (): Promise<Call> => gql(query, variables, { as: { token: await token() } })();
}

// ------------------------------------------------------------------ documents

const Q = {
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

type Expectation = (reply: Reply) => void;

function codesOf(reply: Reply): unknown[] {
  return reply.errors.map((error) => error.extensions?.["code"]);
}

/** The request is refused as a whole: this status, a GraphQL-shaped error with this code, no data. */
function refused(status: number, code: string, message?: RegExp): Expectation {
  return (reply) => {
    expect(reply.status, reply.text).toBe(status);
    expect(reply.data ?? null).toBeNull();
    expect(reply.errors.length, reply.text).toBeGreaterThan(0);
    expect(codesOf(reply), reply.text).toContain(code);
    if (message) expect(reply.errors.map((error) => error.message).join("\n")).toMatch(message);
  };
}

/** HTTP 200 with a field error of this code (at this path, when given). */
function fieldError(code: string, options: { path?: (string | number)[]; message?: RegExp } = {}): Expectation {
  return (reply) => {
    expect(reply.status, reply.text).toBe(200);
    const error = reply.errors.find((candidate) => candidate.extensions?.["code"] === code);
    expect(error, reply.text).toBeDefined();
    if (options.path) expect(error?.path).toEqual(options.path);
    if (options.message) expect(error?.message).toMatch(options.message);
  };
}

/** HTTP 200, no errors, and the data passes the check. */
function answered(check: (data: Record<string, unknown>) => void = () => undefined): Expectation {
  return (reply) => {
    expect(reply.status, reply.text).toBe(200);
    expect(reply.errors, reply.text).toEqual([]);
    expect(reply.data, reply.text).toBeTypeOf("object");
    check(reply.data as Record<string, unknown>);
  };
}

const field = (data: Record<string, unknown>, ...path: string[]): unknown =>
  path.reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key], data);

/** A mutation answered with exactly this user error and no result. */
function userError(mutation: string, code: string, path?: string[]): Expectation {
  return answered((data) => {
    const payload = data[mutation] as { userErrors: { code: string; message: string; field: string[] | null }[] };
    expect(payload.userErrors.map((error) => error.code)).toContain(code);
    for (const error of payload.userErrors) expect(typeof error.message).toBe("string");
    if (path) expect(payload.userErrors.find((error) => error.code === code)?.field).toEqual(path);
    for (const [key, value] of Object.entries(payload)) if (key !== "userErrors") expect(value).toBeNull();
  });
}

const nullField = (name: string): Expectation => answered((data) => expect(data[name]).toBeNull());
const emptyConnection = (name: string): Expectation =>
  answered((data) => expect(data[name]).toMatchObject({ totalCount: 0, edges: [] }));
const entities = (expected: unknown[]): Expectation => answered((data) => expect(data["_entities"]).toEqual(expected));

const unauthenticated = (message: RegExp, path: string[] = ["tenant"]): Expectation =>
  fieldError("UNAUTHENTICATED", { path, message });
/**
 * A request error (parse, validation, variables, cost): GraphQL-over-HTTP sends it with status 200
 * in an application/json response (what these requests ask for), so routers pass it on.
 */
const REQUEST_ERROR = 200;
const badInput = (message: RegExp): Expectation => refused(REQUEST_ERROR, "BAD_USER_INPUT", message);
const invalidQuery = (message: RegExp): Expectation => refused(REQUEST_ERROR, "GRAPHQL_VALIDATION_FAILED", message);
const tooComplex = (message: RegExp): Expectation => refused(REQUEST_ERROR, "QUERY_TOO_COMPLEX", message);
const badFilter = (path: (string | number)[], message: RegExp): Expectation =>
  fieldError("BAD_USER_INPUT", { path, message });
const parseFailed = (message: RegExp): Expectation => refused(REQUEST_ERROR, "GRAPHQL_PARSE_FAILED", message);
const badRequest = (status: number, message: RegExp): Expectation => refused(status, "BAD_REQUEST", message);
const badCursor = (path: (string | number)[]): Expectation =>
  fieldError("BAD_USER_INPUT", { path, message: /after is not a cursor returned by this API/ });
const badFirst = (path: (string | number)[]): Expectation =>
  fieldError("BAD_USER_INPUT", { path, message: /first must be between 1 and 100/ });
const notFoundPath: Expectation = (reply) => {
  expect(reply.status).toBe(404);
  expect(reply.json).toEqual({ error: "Not found" });
};
const methodNotAllowed: Expectation = (reply) => {
  badRequest(405, /Use GET or POST/)(reply);
  expect(reply.header("allow")).toBe("GET, POST");
};
const CSRF = /Cross-Site Request Forgery/;
const NO_BODY = /POST body missing, invalid Content-Type, or JSON object has no keys/;

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
  expect(reply.header("content-type"), reply.text).toMatch(/^application\/json/);
  if (call.method === "HEAD") {
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

function runCases(cases: HostileCase[]): void {
  it.each(cases)("$name", async (hostile) => {
    const call = await hostile.call();
    const reply = await send(call);
    assertSafe(reply, call);
    hostile.expect(reply);
  });
}

// ------------------------------------------------------------------ the corpus

const bodyAndTransportCases: HostileCase[] = [
  { name: "empty JSON body", call: () => postJson(""), expect: badRequest(400, /Request body is empty/) },
  { name: "whitespace-only JSON body", call: () => postJson(" \n\t "), expect: badRequest(400, /empty/) },
  {
    name: "truncated JSON",
    call: () => postJson('{"query":"{ __typ'),
    expect: badRequest(400, /not valid JSON/),
  },
  {
    name: "JSON with trailing garbage",
    call: () => postJson('{"query":"{ __typename }"} trailing'),
    expect: badRequest(400, /not valid JSON/),
  },
  {
    name: "invalid UTF-8 bytes",
    call: () => ({ ...postJson(""), body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
    expect: badRequest(400, /not valid JSON/),
  },
  { name: "body is JSON null", call: () => postJson("null"), expect: badRequest(400, NO_BODY) },
  { name: "body is a number", call: () => postJson("42"), expect: badRequest(400, NO_BODY) },
  { name: "body is a string", call: () => postJson('"{ __typename }"'), expect: badRequest(400, NO_BODY) },
  { name: "body is a boolean", call: () => postJson("true"), expect: badRequest(400, NO_BODY) },
  { name: "body is an empty object", call: () => postJson("{}"), expect: badRequest(400, NO_BODY) },
  {
    name: "batched array of two operations",
    call: () => postJson('[{"query":"{ __typename }"},{"query":"{ __typename }"}]'),
    expect: badRequest(400, /batching disabled/),
  },
  { name: "empty batch", call: () => postJson("[]"), expect: badRequest(400, /batching disabled/) },
  {
    name: "text/plain body (CSRF-simple content type)",
    call: () => ({ method: "POST", headers: { "content-type": "text/plain" }, body: '{"query":"{ __typename }"}' }),
    expect: badRequest(400, CSRF),
  },
  {
    name: "form-urlencoded body",
    call: () => ({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "query=%7B__typename%7D",
    }),
    expect: badRequest(400, CSRF),
  },
  {
    name: "multipart/form-data body",
    call: () => ({
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--\r\n',
    }),
    expect: badRequest(400, CSRF),
  },
  {
    name: "no content-type at all",
    call: () => ({ method: "POST", body: new TextEncoder().encode('{"query":"{ __typename }"}') }),
    expect: badRequest(400, CSRF),
  },
  {
    name: "text/plain with a preflight header",
    call: () => ({
      method: "POST",
      headers: { "content-type": "text/plain", "apollo-require-preflight": "true" },
      body: '{"query":"{ __typename }"}',
    }),
    expect: badRequest(400, NO_BODY),
  },
  {
    name: "application/graphql body",
    call: () => ({ method: "POST", headers: { "content-type": "application/graphql" }, body: "{ __typename }" }),
    expect: badRequest(400, NO_BODY),
  },
  { name: "query is a number", call: () => postJson('{"query":5}'), expect: badRequest(400, /must be strings/) },
  {
    name: "query is an object",
    call: () => postJson('{"query":{"kind":"Document"}}'),
    expect: badRequest(400, /must be strings/),
  },
  {
    name: "query is an array",
    call: () => postJson('{"query":["{ __typename }"]}'),
    expect: badRequest(400, /must be strings/),
  },
  { name: "query is null", call: () => postJson('{"query":null}'), expect: badRequest(400, /non-empty `query`/) },
  { name: "query is empty", call: () => postJson('{"query":""}'), expect: badRequest(400, /non-empty `query`/) },
  {
    name: "variables is a string",
    call: () => postJson('{"query":"{ __typename }","variables":"{}"}'),
    expect: badRequest(400, /`variables`/),
  },
  {
    name: "variables is an array",
    call: () => postJson('{"query":"{ __typename }","variables":[1,2]}'),
    expect: badRequest(400, /`variables`/),
  },
  {
    name: "variables is a number",
    call: () => postJson('{"query":"{ __typename }","variables":5}'),
    expect: badRequest(400, /`variables`/),
  },
  {
    name: "operationName is a number",
    call: () => postJson('{"query":"{ __typename }","operationName":5}'),
    expect: badRequest(400, /operationName/),
  },
  {
    name: "extensions is a string",
    call: () => postJson('{"query":"{ __typename }","extensions":"x"}'),
    expect: badRequest(400, /extensions/),
  },
  {
    name: "unknown operationName",
    call: gql(`query Known { __typename }`, undefined, { operationName: "Unknown" }),
    expect: refused(REQUEST_ERROR, "OPERATION_RESOLUTION_FAILURE", /Unknown operation named "Unknown"/),
  },
  {
    name: "two operations and no operationName",
    call: gql(`query A { __typename } query B { __typename }`),
    expect: refused(REQUEST_ERROR, "OPERATION_RESOLUTION_FAILURE", /Must provide operation name/),
  },
  { name: "syntax error: braces only", call: gql(`{{{`), expect: parseFailed(/Syntax Error/) },
  { name: "syntax error: truncated document", call: gql(`{ tenant(`), expect: parseFailed(/Syntax Error/) },
  {
    name: "lone surrogate escape in a string literal",
    call: gql(`{ tenant(slug: "a\\ud800b") { id } }`),
    expect: parseFailed(/Invalid Unicode escape sequence/),
  },
  { name: "raw NUL in the document", call: gql(`{ __typename \u0000 }`), expect: parseFailed(/Syntax Error/) },
  { name: "unknown field", call: gql(`{ tenantz { id } }`), expect: invalidQuery(/Cannot query field "tenantz"/) },
  {
    name: "subscription operation",
    call: gql(`subscription Watch { tenant(id: "${MISSING_ID}") { id } }`),
    expect: invalidQuery(/This service does not support subscription operations/),
  },
  {
    name: "body over LIMIT_MAX_BODY_BYTES (content-length)",
    call: () => postJson(JSON.stringify({ query: Q.probe, variables: { id: "x".repeat(1_100_000) } })),
    expect: badRequest(413, /Request body exceeds 1048576 bytes/),
  },
  {
    name: "body over LIMIT_MAX_BODY_BYTES (chunked, no content-length)",
    call: () => {
      const chunk = new TextEncoder().encode(`"${"x".repeat(64 * 1024 - 2)}"`);
      let sent = 0;
      const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
        pull(controller) {
          if (sent++ < 32) controller.enqueue(chunk);
          else controller.close();
        },
      });
      return { method: "POST", headers: { "content-type": "application/json" }, body };
    },
    expect: badRequest(413, /Request body exceeds/),
  },
  {
    name: "a 1 MB name just under the body limit",
    call: gql(Q.create, { input: { slug: uniqueSlug("big"), name: "n".repeat(MB) } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "name"]),
  },
];

const getCases: HostileCase[] = [
  {
    name: "GET with a query and no preflight header (CSRF)",
    call: () => ({ method: "GET", path: "/graphql?query=%7B__typename%7D" }),
    expect: badRequest(400, CSRF),
  },
  {
    name: "GET with apollo-require-preflight answers the query",
    call: getQuery({ query: "{ __typename }" }, { "apollo-require-preflight": "true" }),
    expect: answered((data) => expect(data).toEqual({ __typename: "Query" })),
  },
  {
    name: "GET with x-apollo-operation-name answers the query",
    call: getQuery({ query: "query Named { __typename }" }, { "x-apollo-operation-name": "Named" }),
    expect: answered((data) => expect(data).toEqual({ __typename: "Query" })),
  },
  {
    name: "GET carrying a mutation",
    call: getQuery(
      { query: `mutation { createTenant(input: { slug: "via-get", name: "x" }) { userErrors { code } } }` },
      { "apollo-require-preflight": "true" },
    ),
    expect: (reply) => {
      badRequest(405, /GET requests only support query operations/)(reply);
      expect(reply.header("allow")).toBe("POST");
    },
  },
  {
    name: "GET without a query",
    call: getQuery({}, { "apollo-require-preflight": "true" }),
    expect: badRequest(400, /non-empty `query`/),
  },
  {
    name: "GET with variables that are not JSON",
    call: getQuery({ query: Q.probe, variables: "{not json" }, { "apollo-require-preflight": "true" }),
    expect: badRequest(400, /variables/),
  },
  {
    name: "GET with extensions that are not JSON",
    call: getQuery({ query: "{ __typename }", extensions: "[[[" }, { "apollo-require-preflight": "true" }),
    expect: badRequest(400, /extensions/),
  },
  {
    name: "GET with a 20 KB query string (header overflow)",
    call: getQuery({ query: `{ __typename ${" ".repeat(20_000)} }` }, { "apollo-require-preflight": "true" }),
    expect: badRequest(431, /Request Header Fields Too Large/),
  },
];

const methodAndPathCases: HostileCase[] = [
  { name: "PUT /graphql", call: () => ({ ...postJson("{}"), method: "PUT" }), expect: methodNotAllowed },
  { name: "DELETE /graphql", call: () => ({ method: "DELETE" }), expect: methodNotAllowed },
  { name: "PATCH /graphql", call: () => ({ ...postJson("{}"), method: "PATCH" }), expect: methodNotAllowed },
  { name: "OPTIONS /graphql", call: () => ({ method: "OPTIONS" }), expect: methodNotAllowed },
  {
    name: "HEAD /graphql",
    call: () => ({ method: "HEAD" }),
    expect: (reply) => {
      expect(reply.status).toBe(405);
      expect(reply.header("allow")).toBe("GET, POST");
    },
  },
  {
    // Only GET is routed to /healthz today, so HEAD falls through to 404; 200 would be fine too.
    name: "HEAD /healthz",
    call: () => ({ method: "HEAD", path: "/healthz" }),
    expect: (reply) => expect([200, 404]).toContain(reply.status),
  },
  { name: "GET /", call: () => ({ method: "GET", path: "/" }), expect: notFoundPath },
  { name: "GET /unknown", call: () => ({ method: "GET", path: "/unknown" }), expect: notFoundPath },
  {
    name: "POST /graphql/ (trailing slash)",
    call: () => ({ ...postJson("{}"), path: "/graphql/" }),
    expect: notFoundPath,
  },
  { name: "GET /GRAPHQL", call: () => ({ method: "GET", path: "/GRAPHQL" }), expect: notFoundPath },
  { name: "POST /healthz", call: () => ({ ...postJson("{}"), path: "/healthz" }), expect: notFoundPath },
  { name: "DELETE /readyz", call: () => ({ method: "DELETE", path: "/readyz" }), expect: notFoundPath },
  { name: "GET /%00", call: () => ({ method: "GET", path: "/%00" }), expect: notFoundPath },
  {
    name: "GET an encoded traversal path",
    call: () => ({ method: "GET", path: "/..%2f..%2fetc%2fpasswd" }),
    expect: notFoundPath,
  },
  { name: "GET a 4 KB path", call: () => ({ method: "GET", path: `/${"a".repeat(4096)}` }), expect: notFoundPath },
  {
    name: "raw: garbage request line",
    call: () => ({ raw: "GARBAGE\r\n\r\n" }),
    expect: badRequest(400, /Bad Request/),
  },
  {
    name: "raw: control character in a header name",
    call: () => ({ raw: "POST /graphql HTTP/1.1\r\nHost: x\r\nX-Bad\u0001: 1\r\nConnection: close\r\n\r\n" }),
    expect: badRequest(400, /Bad Request/),
  },
  {
    name: "raw: content-length far over the body limit",
    call: () => ({
      raw:
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Content-Length: 5000000\r\nConnection: close\r\n\r\n{}",
    }),
    expect: badRequest(413, /Request body exceeds/),
  },
  {
    name: "raw: malformed chunked body",
    call: () => ({
      raw:
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n",
    }),
    expect: badRequest(400, /Bad Request/),
  },
  {
    name: "raw: both content-length and transfer-encoding (smuggling shape)",
    call: () => ({
      raw:
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n" +
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
    }),
    expect: badRequest(400, /Bad Request/),
  },
];

const variableCases: HostileCase[] = [
  {
    name: "Int for an ID variable (ID accepts integers)",
    call: gql(Q.tenantById, { id: 123 }),
    expect: nullField("tenant"),
  },
  { name: "Float for an ID variable", call: gql(Q.tenantById, { id: 1.5 }), expect: badInput(/ID cannot represent/) },
  {
    name: "Boolean for an ID variable",
    call: gql(Q.tenantById, { id: true }),
    expect: badInput(/ID cannot represent/),
  },
  {
    name: "lowercase string for an enum",
    call: () => gql(Q.transition, { input: { tenantId: fx.active.id, transition: "suspend" } })(),
    expect: badInput(/does not exist in "LifecycleTransition" enum/),
  },
  {
    name: "number for an enum",
    call: () => gql(Q.complete, { input: { tenantId: fx.active.id, step: 1 } })(),
    expect: badInput(/OnboardingStep/),
  },
  {
    name: "object for a String",
    call: gql(Q.create, { input: { slug: "obj-name", name: { first: "x" } } }),
    expect: badInput(/String cannot represent a non string value/),
  },
  {
    name: "array for a String",
    call: gql(Q.create, { input: { slug: "arr-name", name: ["x"] } }),
    expect: badInput(/String cannot represent a non string value/),
  },
  {
    name: "missing required variable",
    call: gql(Q.create, {}),
    expect: badInput(/Variable "\$input" of required type "CreateTenantInput!" was not provided/),
  },
  {
    name: "null for a non-null variable",
    call: gql(Q.run, { id: null }),
    expect: badInput(/Variable "\$id" of non-null type "ID!" must not be null/),
  },
  {
    name: "unknown field in an input object",
    call: gql(Q.create, { input: { slug: "unknown-field", name: "x", admin: true } }),
    expect: badInput(/Field "admin" is not defined by type "CreateTenantInput"/),
  },
  {
    name: "required input field missing",
    call: gql(Q.create, { input: { name: "x" } }),
    expect: badInput(/Field "slug" of required type "String!" was not provided/),
  },
  {
    name: "variable declared with the wrong type",
    call: gql(`query Wrong($id: Int) { tenant(id: $id) { id } }`, { id: 1 }),
    expect: invalidQuery(/Variable "\$id" of type "Int" used in position expecting type "ID"/),
  },
  {
    name: "undeclared variable",
    call: gql(`query Undeclared { tenant(id: $id) { id } }`, { id: MISSING_ID }),
    expect: invalidQuery(/Variable "\$id" is not defined/),
  },
  {
    name: "string for a Boolean filter",
    call: gql(Q.tenants, { filter: { includeArchived: "yes" } }),
    expect: badInput(/Boolean cannot represent a non boolean value/),
  },
  {
    name: "string for a Float",
    call: () => gql(Q.updateRun, { input: { id: fx.runId, progress: "half" } })(),
    expect: badInput(/Float cannot represent non numeric value/),
  },
  {
    name: "2^31 for an Int",
    call: () => gql(Q.update, { input: { tenantId: fx.active.id, name: "x", expectedVersion: 2 ** 31 } })(),
    expect: badInput(/Int cannot represent non 32-bit signed integer value/),
  },
  {
    name: "null inside a list of non-null enums",
    call: gql(Q.tenants, { filter: { status: ["ACTIVE", null] } }),
    expect: badInput(/non-nullable type "TenantStatus!" not to be null/),
  },
  {
    name: "unused extra variables are ignored",
    call: gql(Q.tenantById, { id: MISSING_ID, surplus: { deeply: ["nested"] } }),
    expect: nullField("tenant"),
  },
];

const idCases: HostileCase[] = [
  { name: "tenant(id) not a UUID", call: gql(Q.tenantById, { id: "not-a-uuid" }), expect: nullField("tenant") },
  { name: "tenant(id) empty string", call: gql(Q.tenantById, { id: "" }), expect: nullField("tenant") },
  { name: "tenant(id) of 1 MB", call: gql(Q.tenantById, { id: "f".repeat(MB) }), expect: nullField("tenant") },
  {
    name: "tenant(id) SQL-looking",
    call: gql(Q.tenantById, { id: "'; DROP TABLE tenants; --" }),
    expect: nullField("tenant"),
  },
  { name: "tenant(id) with NUL", call: gql(Q.tenantById, { id: `${MISSING_ID}\u0000` }), expect: nullField("tenant") },
  {
    name: "tenant(id) of an operation run (wrong type)",
    call: () => gql(Q.tenantById, { id: fx.runId })(),
    expect: nullField("tenant"),
  },
  {
    name: "tenant(id) uppercase UUID finds the tenant",
    call: () => gql(Q.tenantById, { id: fx.active.id.toUpperCase() })(),
    expect: answered((data) => expect(field(data, "tenant", "id")).toBe(fx.active.id)),
  },
  {
    name: "tenant with both id and slug",
    call: () => gql(`query Both($id: ID, $slug: String) { tenant(id: $id, slug: $slug) { id } }`, { ...fx.active })(),
    expect: fieldError("BAD_USER_INPUT", { path: ["tenant"], message: /exactly one of id or slug/ }),
  },
  {
    name: "tenant with neither id nor slug",
    call: gql(`query Neither { tenant { id } }`),
    expect: fieldError("BAD_USER_INPUT", { path: ["tenant"], message: /exactly one of id or slug/ }),
  },
  { name: "tenant(slug) with NUL", call: gql(Q.tenantBySlug, { slug: "fx\u0000" }), expect: nullField("tenant") },
  {
    name: "tenant(slug) SQL-looking",
    call: gql(Q.tenantBySlug, { slug: "x' OR '1'='1" }),
    expect: nullField("tenant"),
  },
  { name: "tenant(slug) of 1 MB", call: gql(Q.tenantBySlug, { slug: "s".repeat(MB) }), expect: nullField("tenant") },
  {
    name: "transitionTenant with a non-UUID tenantId",
    call: gql(Q.transition, { input: { tenantId: "nope", transition: "SUSPEND", reason: "r" } }),
    expect: userError("transitionTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "transitionTenant with a NUL tenantId",
    call: gql(Q.transition, { input: { tenantId: "\u0000", transition: "SUSPEND", reason: "r" } }),
    expect: userError("transitionTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "updateTenant with a non-UUID tenantId",
    call: gql(Q.update, { input: { tenantId: "1 OR 1=1", name: "x" } }),
    expect: userError("updateTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "updateTenant with an operation run's id",
    call: () => gql(Q.update, { input: { tenantId: fx.runId, name: "x" } })(),
    expect: userError("updateTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "completeOnboardingStep with a non-UUID tenantId",
    call: gql(Q.complete, { input: { tenantId: "../etc/passwd", step: "PROFILE" } }),
    expect: userError("completeOnboardingStep", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "startOperationRun with a non-UUID tenantId",
    call: gql(Q.startRun, { input: { tenantId: "{}", kind: "DATA_EXPORT" } }),
    expect: userError("startOperationRun", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "updateOperationRun with a non-UUID id",
    call: gql(Q.updateRun, { input: { id: "run-1", status: "RUNNING" } }),
    expect: userError("updateOperationRun", "NOT_FOUND", ["input", "id"]),
  },
  { name: "operationRun(id) not a UUID", call: gql(Q.run, { id: "%" }), expect: nullField("operationRun") },
  {
    name: "operationRun(id) of a tenant (wrong type)",
    call: () => gql(Q.run, { id: fx.active.id })(),
    expect: nullField("operationRun"),
  },
  {
    name: "operationRuns filtered by a non-UUID tenantId",
    call: gql(Q.runs, { filter: { tenantId: "x".repeat(10_000) } }),
    expect: emptyConnection("operationRuns"),
  },
  {
    name: "auditEvents filtered by a non-UUID tenantId",
    call: gql(Q.audit, { filter: { tenantId: "' OR 1=1 --" } }),
    expect: emptyConnection("auditEvents"),
  },
  {
    name: "auditChain of a non-UUID tenantId",
    call: gql(Q.chain, { tenantId: "not-a-uuid" }),
    expect: answered((data) =>
      expect(data["auditChain"]).toEqual({ valid: true, eventCount: 0, firstBrokenSequence: null }),
    ),
  },
];

const tenantRef = (key: Record<string, unknown>) => ({ __typename: "Tenant", ...key });
const representationError = /representations\[\d+\] must be an object whose __typename is one of/;
const manyRepresentations = (count: number) => Array.from({ length: count }, () => tenantRef({ id: "x" }));

const entityCases: HostileCase[] = [
  {
    name: "_entities Tenant with a non-UUID id",
    call: gql(Q.entities, { r: [tenantRef({ id: "not-a-uuid" })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with an unknown slug",
    call: gql(Q.entities, { r: [tenantRef({ slug: "no-such-slug" })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with a NUL slug",
    call: gql(Q.entities, { r: [tenantRef({ slug: "a\u0000b" })] }),
    expect: entities([null]),
  },
  { name: "_entities Tenant without any key", call: gql(Q.entities, { r: [tenantRef({})] }), expect: entities([null]) },
  {
    name: "_entities Tenant with a numeric id",
    call: gql(Q.entities, { r: [tenantRef({ id: 5 })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with a null id",
    call: gql(Q.entities, { r: [tenantRef({ id: null })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with an object slug",
    call: gql(Q.entities, { r: [tenantRef({ slug: { $ne: "" } })] }),
    expect: entities([null]),
  },
  {
    name: "_entities OperationRun with a non-UUID id",
    call: gql(Q.entities, { r: [{ __typename: "OperationRun", id: "1; DELETE" }] }),
    expect: entities([null]),
  },
  {
    name: "_entities OperationRun without an id",
    call: gql(Q.entities, { r: [{ __typename: "OperationRun" }] }),
    expect: entities([null]),
  },
  {
    name: "_entities mixing a real tenant with broken keys keeps order",
    call: () => gql(Q.entities, { r: [tenantRef({ id: fx.active.id }), tenantRef({ id: [] }), tenantRef({})] })(),
    expect: answered((data) =>
      expect(data["_entities"]).toEqual([{ __typename: "Tenant", id: fx.active.id }, null, null]),
    ),
  },
  {
    name: "_entities with an unknown __typename",
    call: gql(Q.entities, { r: [{ __typename: "Nope", id: "x" }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities without __typename",
    call: gql(Q.entities, { r: [{ id: MISSING_ID }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with a numeric __typename",
    call: gql(Q.entities, { r: [{ __typename: 7, id: MISSING_ID }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with a string representation",
    call: gql(Q.entities, { r: ["Tenant"] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with an array representation",
    call: gql(Q.entities, { r: [[tenantRef({ id: MISSING_ID })]] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with a null representation",
    call: gql(Q.entities, { r: [null] }),
    expect: badInput(/representations/),
  },
  {
    name: "_entities for User (not resolvable here)",
    call: gql(Q.entities, { r: [{ __typename: "User", id: "u-1" }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities for Query",
    call: gql(Q.entities, { r: [{ __typename: "Query" }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with an inline literal of an unknown type",
    call: gql(`{ _entities(representations: [{ __typename: "Mutation" }]) { __typename } }`),
    expect: badInput(representationError),
  },
  {
    // A neighbour's list of tenant references arrives in one batch: it resolves (nulls here).
    name: "_entities with 1 000 representations",
    call: gql(Q.entities, { r: manyRepresentations(1_000) }),
    expect: entities(Array.from({ length: 1_000 }, () => null)),
  },
  {
    name: "_entities with 10 001 representations",
    call: gql(Q.entities, { r: manyRepresentations(10_001) }),
    expect: badInput(/at most 10000 representations per request \(got 10001\)/),
  },
  {
    name: "_entities with 10 001 representations inside an inline fragment",
    call: gql(`query($r: [_Any!]!) { ... on Query { _entities(representations: $r) { __typename } } }`, {
      r: manyRepresentations(10_001),
    }),
    expect: badInput(/at most 10000 representations/),
  },
  {
    name: "_entities with 10 001 representations inside a named fragment",
    call: gql(`query($r: [_Any!]!) { ...F } fragment F on Query { _entities(representations: $r) { __typename } }`, {
      r: manyRepresentations(10_001),
    }),
    expect: badInput(/at most 10000 representations/),
  },
  {
    name: "_entities split over two aliases of 6 000 each",
    call: gql(
      `query($a: [_Any!]!, $b: [_Any!]!) {
        a: _entities(representations: $a) { __typename } b: _entities(representations: $b) { __typename } }`,
      { a: manyRepresentations(6_000), b: manyRepresentations(6_000) },
    ),
    expect: badInput(/at most 10000 representations per request \(got 12000\)/),
  },
  {
    name: "_entities with 201 inline literal representations",
    call: gql(`{ _entities(representations: [${'{ __typename: "Tenant" } '.repeat(201)}]) { __typename } }`),
    expect: entities(Array.from({ length: 201 }, () => null)),
  },
  {
    name: "_entities without a token",
    call: gql(Q.entities, { r: [tenantRef({ id: MISSING_ID })] }, { as: "anonymous" }),
    expect: fieldError("UNAUTHENTICATED", { path: ["_entities", 0] }),
  },
];

const HOSTILE_TEXT = ["'; DROP TABLE tenants; --", "%", "_", "\\", ".*", "(a+)+$"];
/** Text a filter refuses: it cannot be stored (NUL, a lone surrogate) or is longer than any stored value. */
const REFUSED_FILTER_TEXT = ["\u0000", "\ud800", "x".repeat(MB)];

/**
 * A LIKE-backed filter: hostile text matches nothing, `_`/`%` are taken literally, not as
 * wildcards, and text no stored value can match is refused.
 */
function likeFilterCases(options: {
  connection: string;
  query: string;
  filter: string;
  literals: [underscore: string, percent: string];
}): HostileCase[] {
  const { connection, query, filter } = options;
  return [
    ...HOSTILE_TEXT.map((text): HostileCase => ({
      name: `${connection} ${filter} ${JSON.stringify(text.slice(0, 30))}${text.length > 30 ? "… (1 MB)" : ""} matches nothing`,
      call: gql(query, { filter: { [filter]: text } }),
      expect: emptyConnection(connection),
    })),
    ...REFUSED_FILTER_TEXT.map((text): HostileCase => ({
      name: `${connection} ${filter} ${JSON.stringify(text.slice(0, 30))}${text.length > 30 ? "… (1 MB)" : ""} is refused`,
      call: gql(query, { filter: { [filter]: text } }),
      expect: badFilter([connection], new RegExp(`filter\\.${filter}`)),
    })),
    ...options.literals.map((literal): HostileCase => ({
      name: `${connection} ${filter} '${literal}' takes '${literal.slice(-1)}' literally`,
      call: gql(query, { filter: { [filter]: literal } }),
      expect: emptyConnection(connection),
    })),
  ];
}

const stringCases: HostileCase[] = [
  {
    name: "createTenant name with NUL",
    call: gql(Q.create, { input: { slug: uniqueSlug("nul"), name: "Ac\u0000me" } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "name"]),
  },
  {
    name: "createTenant name with a bell control character",
    call: gql(Q.create, { input: { slug: uniqueSlug("bel"), name: "Ac\u0007me" } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "name"]),
  },
  {
    name: "createTenant name with emoji, RTL override and zero-width characters is stored as given",
    call: gql(Q.create, { input: { slug: uniqueSlug("emoji"), name: "  👩‍👩‍👧 \u202Eevil\u200B\u200F名  " } }),
    expect: answered((data) => {
      expect(field(data, "createTenant", "userErrors")).toEqual([]);
      expect(field(data, "createTenant", "tenant", "name")).toBe("👩‍👩‍👧 \u202Eevil\u200B\u200F名");
    }),
  },
  {
    name: "createTenant name of 201 emoji (counted in code points)",
    call: gql(Q.create, { input: { slug: uniqueSlug("long"), name: "👩".repeat(201) } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "name"]),
  },
  {
    name: "createTenant slug with NUL",
    call: gql(Q.create, { input: { slug: "abc\u0000def", name: "x" } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "slug"]),
  },
  {
    name: "createTenant slug with emoji",
    call: gql(Q.create, { input: { slug: "tenant-😀", name: "x" } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "slug"]),
  },
  {
    name: "createTenant slug SQL-looking",
    call: gql(Q.create, { input: { slug: "a'; DROP TABLE tenants; --", name: "x" } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "slug"]),
  },
  {
    name: "createTenant slug of 1 MB",
    call: gql(Q.create, { input: { slug: "a".repeat(MB), name: "x" } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "slug"]),
  },
  {
    name: "createTenant idempotencyKey with NUL",
    call: gql(Q.create, { input: { slug: uniqueSlug("idem"), name: "x", idempotencyKey: "key\u0000" } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "idempotencyKey"]),
  },
  {
    name: "createTenant idempotencyKey of 1 MB",
    call: gql(Q.create, { input: { slug: uniqueSlug("idem"), name: "x", idempotencyKey: "k".repeat(MB) } }),
    expect: userError("createTenant", "INVALID_INPUT", ["input", "idempotencyKey"]),
  },
  {
    name: "updateTenant name with NUL",
    call: () => gql(Q.update, { input: { tenantId: fx.active.id, name: "\u0000" } })(),
    expect: userError("updateTenant", "INVALID_INPUT", ["input", "name"]),
  },
  {
    name: "transitionTenant reason with NUL",
    call: () => gql(Q.transition, { input: { tenantId: fx.active.id, transition: "SUSPEND", reason: "a\u0000" } })(),
    expect: userError("transitionTenant", "INVALID_INPUT", ["input", "reason"]),
  },
  {
    name: "transitionTenant statusMessage of 1 MB",
    call: () =>
      gql(Q.transition, {
        input: { tenantId: fx.active.id, transition: "SUSPEND", reason: "r", statusMessage: "m".repeat(MB) },
      })(),
    expect: userError("transitionTenant", "INVALID_INPUT", ["input", "statusMessage"]),
  },
  {
    name: "startOperationRun summary with NUL",
    call: () => gql(Q.startRun, { input: { tenantId: fx.active.id, kind: "DATA_EXPORT", summary: "\u0000" } })(),
    expect: userError("startOperationRun", "INVALID_INPUT", ["input", "summary"]),
  },
  {
    name: "updateOperationRun failureReason with NUL",
    call: () => gql(Q.updateRun, { input: { id: fx.runId, failureReason: "boom\u0000" } })(),
    expect: userError("updateOperationRun", "INVALID_INPUT", ["input", "failureReason"]),
  },
  ...likeFilterCases({ connection: "tenants", query: Q.tenants, filter: "search", literals: ["fx_", "fx%"] }),
  {
    name: "tenants search with a lone surrogate",
    call: () =>
      postJson(
        `{"query":${JSON.stringify(Q.tenants)},"variables":{"filter":{"search":"\\ud800"}}}`,
        authorizationFor("operator"),
      ),
    expect: badFilter(["tenants"], /filter\.search/),
  },
  {
    name: "tenants search with RTL and zero-width characters",
    call: gql(Q.tenants, { filter: { search: "\u202E\u200B" } }),
    expect: answered((data) => expect(field(data, "tenants", "totalCount")).toBeTypeOf("number")),
  },
  ...likeFilterCases({
    connection: "auditEvents",
    query: Q.audit,
    filter: "action",
    literals: ["tenant_", "operation%"],
  }),
  {
    name: "auditEvents action 'tenant.' still matches as a prefix",
    call: gql(Q.audit, { filter: { action: "tenant." } }),
    expect: answered((data) => expect(field(data, "auditEvents", "totalCount")).toBeGreaterThan(0)),
  },
];

const aliases = (count: number, selection: string) =>
  Array.from({ length: count }, (_, index) => `a${index}: ${selection}`).join(" ");
let deepSelection = "id";
for (let level = 0; level < 4; level += 1)
  deepSelection = `tenant { operationRuns { edges { node { ${deepSelection} } } } }`;

const shapeCases: HostileCase[] = [
  {
    name: "query nested past the depth limit",
    call: gql(`query Deep { operationRun(id: "${MISSING_ID}") { ${deepSelection} } }`),
    expect: invalidQuery(/depth limit of 12 exceeded/),
  },
  {
    name: "31 aliases of a real field",
    call: gql(`{ ${aliases(31, "lifecycleTransitions { transition }")} }`),
    expect: invalidQuery(/Aliases limit of 30 exceeded, found 31/),
  },
  {
    name: "40 aliases of __typename (counted like any other alias)",
    call: gql(`{ ${aliases(40, "__typename")} }`),
    expect: invalidQuery(/Aliases limit of 30 exceeded, found 40/),
  },
  {
    name: "60 directives",
    call: gql(`{ ${aliases(60, "__typename @skip(if: false)")} }`),
    expect: invalidQuery(/Directives limit of 50 exceeded, found 60/),
  },
  {
    name: "unknown directive",
    call: gql(`{ __typename @evil(payload: "x") }`),
    expect: invalidQuery(/Unknown directive "@evil"/),
  },
  {
    name: "2 500 tokens",
    call: gql(`{ ${"__typename ".repeat(2500)} }`),
    expect: parseFailed(/Document contains more th\w+ 2000 tokens/),
  },
  {
    name: "2 500 tokens of invalid syntax",
    call: gql(`{ ${"(".repeat(2500)} }`),
    expect: parseFailed(/Syntax Error/),
  },
  {
    name: "a 500 KB comment",
    call: gql(`# ${"x".repeat(500_000)}\n{ __typename }`),
    expect: answered((data) => expect(data).toEqual({ __typename: "Query" })),
  },
  {
    name: "a 500 KB string literal",
    call: gql(`{ tenant(slug: "${"s".repeat(500_000)}") { id } }`),
    expect: nullField("tenant"),
  },
  {
    name: "cost-heavy nested connections",
    call: gql(`{ tenants(first: 100) { edges { node { operationRuns(first: 100) { edges { node {
      tenant { auditEvents(first: 100) { edges { node { id } } } } } } } } } } }`),
    expect: tooComplex(/Query cost \d+ exceeds the limit of 50000/),
  },
  {
    name: "fragment cycle",
    call: gql(`query Cycle { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`),
    expect: invalidQuery(/Cannot spread fragment "A" within itself/),
  },
  { name: "tenants(first: 0)", call: gql(Q.tenants, { first: 0 }), expect: badFirst(["tenants"]) },
  { name: "tenants(first: -1)", call: gql(Q.tenants, { first: -1 }), expect: badFirst(["tenants"]) },
  { name: "tenants(first: 101)", call: gql(Q.tenants, { first: 101 }), expect: badFirst(["tenants"]) },
  {
    name: "tenants(first: 2^31) literal",
    call: gql(`{ tenants(first: 2147483648) { totalCount } }`),
    expect: invalidQuery(/Int cannot represent non 32-bit signed integer value: 2147483648/),
  },
  {
    name: "tenants(first: 1e10) variable",
    call: gql(Q.tenants, { first: 1e10 }),
    expect: badInput(/Int cannot represent non 32-bit signed integer value: 10000000000/),
  },
  {
    name: 'tenants(first: "10") variable',
    call: gql(Q.tenants, { first: "10" }),
    expect: badInput(/Int cannot represent non-integer value: "10"/),
  },
  {
    name: "tenants(first: 1.5) variable",
    call: gql(Q.tenants, { first: 1.5 }),
    expect: badInput(/Int cannot represent non-integer value: 1.5/),
  },
  { name: "operationRuns(first: 0)", call: gql(Q.runs, { first: 0 }), expect: badFirst(["operationRuns"]) },
  { name: "auditEvents(first: 101)", call: gql(Q.audit, { first: 101 }), expect: badFirst(["auditEvents"]) },
  {
    name: "nested Tenant.operationRuns(first: 101)",
    call: () => gql(Q.tenantRuns, { id: fx.active.id, first: 101 })(),
    expect: badFirst(["tenant", "operationRuns"]),
  },
  {
    name: "nested Tenant.auditEvents(first: -1)",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, first: -1 })(),
    expect: badFirst(["tenant", "auditEvents"]),
  },
  {
    name: "nested lifecycle.history(first: 0)",
    call: () => gql(Q.tenantHistory, { id: fx.active.id, first: 0 })(),
    expect: badFirst(["tenant", "lifecycle", "history"]),
  },
];

const cursorCases: HostileCase[] = [
  { name: "garbage cursor", call: gql(Q.tenants, { after: "!!!not-base64!!!" }), expect: badCursor(["tenants"]) },
  { name: "one-character cursor", call: gql(Q.tenants, { after: "a" }), expect: badCursor(["tenants"]) },
  { name: "10 KB cursor", call: gql(Q.tenants, { after: "QUFB".repeat(2500) }), expect: badCursor(["tenants"]) },
  {
    name: "cursor of valid base64 but not JSON",
    call: gql(Q.tenants, { after: Buffer.from("hello").toString("base64url") }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor of JSON with the wrong shape",
    call: gql(Q.tenants, { after: base64url({ id: MISSING_ID }) }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with numbers instead of strings",
    call: gql(Q.tenants, { after: base64url([1, 2]) }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with a non-UUID id",
    call: gql(Q.tenants, { after: cursorOf("2024-01-01T00:00:00.000Z", "'; DROP") }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with a timestamp PostgreSQL cannot hold",
    call: gql(Q.tenants, { after: cursorOf("-271821-04-20T00:00:00.000Z", MISSING_ID) }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with a six-digit year",
    call: gql(Q.runs, { after: cursorOf("+275760-09-13T00:00:00.000Z", MISSING_ID) }),
    expect: badCursor(["operationRuns"]),
  },
  {
    name: "auditEvents cursor with a timestamp PostgreSQL cannot hold",
    call: gql(Q.audit, { after: cursorOf("-000001-01-01T00:00:00.000Z", MISSING_ID) }),
    expect: badCursor(["auditEvents"]),
  },
  {
    name: "nested Tenant.operationRuns cursor with an impossible timestamp",
    call: () => gql(Q.tenantRuns, { id: fx.active.id, after: cursorOf("-271821-04-20T00:00:00.000Z", fx.active.id) })(),
    expect: badCursor(["tenant", "operationRuns"]),
  },
  {
    name: "Tenant.auditEvents cursor (a sequence) given to tenants",
    call: () => gql(Q.tenants, { after: fx.cursors.tenantAudit })(),
    expect: badCursor(["tenants"]),
  },
  {
    name: "tenants cursor given to Tenant.auditEvents",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: fx.cursors.tenants })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "another tenant's audit cursor",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: fx.cursors.otherTenantAudit })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "Tenant.auditEvents cursor with sequence 1e300",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: cursorOf("1e300", fx.active.id) })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "Tenant.auditEvents cursor with sequence 2^40",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: cursorOf(String(2 ** 40), fx.active.id) })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "lifecycle.history cursor with a negative sequence",
    call: () => gql(Q.tenantHistory, { id: fx.active.id, after: cursorOf("-99999999999", fx.active.id) })(),
    expect: badCursor(["tenant", "lifecycle", "history"]),
  },
  {
    name: "empty cursor means the first page",
    call: gql(Q.tenants, { first: 1, after: "" }),
    expect: answered((data) => expect(field(data, "tenants", "totalCount")).toBeGreaterThan(0)),
  },
  {
    // Timestamp cursors carry no type, so another list's cursor is a well-formed position here:
    // a page or a clear refusal are both acceptable, anything else is not.
    name: "operationRuns cursor given to auditEvents (both timestamp cursors)",
    call: () => gql(Q.audit, { after: fx.cursors.runs })(),
    expect: (reply) =>
      reply.errors.length > 0
        ? badCursor(["auditEvents"])(reply)
        : answered((data) => expect(field(data, "auditEvents", "totalCount")).toBeGreaterThan(0))(reply),
  },
];

const probe = (caller: Caller) => gql(Q.probe, { id: MISSING_ID }, { as: caller });
const probeWith = (token: () => Promise<string>) => withToken(Q.probe, { id: MISSING_ID }, token);
const operatorClaims = { sub: "hostile-operator", scope: "platform:operator" };

const tokenCases: HostileCase[] = [
  {
    name: "garbage bearer token",
    call: probe({ token: "garbage-token-zq9x" }),
    expect: unauthenticated(/^Token is invalid$/),
  },
  {
    name: "Bearer with nothing after it",
    call: probe({ authorization: "Bearer" }),
    expect: unauthenticated(/Authorization must be a Bearer token/),
  },
  {
    name: "Basic scheme",
    call: probe({ authorization: `Basic ${Buffer.from("operator:hunter2-zq9").toString("base64")}` }),
    expect: unauthenticated(/Authorization must be a Bearer token/),
  },
  {
    name: "two bearer tokens in one header",
    call: probe({ authorization: "Bearer first-token-zq9 second-token-zq9" }),
    expect: unauthenticated(/Authorization must be a Bearer token/),
  },
  {
    name: "a 10 KB token",
    call: probe({ token: "t".repeat(10_000) }),
    expect: unauthenticated(/Token is too large/),
  },
  {
    name: "a 100 KB token (header overflow)",
    call: probe({ token: "T".repeat(100_000) }),
    expect: badRequest(431, /Request Header Fields Too Large/),
  },
  {
    name: "alg: none, unsigned",
    call: probeWith(async () => unsigned(operatorClaims)),
    expect: unauthenticated(/^Token (algorithm is not accepted|is invalid)$/),
  },
  {
    name: "HS512 with the right secret (algorithm not accepted)",
    call: probeWith(() => signed(operatorClaims, { alg: "HS512" })),
    expect: unauthenticated(/^Token algorithm is not accepted$/),
  },
  {
    name: "signed with the wrong secret",
    call: probeWith(() => signed(operatorClaims, { secret: "an-entirely-different-secret-0123456789abcdef" })),
    expect: unauthenticated(/^Token signature is invalid$/),
  },
  {
    name: "payload swapped under a valid signature",
    call: probeWith(async () => {
      const [header, , signature] = (await tokenFor(personas.supportRead)).split(".");
      return `${header}.${base64url({ ...operatorClaims, exp: nowSeconds() + 3600 })}.${signature}`;
    }),
    expect: unauthenticated(/^Token signature is invalid$/),
  },
  {
    name: "expired token",
    call: probeWith(() => signed({ ...operatorClaims, exp: nowSeconds() - 60 })),
    expect: unauthenticated(/^Token has expired$/),
  },
  {
    name: "not valid before an hour from now",
    call: probeWith(() => signed({ ...operatorClaims, nbf: nowSeconds() + 3600 })),
    expect: unauthenticated(/^Token claim "nbf" is not accepted$/),
  },
  {
    name: "exp that is not a number",
    call: probeWith(() => signed({ ...operatorClaims, exp: "tomorrow" })),
    expect: unauthenticated(/^Token (claim "exp" is not accepted|is invalid)$/),
  },
  {
    name: "no sub",
    call: probeWith(() => signed({ scope: "platform:operator" })),
    expect: unauthenticated(/Token has no valid "sub" claim/),
  },
  {
    name: "sub of 300 characters",
    call: probeWith(() => signed({ ...operatorClaims, sub: "s".repeat(300) })),
    expect: unauthenticated(/Token has no valid "sub" claim/),
  },
  {
    name: "sub with NUL, on a mutation",
    call: () =>
      withToken(Q.update, { input: { tenantId: fx.active.id, name: "Renamed by NUL" } }, () =>
        signed({ ...operatorClaims, sub: "operator\u0000x" }),
      )(),
    expect: unauthenticated(/Token has no valid "sub" claim/, ["updateTenant"]),
  },
  {
    name: "scope as an array",
    call: probeWith(() => signed({ ...operatorClaims, scope: ["platform:operator"] })),
    expect: unauthenticated(/Token claim "scope" must be a space-separated string/),
  },
  {
    name: "scope as a number",
    call: probeWith(() => signed({ ...operatorClaims, scope: 7 })),
    expect: unauthenticated(/Token claim "scope" must be a space-separated string/),
  },
  {
    name: "tenant_id that is not a UUID",
    call: probeWith(() => signed({ sub: "t", scope: "tenant:admin", tenant_id: "1 OR 1=1" })),
    expect: unauthenticated(/Token claim "tenant_id" must be a UUID/),
  },
  {
    name: "token header that is not JSON",
    call: probe({ token: `${Buffer.from("{{{").toString("base64url")}.${base64url(operatorClaims)}.c2ln` }),
    expect: unauthenticated(/^Token is invalid$/),
  },
  {
    name: "tenant scope without tenant_id sees no tenant",
    call: () => withToken(Q.tenantById, { id: fx.active.id }, () => signed({ sub: "t", scope: "tenant:admin" }))(),
    expect: nullField("tenant"),
  },
  {
    name: "tenant scope without tenant_id cannot list tenants",
    call: withToken(Q.tenants, {}, () => signed({ sub: "t", scope: "tenant:admin" })),
    expect: fieldError("FORBIDDEN", { path: ["tenants"] }),
  },
  {
    name: "no token on a mutation",
    call: () => gql(Q.update, { input: { tenantId: fx.active.id, name: "x" } }, { as: "anonymous" })(),
    expect: unauthenticated(/Authentication required/, ["updateTenant"]),
  },
  {
    name: "_service answers whatever the token",
    call: gql(`{ _service { sdl } }`, undefined, { as: { token: "garbage-for-service-zq9" } }),
    expect: answered((data) => expect(field(data, "_service", "sdl")).toContain("type Tenant")),
  },
  {
    name: "strict server: valid issuer, audience and router secret",
    call: () =>
      gql(
        Q.probe,
        { id: MISSING_ID },
        {
          target: "strict",
          as: { token: fx.tokens.strictOperator },
          headers: { "x-router-secret": ROUTER_SECRET },
        },
      )(),
    expect: nullField("tenant"),
  },
  {
    name: "strict server: wrong audience",
    call: async () =>
      gql(
        Q.probe,
        { id: MISSING_ID },
        {
          target: "strict",
          as: { token: await signed({ ...operatorClaims, iss: STRICT_ISSUER, aud: "someone-else" }) },
          headers: { "x-router-secret": ROUTER_SECRET },
        },
      )(),
    expect: unauthenticated(/^Token claim "aud" is not accepted$/),
  },
  {
    name: "strict server: wrong issuer",
    call: async () =>
      gql(
        Q.probe,
        { id: MISSING_ID },
        {
          target: "strict",
          as: { token: await signed({ ...operatorClaims, iss: "https://evil.test", aud: STRICT_AUDIENCE }) },
          headers: { "x-router-secret": ROUTER_SECRET },
        },
      )(),
    expect: unauthenticated(/^Token claim "iss" is not accepted$/),
  },
  {
    name: "strict server: no audience at all",
    call: async () =>
      gql(
        Q.probe,
        { id: MISSING_ID },
        {
          target: "strict",
          as: { token: await signed({ ...operatorClaims, iss: STRICT_ISSUER }) },
          headers: { "x-router-secret": ROUTER_SECRET },
        },
      )(),
    expect: unauthenticated(/^Token claim "aud" is not accepted$/),
  },
  {
    name: "strict server: no router secret",
    call: () => gql(Q.probe, { id: MISSING_ID }, { target: "strict", as: { token: fx.tokens.strictOperator } })(),
    expect: refused(401, "UNAUTHENTICATED", /only answers its router/),
  },
  {
    name: "strict server: wrong router secret",
    call: () =>
      gql(
        Q.probe,
        { id: MISSING_ID },
        {
          target: "strict",
          as: { token: fx.tokens.strictOperator },
          headers: { "x-router-secret": `${ROUTER_SECRET}x` },
        },
      )(),
    expect: refused(401, "UNAUTHENTICATED", /only answers its router/),
  },
];

const headerCases: HostileCase[] = [
  {
    name: "X-Operator-Override from a tenant admin",
    call: () => gql(Q.viewer, undefined, { as: "admin", headers: { "x-operator-override": fx.active.id } })(),
    expect: fieldError("FORBIDDEN", { path: ["viewerTenant"], message: /only accepted from platform readers/ }),
  },
  {
    name: "X-Operator-Override from a tenant member",
    call: () =>
      gql(Q.tenantById, { id: fx.active.id }, { as: "member", headers: { "x-operator-override": fx.other.id } })(),
    expect: fieldError("FORBIDDEN", { path: ["tenant"] }),
  },
  {
    name: "X-Operator-Override without a token",
    call: () => gql(Q.viewer, undefined, { as: "anonymous", headers: { "x-operator-override": fx.active.id } })(),
    expect: unauthenticated(/Authentication required/, ["viewerTenant"]),
  },
  {
    name: "garbage X-Operator-Override from an operator",
    call: gql(`{ viewerTenant { id } operationRuns { totalCount } }`, undefined, {
      headers: { "x-operator-override": "'; DROP TABLE tenants; --" },
    }),
    expect: answered((data) => expect(data).toEqual({ viewerTenant: null, operationRuns: { totalCount: 0 } })),
  },
  {
    name: "8 KB X-Operator-Override from an operator",
    call: gql(Q.viewer, undefined, { headers: { "x-operator-override": "o".repeat(8192) } }),
    expect: nullField("viewerTenant"),
  },
  {
    name: "X-Operator-Override (uppercase UUID) with a mutation is read-only",
    call: () =>
      gql(
        Q.update,
        { input: { tenantId: fx.active.id, name: "x" } },
        {
          headers: { "x-operator-override": fx.active.id.toUpperCase() },
        },
      )(),
    expect: (reply) => {
      fieldError("FORBIDDEN", { path: ["updateTenant"] })(reply);
      expect(reply.errors[0]?.extensions?.["reason"]).toBe("OPERATOR_OVERRIDE_READ_ONLY");
    },
  },
  {
    name: "X-Operator-Override with the tenants list",
    call: () => gql(Q.tenants, {}, { headers: { "x-operator-override": fx.active.id } })(),
    expect: fieldError("FORBIDDEN", { path: ["tenants"] }),
  },
  {
    name: "garbage X-Tenant-Context",
    call: gql(`{ operationRuns { totalCount } auditEvents { totalCount } }`, undefined, {
      headers: { "x-tenant-context": "../../etc/passwd" },
    }),
    expect: answered((data) =>
      expect(data).toEqual({ operationRuns: { totalCount: 0 }, auditEvents: { totalCount: 0 } }),
    ),
  },
  {
    name: "8 KB X-Tenant-Context",
    call: gql(Q.runs, {}, { headers: { "x-tenant-context": "c".repeat(8192) } }),
    expect: emptyConnection("operationRuns"),
  },
  {
    name: "garbage X-Tenant-Context from a tenant admin is ignored",
    call: () => gql(Q.tenantById, { id: fx.active.id }, { as: "admin", headers: { "x-tenant-context": "%%%" } })(),
    expect: answered((data) => expect(field(data, "tenant", "id")).toBe(fx.active.id)),
  },
  {
    name: "X-Request-Id with spaces is replaced",
    call: gql(`{ __typename }`, undefined, { headers: { "x-request-id": "bad id; DROP" } }),
    expect: (reply) => {
      answered()(reply);
      expect(reply.header("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    },
  },
  {
    name: "X-Request-Id of 1 KB is replaced",
    call: gql(`{ __typename }`, undefined, { headers: { "x-request-id": "r".repeat(1024) } }),
    expect: (reply) => {
      answered()(reply);
      expect(reply.header("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    },
  },
];

const corpus = {
  "request bodies and content types": bodyAndTransportCases,
  "GET requests and CSRF prevention": getCases,
  "methods, paths and raw HTTP": methodAndPathCases,
  "variables of the wrong type": variableCases,
  "ids that are not ids": idCases,
  "_entities representations": entityCases,
  "hostile strings": stringCases,
  "query shape and page size limits": shapeCases,
  cursors: cursorCases,
  tokens: tokenCases,
  "override, context and request-id headers": headerCases,
};

describe("hostile input corpus", () => {
  it("holds at least 120 cases", () => {
    expect(Object.values(corpus).flat().length).toBeGreaterThanOrEqual(120);
  });
  for (const [section, cases] of Object.entries(corpus)) describe(section, () => runCases(cases));
});

describe("after the corpus", () => {
  it("still answers a normal authenticated query correctly, masked for the tenant's admin", async () => {
    const asOperator = await fx.main.request<{ tenant: { id: string; slug: string; status: string } }>(
      `query Normal($id: ID) { tenant(id: $id) { id slug status lifecycle { statusReason version } } }`,
      { id: fx.active.id },
      { token: fx.tokens.operator },
    );
    expect(asOperator.status).toBe(200);
    expect(asOperator.body.errors).toBeUndefined();
    expect(asOperator.body.data?.tenant).toMatchObject({
      id: fx.active.id,
      slug: fx.active.slug,
      status: "ACTIVE",
      lifecycle: { statusReason: SECRET_REASON },
    });
    const asAdmin = await fx.main.request(
      `query Normal($id: ID) { tenant(id: $id) { id lifecycle { statusReason } } }`,
      { id: fx.active.id },
      { token: fx.tokens.admin },
    );
    expect(asAdmin.body).toEqual({ data: { tenant: { id: fx.active.id, lifecycle: { statusReason: null } } } });
  });

  it("changed nothing: the fixture tenant's version and audit chain are intact", async () => {
    const data = await fx.main.data<{
      tenant: { name: string; lifecycle: { version: number } };
      auditChain: { valid: boolean };
    }>(
      `query Intact($id: ID!) { tenant(id: $id) { name lifecycle { version } } auditChain(tenantId: $id) { valid } }`,
      { id: fx.active.id },
      { token: fx.tokens.operator },
    );
    expect(data.tenant).toEqual({ name: "Fixture", lifecycle: { version: 3 } });
    expect(data.auditChain.valid).toBe(true);
  });

  it("is ready on both servers", async () => {
    for (const server of [fx.main, fx.strict]) {
      const response = await fetch(server.url.replace(/\/graphql$/, "/readyz"));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ready" });
    }
  });

  it("logged no token, no internal note and no unexpected error", () => {
    const logs = [...fx.main.logs, ...fx.strict.logs].join("");
    expect(sentTokens.size).toBeGreaterThan(20);
    for (const token of sentTokens) {
      if (token.length < 8) continue;
      expect(logs.includes(token), `token ${token.slice(0, 40)}… is in the logs`).toBe(false);
      const signature = token.split(".")[2];
      if (signature && signature.length >= 16) expect(logs.includes(signature)).toBe(false);
    }
    expect(logs).not.toContain(SECRET_REASON);
    const lines = logs
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } });
    const failures = lines.filter((line) => line.level >= 50).map((line) => `${line.msg}: ${line.err?.message}`);
    expect(failures).toEqual([]);
  });
});
