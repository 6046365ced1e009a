// Hostile input, part 1 of 6 (test/support/hostile-cases.ts runs the cases): request bodies and
// content types, GET requests and CSRF prevention, methods, paths and raw HTTP. Every case must be
// answered with a 4xx or a well-formed GraphQL response: never a 5xx, never an
// INTERNAL_SERVER_ERROR, never a stack trace, SQL or an internal note in what comes back.
import { afterAll, beforeAll, describe, expect } from "vitest";
import { uniqueSlug } from "../../support/fixtures.ts";
import {
  answered,
  badRequest,
  CSRF,
  invalidQuery,
  MB,
  methodNotAllowed,
  MISSING_ID,
  NO_BODY,
  notFoundPath,
  parseFailed,
  postJson,
  Q,
  refused,
  REQUEST_ERROR,
  userError,
  hostileHarness,
  type HostileCase,
} from "../../support/hostile-cases.ts";

const h = hostileHarness();
const { gql, getQuery } = h;

beforeAll(async () => {
  const { active } = await h.start();
  await h.seal({ tenants: [active.id] });
});

afterAll(async () => {
  await h.close();
});

// ------------------------------------------------------------------ the cases

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
  // RFC 8259 lets a parser ignore a leading byte order mark; this body was refused (issue 22).
  {
    name: "JSON body starting with a UTF-8 byte order mark",
    call: () => ({
      ...postJson(""),
      body: new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('{"query":"{ __typename }"}', "utf8")]),
    }),
    expect: answered((data) => expect(data).toEqual({ __typename: "Query" })),
  },
  {
    name: "a byte order mark and nothing else",
    call: () => ({ ...postJson(""), body: new Uint8Array([0xef, 0xbb, 0xbf]) }),
    expect: badRequest(400, /Request body is empty/),
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
  {
    // A preflight is answered; with no CORS_ORIGINS configured, without any CORS header.
    name: "OPTIONS /graphql",
    call: () => ({
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    }),
    expect: (reply) => {
      expect(reply.status).toBe(204);
      expect(reply.header("allow")).toBe("GET, POST, OPTIONS");
      expect(reply.header("access-control-allow-origin")).toBeNull();
    },
  },
  {
    name: "HEAD /graphql",
    call: () => ({ method: "HEAD" }),
    expect: (reply) => {
      expect(reply.status).toBe(405);
      expect(reply.header("allow")).toBe("GET, POST, OPTIONS");
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

describe("hostile input corpus", () => {
  describe("request bodies and content types", () => h.runCases(bodyAndTransportCases));
  describe("GET requests and CSRF prevention", () => h.runCases(getCases));
  describe("methods, paths and raw HTTP", () => h.runCases(methodAndPathCases));
});

h.describeAfterTheCorpus();
