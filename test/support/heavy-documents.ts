// Documents that are small to send but heavy to compile: each spreads one tenant fragment at
// several places of each of `width` aliased pages, so graphql-jit's expansion writes code for
// ~150 fields per page from ~270 bytes of document. `index` makes the document distinct (alias
// names, hence a distinct generated source: V8 shares the compiled code of identical sources,
// which would hide what distinct documents retain). Within the default limits for width ≤ 10
// (3 aliases a page, depth 7, ~100 tokens a page, cost ~10 a page).
import { AUDIT_EVENT_FIELDS, TENANT_FIELDS } from "./operations.ts";

const RUN_FIELDS = `id kind status badge { label tone icon } progress summary failureReason version createdAt
  startedAt finishedAt initiatedBy { type id }`;

export function heavyDocument(index: number, width: number): string {
  const pages = Array.from(
    { length: width },
    (_, page) => `p${page}_${index}: tenants(first: 1) { edges { node { ...T
      r${page}_${index}: operationRuns(first: 1) { edges { node { ...R tenant { ...T } } } }
      e${page}_${index}: auditEvents(first: 1) { edges { node { ...E tenant { ...T } } } } } } }`,
  );
  return `query Heavy${index} { ${pages.join("\n")} }
fragment T on Tenant { ${TENANT_FIELDS} onboarding { id status completedSteps currentStep resumable startedAt updatedAt } }
fragment R on OperationRun { ${RUN_FIELDS} }
fragment E on AuditEvent { ${AUDIT_EVENT_FIELDS} }`;
}
