// Every GraphQL document the console sends, with the type of its answer written beside it
// (checked against schema.graphql by test/e2e/console-browser.test.ts, which validates each one).

export type TenantStatus =
  "DRAFT" | "ONBOARDING" | "ACTIVE" | "SUSPENDED" | "DEPROVISIONING" | "DEPROVISIONED" | "ARCHIVED";

export const TENANT_STATUSES: readonly TenantStatus[] = [
  "DRAFT",
  "ONBOARDING",
  "ACTIVE",
  "SUSPENDED",
  "DEPROVISIONING",
  "DEPROVISIONED",
  "ARCHIVED",
];

export type BadgeTone = "NEUTRAL" | "INFO" | "SUCCESS" | "WARNING" | "DANGER";
export type CountPrecision = "EXACT" | "AT_LEAST";

export interface Badge {
  label: string;
  tone: BadgeTone;
  icon: string;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

// ------------------------------------------------------------------ tenants list

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
  lifecycle: { badge: Badge; operability: { selectable: boolean } };
}

export interface TenantsPageData {
  tenantStatusCounts: { status: TenantStatus; count: number }[];
  tenants: {
    totalCount: number;
    totalCountPrecision: CountPrecision;
    pageInfo: PageInfo;
    edges: { node: TenantRow }[];
  };
}

/** The list and the tabs' counts in one request. */
export const TENANTS_PAGE = `query ConsoleTenants($first: Int, $after: String, $last: Int, $before: String, $filter: TenantFilter) {
  tenantStatusCounts { status count }
  tenants(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    totalCountPrecision
    ${PAGE_INFO}
    edges { node { id slug name createdAt lifecycle { badge { label tone icon } operability { selectable } } } }
  }
}`;

// ------------------------------------------------------------------ tenant chooser

export interface ChooserData {
  tenants: { edges: { node: { id: string; name: string; slug: string } }[] };
}

/** Only tenants that may be chosen as context (operability.selectable). */
export const CHOOSER_TENANTS = `query ConsoleChooser {
  tenants(first: 50, filter: { selectable: true }) { edges { node { id name slug } } }
}`;

export interface ViewerTenantData {
  viewerTenant: { id: string; name: string; slug: string; lifecycle: { operability: { selectable: boolean } } } | null;
}

export const VIEWER_TENANT = `query ConsoleViewerTenant {
  viewerTenant { id name slug lifecycle { operability { selectable } } }
}`;

// ------------------------------------------------------------------ one tenant

export interface AuditEventRow {
  id: string;
  sequence: number;
  action: string;
  actor: { type: string; id: string };
  operatorOverride: boolean;
  reason: string | null;
  changes: Record<string, unknown>;
  occurredAt: string;
}

export interface RunRow {
  id: string;
  kind: string;
  status: string;
  badge: Badge;
  progress: number | null;
  summary: string | null;
  createdAt: string;
}

export interface AvailableTransition {
  transition: string;
  to: TenantStatus;
  reasonRequired: boolean;
  permitted: boolean;
  blockedReason: string | null;
}

export interface TenantActionJudgement {
  action: string;
  permitted: boolean;
  blockedReason: string | null;
}

export interface TenantDetail {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  createdAt: string;
  updatedAt: string;
  allowedActions: TenantActionJudgement[];
  lifecycle: {
    status: TenantStatus;
    statusReason: string | null;
    statusMessage: string | null;
    changedAt: string;
    version: number;
    badge: Badge;
    operability: {
      viewable: boolean;
      selectable: boolean;
      actionable: boolean;
      onboardingResumable: boolean;
      monitoringReferenceable: boolean;
    };
    availableTransitions: AvailableTransition[];
  };
  onboarding: {
    id: string;
    status: string;
    completedSteps: string[];
    currentStep: string | null;
    resumable: boolean;
    startedAt: string;
    updatedAt: string;
  } | null;
  operationRuns: { totalCount: number; totalCountPrecision: CountPrecision; edges: { node: RunRow }[] };
  auditEvents: {
    totalCount: number;
    totalCountPrecision: CountPrecision;
    pageInfo: PageInfo;
    edges: { node: AuditEventRow }[];
  };
}

const TENANT_FIELDS = `id slug name status createdAt updatedAt
    allowedActions { action permitted blockedReason }
    lifecycle {
      status statusReason statusMessage changedAt version
      badge { label tone icon }
      operability { viewable selectable actionable onboardingResumable monitoringReferenceable }
      availableTransitions { transition to reasonRequired permitted blockedReason }
    }
    onboarding { id status completedSteps currentStep resumable startedAt updatedAt }
    operationRuns(first: 10) {
      totalCount totalCountPrecision
      edges { node { id kind status badge { label tone icon } progress summary createdAt } }
    }
    auditEvents(first: $auditFirst, after: $auditAfter) {
      totalCount totalCountPrecision
      ${PAGE_INFO}
      edges { node { id sequence action actor { type id } operatorOverride reason changes occurredAt } }
    }`;

export interface TenantPageData {
  tenant: TenantDetail | null;
}

export const TENANT_PAGE = `query ConsoleTenant($id: ID!, $auditFirst: Int = 10, $auditAfter: String) {
  tenant(id: $id) { ${TENANT_FIELDS} }
}`;

export interface OverridePageData {
  viewerTenant: TenantDetail | null;
}

/** Sent with X-Operator-Override: the tenant as its admin sees it (read-only, masked). */
export const OVERRIDE_PAGE = `query ConsoleOverride($auditFirst: Int = 10, $auditAfter: String) {
  viewerTenant { ${TENANT_FIELDS} }
}`;

export interface AuditChainData {
  auditChain: {
    valid: boolean;
    eventCount: number;
    firstBrokenSequence: number | null;
    problems: string[];
    consistentWithCheckpoint: boolean | null;
    checkpoint: {
      sequence: number;
      hash: string;
      signatureValid: boolean;
      checkpoint: { id: string; createdAt: string; tenantCount: number; publicKeyId: string };
    } | null;
  };
}

export const AUDIT_CHAIN = `query ConsoleAuditChain($tenantId: ID!) {
  auditChain(tenantId: $tenantId) {
    valid eventCount firstBrokenSequence problems consistentWithCheckpoint
    checkpoint { sequence hash signatureValid checkpoint { id createdAt tenantCount publicKeyId } }
  }
}`;

export interface TenantEventsData {
  tenantEvents: {
    pageInfo: PageInfo;
    edges: { node: { id: string; type: string; sequence: number; occurredAt: string } }[];
  };
}

/** The tenant's events feed, oldest first. */
export const TENANT_EVENTS = `query ConsoleTenantEvents($tenantId: ID!, $after: String) {
  tenantEvents(first: 10, after: $after, filter: { tenantId: $tenantId }) {
    ${PAGE_INFO}
    edges { node { id type sequence occurredAt } }
  }
}`;

// ------------------------------------------------------------------ runs

export interface RunDetail {
  id: string;
  kind: string;
  status: string;
  badge: Badge;
  progress: number | null;
  summary: string | null;
  failureReason: string | null;
  initiatedBy: { type: string; id: string };
  version: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  tenant: { id: string; name: string; slug: string; lifecycle: { badge: Badge } };
}

export interface RunPageData {
  operationRun: RunDetail | null;
}

/** The canonical run viewer: authorized by the run itself, whatever tenant is selected. */
export const RUN_PAGE = `query ConsoleRun($id: ID!) {
  operationRun(id: $id) {
    id kind status badge { label tone icon } progress summary failureReason
    initiatedBy { type id } version createdAt startedAt finishedAt
    tenant { id name slug lifecycle { badge { label tone icon } } }
  }
}`;

// ------------------------------------------------------------------ mutations

const USER_ERRORS = "userErrors { code message field }";

export const TRANSITION_TENANT = `mutation ConsoleTransition($input: TransitionTenantInput!) {
  transitionTenant(input: $input) { tenant { id } ${USER_ERRORS} }
}`;

export const UPDATE_TENANT = `mutation ConsoleUpdateTenant($input: UpdateTenantInput!) {
  updateTenant(input: $input) { tenant { id } ${USER_ERRORS} }
}`;

export const START_RUN = `mutation ConsoleStartRun($input: StartOperationRunInput!) {
  startOperationRun(input: $input) { operationRun { id } ${USER_ERRORS} }
}`;

export const COMPLETE_STEP = `mutation ConsoleCompleteStep($input: CompleteOnboardingStepInput!) {
  completeOnboardingStep(input: $input) { onboarding { id } ${USER_ERRORS} }
}`;

// ------------------------------------------------------------------ webhooks

export interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
}

export interface WebhooksPageData {
  webhookEndpoints: { pageInfo: PageInfo; edges: { node: WebhookEndpointRow }[] };
}

/** Platform readers: every endpoint, oldest first. */
export const WEBHOOKS_PAGE = `query ConsoleWebhooks($after: String) {
  webhookEndpoints(first: 20, after: $after) {
    ${PAGE_INFO}
    edges { node { id url description eventTypes enabled disabledReason createdAt } }
  }
}`;

export interface WebhookDeliveryRow {
  id: string;
  status: "PENDING" | "SUCCEEDED" | "FAILED";
  attempts: number;
  nextAttemptAt: string | null;
  lastAttempt: { at: string; httpStatus: number | null; durationMs: number; error: string | null } | null;
  event: { id: string; type: string; tenantId: string; sequence: number; occurredAt: string };
}

export interface WebhookPageData {
  webhookEndpoint:
    | (WebhookEndpointRow & {
        version: number;
        deliveries: { pageInfo: PageInfo; edges: { node: WebhookDeliveryRow }[] };
      })
    | null;
}

/** One endpoint and its delivery log (oldest first, a page at a time). */
export const WEBHOOK_PAGE = `query ConsoleWebhook($id: ID!, $after: String, $status: [WebhookDeliveryStatus!]) {
  webhookEndpoint(id: $id) {
    id url description eventTypes enabled disabledReason createdAt version
    deliveries(first: 20, after: $after, status: $status) {
      ${PAGE_INFO}
      edges { node {
        id status attempts nextAttemptAt
        lastAttempt { at httpStatus durationMs error }
        event { id type tenantId sequence occurredAt }
      } }
    }
  }
}`;

export const REPLAY_DELIVERIES = `mutation ConsoleReplay($input: ReplayWebhookDeliveriesInput!) {
  replayWebhookDeliveries(input: $input) { scheduled ${USER_ERRORS} }
}`;

/** Every document, for the test that validates them against the served schema. */
export const ALL_DOCUMENTS: readonly string[] = [
  TENANTS_PAGE,
  CHOOSER_TENANTS,
  VIEWER_TENANT,
  TENANT_PAGE,
  OVERRIDE_PAGE,
  AUDIT_CHAIN,
  TENANT_EVENTS,
  RUN_PAGE,
  TRANSITION_TENANT,
  UPDATE_TENANT,
  START_RUN,
  COMPLETE_STEP,
  WEBHOOKS_PAGE,
  WEBHOOK_PAGE,
  REPLAY_DELIVERIES,
];
