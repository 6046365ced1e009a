// Hostile input, part 4 of 6 (test/support/hostile-cases.ts runs the cases): hostile strings — NUL,
// control characters, lone surrogates, emoji, RTL and zero-width characters, SQL- and
// regex-looking text, 1 MB values — in every text input and in the LIKE-backed filters.
import { afterAll, beforeAll, describe, expect } from "vitest";
import { uniqueSlug, queuedRun, type TenantFixture } from "../../support/fixtures.ts";
import {
  answered,
  badFilter,
  emptyConnection,
  field,
  MB,
  postJson,
  Q,
  userError,
  hostileHarness,
  type HostileCase,
} from "../../support/hostile-cases.ts";

const h = hostileHarness();
const { gql, authorizationFor } = h;

interface Fixture {
  active: TenantFixture;
  runId: string;
}

let fx: Fixture;

beforeAll(async () => {
  const { active } = await h.start();
  const runId = await queuedRun(h.main, active.id);
  fx = { active, runId };
  await h.seal({ tenants: [active.id], runs: [runId] });
});

afterAll(async () => {
  await h.close();
});

// ------------------------------------------------------------------ the cases

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

describe("hostile input corpus", () => {
  describe("hostile strings", () => h.runCases(stringCases));
});

h.describeAfterTheCorpus();
