// GraphQL documents shared by the integration and e2e suites.

export const TENANT_FIELDS = `
  id slug name status createdAt updatedAt
  lifecycle {
    status statusReason statusMessage changedAt version
    badge { label tone icon }
    operability { viewable selectable actionable onboardingResumable monitoringReferenceable }
    availableTransitions { transition to reasonRequired permitted blockedReason }
  }`;

export const AUDIT_EVENT_FIELDS = `
  id sequence action operatorOverride reason changes requestId occurredAt hash previousHash
  actor { type id user { id } }
  tenant { id }`;

export const CREATE_TENANT = `
  mutation Create($input: CreateTenantInput!) {
    createTenant(input: $input) {
      tenant { ${TENANT_FIELDS} }
      auditEvent { ${AUDIT_EVENT_FIELDS} }
      userErrors { code message field }
    }
  }`;

export const UPDATE_TENANT = `
  mutation Update($input: UpdateTenantInput!) {
    updateTenant(input: $input) {
      tenant { ${TENANT_FIELDS} }
      auditEvent { ${AUDIT_EVENT_FIELDS} }
      userErrors { code message field }
    }
  }`;

export const TRANSITION_TENANT = `
  mutation Transition($input: TransitionTenantInput!) {
    transitionTenant(input: $input) {
      tenant { ${TENANT_FIELDS} }
      auditEvent { ${AUDIT_EVENT_FIELDS} }
      operationRun { id kind status version }
      userErrors { code message field }
    }
  }`;

export const COMPLETE_STEP = `
  mutation Complete($input: CompleteOnboardingStepInput!) {
    completeOnboardingStep(input: $input) {
      onboarding { id status completedSteps currentStep resumable }
      tenant { id status }
      userErrors { code message field }
    }
  }`;

export const TENANT_BY_ID = `query Tenant($id: ID, $slug: String) { tenant(id: $id, slug: $slug) { ${TENANT_FIELDS} } }`;

export const AUDIT_CHAIN = `query Chain($tenantId: ID!) { auditChain(tenantId: $tenantId) { valid eventCount firstBrokenSequence } }`;

export interface UserErrorShape {
  code: string;
  message: string;
  field: string[] | null;
}

export interface TenantShape {
  id: string;
  slug: string;
  name: string;
  status: string;
  lifecycle: {
    status: string;
    statusReason: string | null;
    statusMessage: string | null;
    version: number;
    badge: { label: string; tone: string; icon: string };
    operability: Record<string, boolean>;
    availableTransitions: {
      transition: string;
      to: string;
      reasonRequired: boolean;
      permitted: boolean;
      blockedReason: string | null;
    }[];
  };
}

export interface AuditEventShape {
  id: string;
  sequence: number;
  action: string;
  operatorOverride: boolean;
  reason: string | null;
  changes: Record<string, unknown>;
  requestId: string | null;
  hash: string;
  previousHash: string | null;
  actor: { type: string; id: string; user: { id: string } | null };
}

export interface MutationPayload {
  tenant: TenantShape | null;
  auditEvent: AuditEventShape | null;
  operationRun?: { id: string; kind: string; status: string; version: number } | null;
  userErrors: UserErrorShape[];
}
