// Request shapes whose CPU the cost model is calibrated against (design §6): the widest ones
// each persona can send — entity batches (found and hidden), dashboard pages, feeds, a tenant
// user's own tenant — at sizes up to the limits. `npm run bench:calibrate` measures them all;
// test/e2e/cost-calibration.test.ts keeps the model honest on a few.

export type ShapeCaller = "operator" | "member" | "anonymous";

export interface CalibrationShape {
  label: string;
  caller: ShapeCaller;
  sizes: number[];
  build(
    size: number,
    ids: { tenantIds: readonly string[]; ownTenantId: string },
  ): {
    query: string;
    variables: Record<string, unknown>;
  };
}

export const TENANT_FIELDS = `id slug name status createdAt updatedAt
  lifecycle { status statusReason statusMessage changedAt version badge { label tone icon }
    operability { viewable selectable actionable onboardingResumable monitoringReferenceable }
    availableTransitions { transition to reasonRequired permitted blockedReason } }
  onboarding { id status completedSteps currentStep resumable startedAt updatedAt }`;
export const RUN_FIELDS = `id kind status badge { label tone icon } progress summary failureReason version createdAt
  startedAt finishedAt initiatedBy { type id }`;
export const EVENT_FIELDS = `id sequence action operatorOverride reason changes requestId occurredAt hash previousHash
  actor { type id }`;

const entities = (selection: string) =>
  `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { ${selection} } } }`;

/** `size` representations of distinct tenants, cycling through the ids given. */
const representations = (ids: readonly string[], size: number) =>
  Array.from({ length: size }, (_, index) => ({ __typename: "Tenant", id: ids[index % ids.length] }));

export const CALIBRATION_SHAPES: readonly CalibrationShape[] = [
  {
    label: "tenant by id",
    caller: "operator",
    sizes: [1],
    build: (_size, { ownTenantId }) => ({
      query: `query($id: ID!) { tenant(id: $id) { ${TENANT_FIELDS} } }`,
      variables: { id: ownTenantId },
    }),
  },
  {
    label: "_entities { id }",
    caller: "operator",
    sizes: [1_000, 5_000],
    build: (size, { tenantIds }) => ({ query: entities("id"), variables: { r: representations(tenantIds, size) } }),
  },
  {
    label: "_entities { id } of other tenants (hidden)",
    caller: "member",
    sizes: [1_000, 2_400],
    build: (size, { tenantIds, ownTenantId }) => ({
      query: entities("id"),
      variables: {
        r: representations(
          tenantIds.filter((id) => id !== ownTenantId),
          size,
        ),
      },
    }),
  },
  {
    label: "_entities with every tenant field",
    caller: "operator",
    sizes: [100, 500],
    build: (size, { tenantIds }) => ({
      query: entities(TENANT_FIELDS),
      variables: { r: representations(tenantIds, size) },
    }),
  },
  {
    label: "tenants page with every field and 5 runs each",
    caller: "operator",
    sizes: [20, 100],
    build: (size) => ({
      query: `query($n: Int) { tenants(first: $n) { edges { node { ${TENANT_FIELDS}
        operationRuns(first: 5) { edges { node { ${RUN_FIELDS} } } } } } } }`,
      variables: { n: size },
    }),
  },
  {
    label: "auditEvents page with every field",
    caller: "operator",
    sizes: [100],
    build: (size) => ({
      query: `query($n: Int) { auditEvents(first: $n) { edges { node { ${EVENT_FIELDS} } } } }`,
      variables: { n: size },
    }),
  },
  {
    label: "operationRuns page with every field and its tenant",
    caller: "operator",
    sizes: [100],
    build: (size) => ({
      query: `query($n: Int) { operationRuns(first: $n) { edges { node { ${RUN_FIELDS} tenant { id slug name status } } } } }`,
      variables: { n: size },
    }),
  },
  {
    label: "own tenant with runs and events",
    caller: "member",
    sizes: [100],
    build: (size) => ({
      query: `query($n: Int) { viewerTenant { ${TENANT_FIELDS} operationRuns(first: $n) { edges { node { ${RUN_FIELDS} } } }
        auditEvents(first: $n) { edges { node { ${EVENT_FIELDS} } } } } }`,
      variables: { n: size },
    }),
  },
];
