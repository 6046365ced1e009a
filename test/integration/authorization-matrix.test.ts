// Every persona × every root field → the outcome class docs/design.md §3 prescribes, over HTTP.
// The table below is the only list of fields: a root field without a row fails the first test.
// Mixed-scope personas — every platform scope on a token that also carries tenant:admin or
// tenant:member and a tenant_id, for the scenario's tenant and for another — must behave exactly
// as the plain tenant user they are: platform scopes on a tenant-scoped token grant nothing.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getNamedType, valueFromASTUntyped, type DirectiveNode, type ValueNode } from "graphql";
import { apiSchemaOf } from "../../src/federation/schema-check.ts";
import { buildSubgraphSchema, printSubgraphSdl } from "../../src/schema/index.ts";
import { effectiveScopes } from "../../src/domain/capabilities.ts";
import { activeTenant, onboardingTenant, queuedRun, uniqueSlug, type TenantFixture } from "../support/fixtures.ts";
import { personas, tenantAdmin, tenantMember, tokenFor, type Persona } from "../support/personas.ts";
import { startTestServer, type GraphQLResponseBody, type TestServer } from "../support/test-server.ts";

type Outcome = "data" | "null" | "NOT_FOUND" | "FORBIDDEN" | "UNAUTHENTICATED";
const BASE_PERSONAS = [
  "operator",
  "supportRead",
  "supportAll",
  "supportLifecycle",
  "worker",
  "tenantAdmin",
  "tenantMember",
  "otherTenantAdmin",
  "noToken",
  "badToken",
] as const;
type BasePersona = (typeof BASE_PERSONAS)[number];

const PLATFORM_SCOPES = ["platform:operator", "support:read", "support:lifecycle", "support:*", "operations:write"];
const TENANT_ROLES = ["tenant:admin", "tenant:member"] as const;
interface MixedPersona {
  name: string;
  role: (typeof TENANT_ROLES)[number];
  platformScope: string;
  /** Whose tenant_id the token carries. */
  of: "own" | "foreign";
}
const MIXED_PERSONAS: MixedPersona[] = PLATFORM_SCOPES.flatMap((platformScope) =>
  TENANT_ROLES.flatMap((role) =>
    (["own", "foreign"] as const).map((of) => ({ name: `${role} ${platformScope} (${of})`, role, platformScope, of })),
  ),
);
type PersonaName = BasePersona | string;
const PERSONAS: PersonaName[] = [...BASE_PERSONAS, ...MIXED_PERSONAS.map((persona) => persona.name)];

interface Scenario {
  /** The tenant the tenant-scoped personas belong to (and the target of the request). */
  tenant: TenantFixture;
  /** Another tenant, whose admin is `otherTenantAdmin`. */
  other: TenantFixture;
  runId: string;
}

interface FieldRow {
  kind: "query" | "mutation";
  /** Builds a fresh scenario for each cell (mutations change state); queries share one. */
  scenario?: (server: TestServer, shared: Scenario) => Promise<Scenario>;
  document: string;
  variables: (scenario: Scenario) => Record<string, unknown>;
  expected: Record<BasePersona, Outcome>;
}

/** A mixed persona decides as the plain tenant user it is, of its own tenant or of another. */
function mixedExpectation(fieldRow: FieldRow, persona: MixedPersona): Outcome {
  const { expected } = fieldRow;
  if (persona.of === "own") return persona.role === "tenant:admin" ? expected.tenantAdmin : expected.tenantMember;
  if (persona.role === "tenant:admin") return expected.otherTenantAdmin;
  // A foreign member: refused what a member is refused; otherwise absent where a foreign admin finds nothing.
  return expected.tenantMember === "FORBIDDEN" ? "FORBIDDEN" : expected.otherTenantAdmin;
}

function expectedFor(fieldRow: FieldRow): Record<PersonaName, Outcome> {
  return {
    ...fieldRow.expected,
    ...Object.fromEntries(MIXED_PERSONAS.map((persona) => [persona.name, mixedExpectation(fieldRow, persona)])),
  };
}

/** Outcome rows, written out from docs/design.md §3's capability table and failure semantics. */
const row = (
  platform: [operator: Outcome, supportRead: Outcome, supportAll: Outcome, supportLifecycle: Outcome, worker: Outcome],
  tenant: [admin: Outcome, member: Outcome, otherAdmin: Outcome],
): Record<BasePersona, Outcome> => ({
  operator: platform[0],
  supportRead: platform[1],
  supportAll: platform[2],
  supportLifecycle: platform[3],
  worker: platform[4],
  tenantAdmin: tenant[0],
  tenantMember: tenant[1],
  otherTenantAdmin: tenant[2],
  noToken: "UNAUTHENTICATED",
  badToken: "UNAUTHENTICATED",
});

const onboardingScenario = async (server: TestServer, shared: Scenario): Promise<Scenario> => ({
  ...shared,
  tenant: await onboardingTenant(server),
});
const freshActiveScenario = async (server: TestServer, shared: Scenario): Promise<Scenario> => {
  const tenant = await activeTenant(server);
  return { ...shared, tenant, runId: await queuedRun(server, tenant.id) };
};

/** An endpoint id nobody created: what the endpoint mutations say about it is NOT_FOUND, or FORBIDDEN first. */
const UNKNOWN_ENDPOINT = "00000000-0000-4000-8000-00000000e0d0";

const FIELDS: Record<string, FieldRow> = {
  "Query.tenant": {
    kind: "query",
    document: `query($id: ID) { tenant(id: $id) { id } }`,
    variables: (s) => ({ id: s.tenant.id }),
    expected: row(["data", "data", "data", "data", "data"], ["data", "data", "null"]),
  },
  "Query.tenants": {
    kind: "query",
    document: `{ tenants(first: 5) { totalCount } }`,
    variables: () => ({}),
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Query.tenantStatusCounts": {
    kind: "query",
    document: `{ tenantStatusCounts { status count } }`,
    variables: () => ({}),
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Query.viewerTenant": {
    kind: "query",
    document: `{ viewerTenant { id } }`,
    variables: () => ({}),
    // Platform callers have no tenant of their own; the other admin gets their own tenant.
    expected: row(["null", "null", "null", "null", "null"], ["data", "data", "data"]),
  },
  "Query.operationRun": {
    kind: "query",
    document: `query($id: ID!) { operationRun(id: $id) { id } }`,
    variables: (s) => ({ id: s.runId }),
    expected: row(["data", "data", "data", "data", "data"], ["data", "data", "null"]),
  },
  "Query.operationRuns": {
    kind: "query",
    document: `query($tenantId: ID) { operationRuns(first: 5, filter: { tenantId: $tenantId }) { totalCount } }`,
    variables: (s) => ({ tenantId: s.tenant.id }),
    expected: row(["data", "data", "data", "data", "data"], ["data", "data", "data"]),
  },
  "Query.tenantEvents": {
    kind: "query",
    document: `query($tenantId: ID) { tenantEvents(first: 5, filter: { tenantId: $tenantId }) { edges { node { id data } } } }`,
    variables: (s) => ({ tenantId: s.tenant.id }),
    // A tenant's admin reads its own tenant's feed; another tenant's filter is, for them, an empty feed.
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["data", "FORBIDDEN", "data"]),
  },
  "Query.auditEvents": {
    kind: "query",
    document: `{ auditEvents(first: 5) { totalCount } }`,
    variables: () => ({}),
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Query.lifecycleTransitions": {
    kind: "query",
    document: `{ lifecycleTransitions { transition } }`,
    variables: () => ({}),
    expected: row(["data", "data", "data", "data", "data"], ["data", "data", "data"]),
  },
  "Query.auditChain": {
    kind: "query",
    document: `query($id: ID!) { auditChain(tenantId: $id) { valid } }`,
    variables: (s) => ({ id: s.tenant.id }),
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Query.auditPublicKey": {
    kind: "query",
    document: `{ auditPublicKey { keyId } }`,
    variables: () => ({}),
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Query._service": {
    kind: "query",
    document: `{ _service { sdl } }`,
    variables: () => ({}),
    expected: {
      ...row(["data", "data", "data", "data", "data"], ["data", "data", "data"]),
      noToken: "data",
      badToken: "data",
    },
  },
  "Query._entities": {
    kind: "query",
    document: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id } } }`,
    variables: (s) => ({ r: [{ __typename: "Tenant", id: s.tenant.id }] }),
    expected: row(["data", "data", "data", "data", "data"], ["data", "data", "null"]),
  },
  "Mutation.createTenant": {
    kind: "mutation",
    document: `mutation($slug: String!) { createTenant(input: { slug: $slug, name: "Matrix" }) { tenant { id } userErrors { code } } }`,
    variables: () => ({ slug: uniqueSlug("matrix") }),
    expected: row(
      ["data", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.updateTenant": {
    kind: "mutation",
    scenario: freshActiveScenario,
    document: `mutation($id: ID!) { updateTenant(input: { tenantId: $id, name: "Renamed by matrix" }) { tenant { id } userErrors { code } } }`,
    variables: (s) => ({ id: s.tenant.id }),
    expected: row(["data", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"], ["data", "FORBIDDEN", "NOT_FOUND"]),
  },
  "Mutation.transitionTenant": {
    kind: "mutation",
    scenario: freshActiveScenario,
    document: `mutation($id: ID!) { transitionTenant(input: { tenantId: $id, transition: SUSPEND, reason: "matrix" }) { tenant { id } userErrors { code } } }`,
    variables: (s) => ({ id: s.tenant.id }),
    expected: row(["data", "FORBIDDEN", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Mutation.completeOnboardingStep": {
    kind: "mutation",
    scenario: onboardingScenario,
    document: `mutation($id: ID!) { completeOnboardingStep(input: { tenantId: $id, step: PROFILE }) { onboarding { id } userErrors { code } } }`,
    variables: (s) => ({ id: s.tenant.id }),
    expected: row(["data", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"], ["data", "FORBIDDEN", "NOT_FOUND"]),
  },
  "Query.webhookEndpoints": {
    kind: "query",
    document: `{ webhookEndpoints(first: 5) { edges { node { id url } } } }`,
    variables: () => ({}),
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Query.webhookEndpoint": {
    kind: "query",
    document: `query($id: ID!) { webhookEndpoint(id: $id) { id } }`,
    variables: () => ({ id: UNKNOWN_ENDPOINT }),
    expected: row(["null", "null", "null", "null", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Query.platformAuditEvents": {
    kind: "query",
    document: `{ platformAuditEvents(first: 5) { edges { node { id action } } } }`,
    variables: () => ({}),
    expected: row(["data", "data", "data", "data", "FORBIDDEN"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
  "Mutation.createWebhookEndpoint": {
    kind: "mutation",
    document: `mutation { createWebhookEndpoint(input: { url: "https://hooks.example.com/matrix" }) { endpoint { id } userErrors { code } } }`,
    variables: () => ({}),
    expected: row(
      ["data", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.updateWebhookEndpoint": {
    kind: "mutation",
    document: `mutation($id: ID!) { updateWebhookEndpoint(input: { endpointId: $id, enabled: false }) { endpoint { id } userErrors { code } } }`,
    variables: () => ({ id: UNKNOWN_ENDPOINT }),
    expected: row(
      ["NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.rotateWebhookSecret": {
    kind: "mutation",
    document: `mutation($id: ID!) { rotateWebhookSecret(input: { endpointId: $id }) { secret userErrors { code } } }`,
    variables: () => ({ id: UNKNOWN_ENDPOINT }),
    expected: row(
      ["NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.deleteWebhookEndpoint": {
    kind: "mutation",
    document: `mutation($id: ID!) { deleteWebhookEndpoint(input: { endpointId: $id }) { deletedEndpointId userErrors { code } } }`,
    variables: () => ({ id: UNKNOWN_ENDPOINT }),
    expected: row(
      ["NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.replayWebhookDeliveries": {
    kind: "mutation",
    document: `mutation($id: ID!) { replayWebhookDeliveries(input: { endpointId: $id, since: "2026-01-01T00:00:00Z" }) { scheduled userErrors { code } } }`,
    variables: () => ({ id: UNKNOWN_ENDPOINT }),
    expected: row(
      ["NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.startOperationRun": {
    kind: "mutation",
    scenario: freshActiveScenario,
    document: `mutation($id: ID!) { startOperationRun(input: { tenantId: $id, kind: DATA_EXPORT }) { operationRun { id } userErrors { code } } }`,
    variables: (s) => ({ id: s.tenant.id }),
    expected: row(
      ["data", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.createAuditCheckpoint": {
    kind: "mutation",
    document: `mutation { createAuditCheckpoint { checkpoint { id } userErrors { code } } }`,
    variables: () => ({}),
    expected: row(
      ["data", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
    ),
  },
  "Mutation.updateOperationRun": {
    kind: "mutation",
    scenario: freshActiveScenario,
    document: `mutation($id: ID!) { updateOperationRun(input: { id: $id, status: RUNNING }) { operationRun { id } userErrors { code } } }`,
    variables: (s) => ({ id: s.runId }),
    expected: row(["data", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "data"], ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]),
  },
};

/**
 * Paths a router takes into this subgraph from a neighbour: `_entities` entering an entity type,
 * with the nested fields a neighbour's query selects (masked ones included). `enters` names the
 * types and fields on the path, whose directives a router checks.
 */
interface EntityPath extends FieldRow {
  enters: { types: string[]; fields: string[] };
}
const authenticatedEverywhere = {
  ...row(["data", "data", "data", "data", "data"], ["data", "data", "null"]),
};
const ENTITY_PATHS: Record<string, EntityPath> = {
  "_entities → Tenant { lifecycle { statusReason history } auditEvents operationRuns }": {
    kind: "query",
    document: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id
      lifecycle { statusReason history(first: 2) { totalCount } } auditEvents(first: 2) { totalCount }
      operationRuns(first: 2) { totalCount } } } }`,
    variables: (s) => ({ r: [{ __typename: "Tenant", id: s.tenant.id }] }),
    expected: authenticatedEverywhere,
    enters: {
      types: ["Tenant", "TenantLifecycle"],
      fields: ["TenantLifecycle.statusReason", "TenantLifecycle.history", "Tenant.auditEvents", "Tenant.operationRuns"],
    },
  },
  "_entities → Tenant by slug { status }": {
    kind: "query",
    document: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id status } } }`,
    variables: (s) => ({ r: [{ __typename: "Tenant", slug: s.tenant.slug }] }),
    expected: authenticatedEverywhere,
    enters: { types: ["Tenant"], fields: ["Tenant.status"] },
  },
  "_entities → OperationRun { failureReason tenant }": {
    kind: "query",
    document: `query($r: [_Any!]!) { _entities(representations: $r) { ... on OperationRun { id failureReason tenant { id } } } }`,
    variables: (s) => ({ r: [{ __typename: "OperationRun", id: s.runId }] }),
    expected: authenticatedEverywhere,
    enters: { types: ["OperationRun", "Tenant"], fields: ["OperationRun.failureReason", "OperationRun.tenant"] },
  },
};

let server: TestServer;
let shared: Scenario;
beforeAll(async () => {
  server = await startTestServer();
  const tenant = await activeTenant(server);
  shared = { tenant, other: await activeTenant(server), runId: await queuedRun(server, tenant.id) };
});
afterAll(async () => {
  await server?.close();
});

/** The claims each persona's token carries (null: no valid token). */
function claimsOf(persona: PersonaName, scenario: Scenario): Persona | null {
  const byName: Partial<Record<PersonaName, Persona>> = {
    ...personas,
    tenantAdmin: tenantAdmin(scenario.tenant.id),
    tenantMember: tenantMember(scenario.tenant.id),
    otherTenantAdmin: tenantAdmin(scenario.other.id),
    ...Object.fromEntries(
      MIXED_PERSONAS.map((mixed) => [
        mixed.name,
        {
          sub: `mixed-${mixed.role}-${mixed.platformScope}-${mixed.of}`,
          scope: `${mixed.role} ${mixed.platformScope}`,
          tenantId: mixed.of === "own" ? scenario.tenant.id : scenario.other.id,
        },
      ]),
    ),
  };
  return byName[persona] ?? null;
}

async function tokenOf(persona: PersonaName, scenario: Scenario): Promise<string | undefined> {
  if (persona === "noToken") return undefined;
  if (persona === "badToken") {
    return new SignJWT({ scope: "platform:operator" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("intruder")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("a-different-secret-than-the-servers-0123456789"));
  }
  return tokenFor(claimsOf(persona, scenario) as Persona);
}

function classify(fieldName: string, kind: FieldRow["kind"], body: GraphQLResponseBody): string {
  const error = body.errors?.[0];
  if (error) return String(error.extensions?.["code"] ?? `error: ${error.message}`);
  const value = (body.data as Record<string, unknown> | null)?.[fieldName];
  if (kind === "mutation") {
    const userErrors = (value as { userErrors: { code: string }[] }).userErrors;
    return userErrors.length === 0 ? "data" : (userErrors[0]?.code as string);
  }
  if (fieldName === "_entities") return (value as unknown[])[0] === null ? "null" : "data";
  return value === null ? "null" : "data";
}

describe("authorization matrix", () => {
  it("has a row for every root field of the schema", () => {
    const schema = buildSubgraphSchema();
    const rootFields = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [],
    );
    expect(Object.keys(FIELDS).sort()).toEqual(rootFields.sort());
  });

  it("decides every cell as a router enforcing the printed SDL's directives would", () => {
    // The router's view: the SDL's @authenticated / @requiresScopes on the fields and types a
    // request touches, and the token's scopes read as the subgraph reads them (effectiveScopes).
    const sdl = apiSchemaOf(printSubgraphSdl());
    const directivesOf = (node: { astNode?: { directives?: readonly DirectiveNode[] } | null } | undefined) =>
      node?.astNode?.directives ?? [];
    const fieldOf = (coordinate: string) => {
      const [typeName, fieldName] = coordinate.split(".") as [string, string];
      const type = sdl.getType(typeName);
      if (!type || !("getFields" in type)) throw new Error(`${coordinate} is not in the printed SDL`);
      const field = type.getFields()[fieldName];
      if (!field) throw new Error(`${coordinate} is not in the printed SDL`);
      return field;
    };
    const admits = (directives: readonly DirectiveNode[], scopes: readonly string[] | null) =>
      directives.every((directive) => {
        if (directive.name.value === "authenticated") return scopes !== null;
        if (directive.name.value !== "requiresScopes") return true;
        const alternatives = valueFromASTUntyped(directive.arguments?.[0]?.value as ValueNode) as string[][];
        return scopes !== null && alternatives.some((all) => all.every((scope) => scopes.includes(scope)));
      });
    const cells: Record<string, { fields: string[]; types: string[]; expected: Record<PersonaName, Outcome> }> = {};
    for (const [field, fieldRow] of Object.entries(FIELDS)) {
      const [typeName, fieldName] = field.split(".") as [string, string];
      // _service and _entities are federation's own fields, without directives; the Query._entities
      // row selects a Tenant, whose type-level directives a router checks on the way in.
      const federation = fieldName.startsWith("_");
      cells[field] = {
        fields: federation ? [] : [`${typeName}.${fieldName}`],
        types: fieldName === "_entities" ? ["Tenant"] : federation ? [] : [getNamedType(fieldOf(field).type).name],
        expected: expectedFor(fieldRow),
      };
    }
    for (const [path, pathRow] of Object.entries(ENTITY_PATHS)) {
      cells[path] = { ...pathRow.enters, expected: expectedFor(pathRow) };
    }
    const disagreements: string[] = [];
    let compared = 0;
    for (const [cell, { fields, types, expected }] of Object.entries(cells)) {
      for (const persona of PERSONAS) {
        const claims = claimsOf(persona, shared);
        const scopes = claims
          ? effectiveScopes({ scopes: claims.scope.split(" "), tenantId: claims.tenantId ?? null })
          : null;
        const routerAdmits =
          fields.every((field) => admits(directivesOf(fieldOf(field)), scopes)) &&
          types.every((type) => admits(directivesOf(sdl.getType(type) ?? undefined), scopes));
        const subgraphAdmits = !["FORBIDDEN", "UNAUTHENTICATED"].includes(expected[persona] as string);
        compared += 1;
        if (routerAdmits !== subgraphAdmits) {
          disagreements.push(
            `${cell} / ${persona}: router ${routerAdmits ? "admits" : "refuses"}, subgraph ${expected[persona]}`,
          );
        }
      }
    }
    console.info(`[matrix] router and subgraph compared on ${compared} cells`);
    expect(disagreements).toEqual([]);
  });

  for (const [field, fieldRow] of [...Object.entries(FIELDS), ...Object.entries(ENTITY_PATHS)]) {
    const expected = expectedFor(fieldRow);
    it(`${field}: ${BASE_PERSONAS.map((persona) => `${persona}→${expected[persona]}`).join(", ")}, and ${MIXED_PERSONAS.length} mixed-scope personas`, async () => {
      const fieldName = field.startsWith("_entities") ? "_entities" : (field.split(".")[1] as string);
      const actual: Record<string, string> = {};
      // A mutation refused leaves its scenario as it was: only a success needs a fresh one.
      let unchanged: Scenario | null = null;
      for (const persona of PERSONAS) {
        const needsFresh = fieldRow.scenario !== undefined && expected[persona] === "data";
        const scenario = !fieldRow.scenario
          ? shared
          : needsFresh
            ? await fieldRow.scenario(server, shared)
            : (unchanged ??= await fieldRow.scenario(server, shared));
        const token = await tokenOf(persona, scenario);
        const { status, body } = await server.request(
          fieldRow.document,
          fieldRow.variables(scenario),
          token ? { token } : {},
        );
        expect(status, `${persona} got HTTP ${status}`).toBeLessThan(500);
        actual[persona] = classify(fieldName, fieldRow.kind, body);
      }
      expect(actual).toEqual(expected);
    });
  }
});
