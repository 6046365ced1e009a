// The subgraph's benchmark requests, shared by `npm run bench` and the interleaved comparisons
// (`bench:tracing`, `bench:compare`), so that every script measures the same documents.
import pg from "pg";
import type { SeededFleet } from "./seed.ts";

/** One scenario's requests: a fresh body each time, and what a right answer looks like. */
export interface BenchRequest {
  body(): string;
  /** What a correct answer contains; anything else counts as a failure. */
  verify(answer: string): boolean;
  /** Runs before each burst of requests (warm-up, measurement). */
  prepare?(): Promise<void>;
}

export const graphql = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

/** Hands out `items` round-robin. */
export const ring = <T>(items: T[]) => {
  let next = 0;
  return () => items[next++ % items.length] as T;
};

/** `count` items spread over `items`, deterministic in `seed`. */
export const pick = <T>(items: T[], count: number, seed: number) =>
  Array.from({ length: count }, (_, index) => items[(seed * 7919 + index * 104_729) % items.length] as T);

export const answeredWithoutErrors = (body: string) => body.startsWith('{"data"') && !body.includes('"errors"');

export const SUBGRAPH_TENANT = `query TenantById($id: ID!) { tenant(id: $id) { id slug name status
  lifecycle { status statusReason statusMessage changedAt version badge { label tone icon }
    operability { selectable actionable onboardingResumable }
    availableTransitions { transition to reasonRequired permitted blockedReason } } } }`;
export const SUBGRAPH_DASHBOARD = `query Dashboard($first: Int) { tenants(first: $first) { totalCount pageInfo { hasNextPage }
  edges { cursor node { id slug name status
    lifecycle { status statusReason badge { label tone icon } operability { selectable actionable onboardingResumable }
      availableTransitions { transition permitted blockedReason } }
    onboarding { status currentStep completedSteps }
    operationRuns(first: 5) { totalCount edges { node { id kind status badge { label } progress } } } } } } }`;
export const SUBGRAPH_TRANSITION = `mutation Transition($input: TransitionTenantInput!) { transitionTenant(input: $input) {
  tenant { id status lifecycle { version } } auditEvent { sequence } userErrors { code message } } }`;

/**
 * SUSPEND/REACTIVATE walk the ACTIVE and SUSPENDED tenants round-robin; every target continues
 * where the last left off. A tenant's next transition follows from the status its last answer
 * reported, not from the bodies built: the load generator may build a body it never sends
 * (autocannon prepares the next request ahead), which would otherwise flip the walk's record
 * without flipping the tenant. Before each burst the statuses are read again, for a kept fleet
 * and the requests in flight when the last burst ended.
 */
export function transitionWalk(fleet: SeededFleet, databaseUrl: string) {
  const suspended = new Set<string>();
  let next = 0;
  return {
    next() {
      const tenantId = fleet.walkableTenantIds[next++ % fleet.walkableTenantIds.length] as string;
      const transition = suspended.has(tenantId) ? "REACTIVATE" : "SUSPEND";
      return { tenantId, transition, ...(transition === "SUSPEND" ? { reason: "bench: invoice overdue" } : {}) };
    },
    /** Records the status an applied transition answered with. */
    observe(answer: string) {
      const applied = /"tenant":\{"id":"([0-9a-f-]{36})","status":"(ACTIVE|SUSPENDED)"/.exec(answer);
      if (!applied) return;
      if (applied[2] === "SUSPENDED") suspended.add(applied[1] as string);
      else suspended.delete(applied[1] as string);
    },
    async resync() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ id: string }>(
          "SELECT id FROM tenants WHERE id = ANY($1::uuid[]) AND status = 'SUSPENDED'",
          [fleet.walkableTenantIds],
        );
        suspended.clear();
        for (const row of rows) suspended.add(row.id);
      } finally {
        await client.end();
      }
    },
  };
}

/** Whether a transition was applied without errors; the walk records the status it answered with. */
export function transitionApplied(walk: ReturnType<typeof transitionWalk>): (answer: string) => boolean {
  return (answer) => {
    walk.observe(answer);
    return answeredWithoutErrors(answer) && answer.includes('"userErrors":[]');
  };
}

/** (d) as the subgraph answers it: a transition applied without errors. */
export function subgraphTransitions(walk: ReturnType<typeof transitionWalk>): BenchRequest {
  return {
    body: () => graphql(SUBGRAPH_TRANSITION, { input: walk.next() }),
    verify: transitionApplied(walk),
    prepare: () => walk.resync(),
  };
}

/** The subgraph's (a) tenant by id, (b) dashboard page of 50 and (d) SUSPEND/REACTIVATE. */
export function coreSubgraphScenarios(fleet: SeededFleet, databaseUrl: string) {
  const tenant = ring(pick(fleet.tenantIds, 1000, 1).map((id) => graphql(SUBGRAPH_TENANT, { id })));
  return {
    "(a) tenant by id": { body: tenant, verify: answeredWithoutErrors },
    "(b) dashboard page of 50": {
      body: () => graphql(SUBGRAPH_DASHBOARD, { first: 50 }),
      verify: answeredWithoutErrors,
    },
    "(d) SUSPEND/REACTIVATE": subgraphTransitions(transitionWalk(fleet, databaseUrl)),
  } satisfies Record<string, BenchRequest>;
}
