// docs/design.md §4 and §6, as a property: whatever text enters — astral, combining, right-to-left,
// NUL, unpaired surrogates — in every text input and in the token's subject, each write is
// either refused (INVALID_INPUT, or UNAUTHENTICATED for a subject) or stored exactly as given,
// and every audit chain still verifies afterwards (the hash covers what PostgreSQL stores).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, queuedRun, type TenantFixture } from "../support/fixtures.ts";
import { AUDIT_CHAIN } from "../support/operations.ts";
import { personas, type Persona } from "../support/personas.ts";
import { startTestServer, type GraphQLResponseBody, type TestServer } from "../support/test-server.ts";

const RUNS = Number(process.env["AUDIT_PROPERTY_RUNS"] ?? 150);

let server: TestServer;
let tenants: TenantFixture[];
const runIds = new Map<string, string>();

beforeAll(async () => {
  server = await startTestServer();
  tenants = [];
  for (let index = 0; index < 3; index += 1) {
    const tenant = await activeTenant(server);
    tenants.push(tenant);
    runIds.set(tenant.id, await queuedRun(server, tenant.id));
  }
});
afterAll(async () => {
  await server?.close();
});

/** Hostile text: any UTF-16 code units (lone surrogates included), graphemes, and known troublemakers. */
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "nul\u0000inside",
    "\u202Eevil\u202C",
    "e\u0301\u0327",
    "👩‍👩‍👧‍👦",
    "trailing high \ud83d",
    "\udc00 leading low",
    "\ud800\ud800",
    "ok \ud83d\ude00 pair",
    " padded ",
    "tab\tand\nnewline",
    "\u007f",
    "x".repeat(201),
  ),
);

type Write =
  | { kind: "rename"; tenant: number; name: string; key: string | null; sub: string | null }
  | { kind: "suspend"; tenant: number; reason: string; statusMessage: string; key: string | null; sub: string | null }
  | { kind: "startRun"; tenant: number; summary: string; key: string | null; sub: string | null }
  | {
      kind: "updateRun";
      tenant: number;
      summary: string;
      failureReason: string;
      key: string | null;
      sub: string | null;
    };

const maybe = (arbitrary: fc.Arbitrary<string>) => fc.option(arbitrary, { nil: null, freq: 3 });
const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({
    kind: fc.constant("rename" as const),
    tenant: fc.nat(2),
    name: text,
    key: maybe(text),
    sub: maybe(text),
  }),
  fc.record({
    kind: fc.constant("suspend" as const),
    tenant: fc.nat(2),
    reason: text,
    statusMessage: text,
    key: maybe(text),
    sub: maybe(text),
  }),
  fc.record({
    kind: fc.constant("startRun" as const),
    tenant: fc.nat(2),
    summary: text,
    key: maybe(text),
    sub: maybe(text),
  }),
  fc.record({
    kind: fc.constant("updateRun" as const),
    tenant: fc.nat(2),
    summary: text,
    failureReason: text,
    key: maybe(text),
    sub: maybe(text),
  }),
);

function request(item: Write): { document: string; input: Record<string, unknown>; field: string; as: Persona } {
  const tenantId = (tenants[item.tenant] as TenantFixture).id;
  const key = item.key === null ? {} : { idempotencyKey: item.key };
  const operator = (base: Persona): Persona => (item.sub === null ? base : { ...base, sub: item.sub });
  switch (item.kind) {
    case "rename":
      return {
        field: "updateTenant",
        document: `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { tenant { name } userErrors { code } } }`,
        input: { tenantId, name: item.name, ...key },
        as: operator(personas.operator),
      };
    case "suspend":
      return {
        field: "transitionTenant",
        document: `mutation($input: TransitionTenantInput!) { transitionTenant(input: $input) { tenant { id } userErrors { code } } }`,
        input: { tenantId, transition: "SUSPEND", reason: item.reason, statusMessage: item.statusMessage, ...key },
        as: operator(personas.operator),
      };
    case "startRun":
      return {
        field: "startOperationRun",
        document: `mutation($input: StartOperationRunInput!) { startOperationRun(input: $input) { operationRun { summary } userErrors { code } } }`,
        input: { tenantId, kind: "MAINTENANCE", summary: item.summary, ...key },
        as: operator(personas.operator),
      };
    case "updateRun":
      return {
        field: "updateOperationRun",
        document: `mutation($input: UpdateOperationRunInput!) { updateOperationRun(input: $input) { operationRun { summary } userErrors { code } } }`,
        input: { id: runIds.get(tenantId), summary: item.summary, failureReason: item.failureReason, ...key },
        as: operator(personas.worker),
      };
  }
}

/** The one refusal a write of bad text may get, besides the lifecycle's own (a SUSPEND of a suspended tenant). */
const ACCEPTABLE_USER_ERRORS = new Set([
  "INVALID_INPUT",
  "REASON_REQUIRED",
  "INVALID_TRANSITION",
  "IDEMPOTENCY_KEY_REUSED",
  "PRECONDITION_FAILED",
]);

describe("the audit chain under arbitrary Unicode", () => {
  it(`stays valid after ${RUNS} writes of hostile text, each refused or stored exactly`, async () => {
    const tally = { stored: 0, invalidInput: 0, unauthenticated: 0 };
    await fc.assert(
      fc.asyncProperty(write, async (item) => {
        const { document, input, field, as } = request(item);
        const { status, body } = await server.request(document, { input }, { as });
        const context = JSON.stringify({ item, body }).slice(0, 1_500);
        expect(status, context).toBeLessThan(500);
        const topCodes = (body as GraphQLResponseBody).errors?.map((error) => error.extensions?.["code"]) ?? [];
        expect(topCodes, context).not.toContain("INTERNAL_SERVER_ERROR");
        if (topCodes.length > 0) {
          expect(topCodes, context).toEqual(["UNAUTHENTICATED"]);
          tally.unauthenticated += 1;
          return;
        }
        const payload = (body.data as Record<string, { userErrors: { code: string }[]; tenant?: { name: string } }>)[
          field
        ] as { userErrors: { code: string }[]; tenant?: { name: string } | null };
        const errors = payload.userErrors.map((error) => error.code);
        expect(
          errors.every((code) => ACCEPTABLE_USER_ERRORS.has(code)),
          context,
        ).toBe(true);
        if (errors.includes("INVALID_INPUT")) tally.invalidInput += 1;
        if (errors.length === 0) {
          tally.stored += 1;
          // Stored exactly as given (names are trimmed by rule).
          if (item.kind === "rename") expect(payload.tenant?.name, context).toBe(item.name.trim());
        }
        // SUSPEND/REACTIVATE alternate so later suspensions can land.
        if (item.kind === "suspend" && errors.length === 0) {
          await server.data(
            `mutation($id: ID!) { transitionTenant(input: { tenantId: $id, transition: REACTIVATE }) { userErrors { code } } }`,
            { id: (input as { tenantId: string }).tenantId },
            { as: personas.operator },
          );
        }
      }),
      { numRuns: RUNS },
    );
    console.info(
      `[audit-property] ${RUNS} writes: ${tally.stored} stored, ${tally.invalidInput} refused as INVALID_INPUT, ` +
        `${tally.unauthenticated} refused as UNAUTHENTICATED`,
    );
    expect(tally.stored).toBeGreaterThan(0);
    expect(tally.invalidInput).toBeGreaterThan(0);
    for (const tenant of tenants) {
      const { auditChain } = await server.data<{ auditChain: { valid: boolean; eventCount: number } }>(
        AUDIT_CHAIN,
        { tenantId: tenant.id },
        { as: personas.operator },
      );
      expect(auditChain).toMatchObject({ valid: true });
      expect(auditChain.eventCount).toBeGreaterThan(5);
    }
  }, 240_000);
});
