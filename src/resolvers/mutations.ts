import { transitionTenant } from "../services/lifecycle/lifecycle-service.ts";
import { completeOnboardingStep } from "../services/onboarding/onboarding-service.ts";
import { startOperationRun, updateOperationRun } from "../services/operation-runs/run-service.ts";
import { createTenant, updateTenant } from "../services/tenants/tenant-service.ts";
import { builder, capabilityField, servicesOf } from "../schema/builder.ts";
import {
  LifecycleTransitionEnum,
  OnboardingStepEnum,
  OperationKindEnum,
  OperationRunStatusEnum,
} from "../schema/types/enums.ts";
import { OnboardingSessionType } from "../schema/types/onboarding.ts";
import { toPayload, UserErrorType, type Payload } from "../schema/types/payloads.ts";
import { AuditEventType, OperationRunType, TenantType } from "../schema/types/refs.ts";
import type { TenantChangePayload } from "../services/tenants/tenant-service.ts";
import type { TransitionPayload } from "../services/lifecycle/lifecycle-service.ts";
import type { CompleteOnboardingStepPayload } from "../services/onboarding/onboarding-service.ts";
import type { OperationRunPayload } from "../services/operation-runs/run-service.ts";

const idempotencyKey = {
  description: "Same key and input within 24 h returns the first result without a second change.",
};

const CreateTenantInput = builder.inputType("CreateTenantInput", {
  fields: (t) => ({
    slug: t.string({
      required: true,
      description: "3..63 of a-z, 0-9 and '-', starting and ending with a letter or digit; not reserved.",
    }),
    name: t.string({ required: true, description: "1..200 characters after trimming." }),
    idempotencyKey: t.string(idempotencyKey),
  }),
});

const UpdateTenantInput = builder.inputType("UpdateTenantInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    name: t.string(),
    slug: t.string({ description: "Platform operators only." }),
    expectedVersion: t.int(),
    idempotencyKey: t.string(idempotencyKey),
  }),
});

const TransitionTenantInput = builder.inputType("TransitionTenantInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    transition: t.field({ type: LifecycleTransitionEnum, required: true }),
    reason: t.string({
      description: "Internal note; becomes statusReason. Required where the rule says so (1..1000 characters).",
    }),
    statusMessage: t.string({ description: "Tenant-facing message (0..500 characters)." }),
    expectedVersion: t.int(),
    idempotencyKey: t.string(idempotencyKey),
  }),
});

const CompleteOnboardingStepInput = builder.inputType("CompleteOnboardingStepInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    step: t.field({ type: OnboardingStepEnum, required: true }),
    idempotencyKey: t.string(idempotencyKey),
  }),
});

const StartOperationRunInput = builder.inputType("StartOperationRunInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    kind: t.field({
      type: OperationKindEnum,
      required: true,
      description: "DATA_EXPORT or MAINTENANCE; the others are opened by lifecycle transitions.",
    }),
    summary: t.string(),
    idempotencyKey: t.string(idempotencyKey),
  }),
});

const UpdateOperationRunInput = builder.inputType("UpdateOperationRunInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    status: t.field({ type: OperationRunStatusEnum }),
    progress: t.float(),
    summary: t.string(),
    failureReason: t.string(),
    expectedVersion: t.int(),
    idempotencyKey: t.string(idempotencyKey),
  }),
});

/** createTenant and updateTenant answer with the same shape under their own names. */
function tenantChangePayload(name: string) {
  return builder.objectRef<Payload<TenantChangePayload>>(name).implement({
    fields: (t) => ({
      tenant: t.field({ type: TenantType, nullable: true, resolve: (payload) => payload.tenant ?? null }),
      auditEvent: t.field({ type: AuditEventType, nullable: true, resolve: (payload) => payload.auditEvent ?? null }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });
}

/** startOperationRun and updateOperationRun likewise. */
function operationRunPayload(name: string) {
  return builder.objectRef<Payload<OperationRunPayload>>(name).implement({
    fields: (t) => ({
      operationRun: t.field({
        type: OperationRunType,
        nullable: true,
        resolve: (payload) => payload.operationRun ?? null,
      }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });
}

const CreateTenantPayload = tenantChangePayload("CreateTenantPayload");
const UpdateTenantPayload = tenantChangePayload("UpdateTenantPayload");
const StartOperationRunPayload = operationRunPayload("StartOperationRunPayload");
const UpdateOperationRunPayload = operationRunPayload("UpdateOperationRunPayload");

const TransitionTenantPayload = builder.objectRef<Payload<TransitionPayload>>("TransitionTenantPayload").implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantType, nullable: true, resolve: (payload) => payload.tenant ?? null }),
    auditEvent: t.field({ type: AuditEventType, nullable: true, resolve: (payload) => payload.auditEvent ?? null }),
    operationRun: t.field({
      type: OperationRunType,
      nullable: true,
      description: "The run this transition opened or closed, if any.",
      resolve: (payload) => payload.operationRun ?? null,
    }),
    userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
  }),
});

const CompleteOnboardingStepPayloadType = builder
  .objectRef<Payload<CompleteOnboardingStepPayload>>("CompleteOnboardingStepPayload")
  .implement({
    fields: (t) => ({
      onboarding: t.field({
        type: OnboardingSessionType,
        nullable: true,
        resolve: (payload) => payload.onboarding ?? null,
      }),
      tenant: t.field({ type: TenantType, nullable: true, resolve: (payload) => payload.tenant ?? null }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });

builder.mutationFields((t) => ({
  createTenant: t.field({
    ...capabilityField("administerTenants"),
    type: CreateTenantPayload,
    args: { input: t.arg({ type: CreateTenantInput, required: true }) },
    resolve: async (_root, { input }, context) => toPayload(await createTenant(servicesOf(context), input)),
  }),
  updateTenant: t.field({
    ...capabilityField("administerTenants", "administerOwnTenant"),
    type: UpdateTenantPayload,
    args: { input: t.arg({ type: UpdateTenantInput, required: true }) },
    resolve: async (_root, { input }, context) => toPayload(await updateTenant(servicesOf(context), input)),
  }),
  transitionTenant: t.field({
    ...capabilityField("transitionLifecycle"),
    type: TransitionTenantPayload,
    args: { input: t.arg({ type: TransitionTenantInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const outcome = await transitionTenant(servicesOf(context), input);
      if (outcome.ok) context.metrics.transitions.inc({ transition: input.transition });
      return toPayload(outcome);
    },
  }),
  completeOnboardingStep: t.field({
    ...capabilityField("administerTenants", "administerOwnTenant"),
    type: CompleteOnboardingStepPayloadType,
    args: { input: t.arg({ type: CompleteOnboardingStepInput, required: true }) },
    resolve: async (_root, { input }, context) => toPayload(await completeOnboardingStep(servicesOf(context), input)),
  }),
  startOperationRun: t.field({
    ...capabilityField("administerTenants"),
    type: StartOperationRunPayload,
    args: { input: t.arg({ type: StartOperationRunInput, required: true }) },
    resolve: async (_root, { input }, context) => toPayload(await startOperationRun(servicesOf(context), input)),
  }),
  updateOperationRun: t.field({
    ...capabilityField("operateRuns"),
    type: UpdateOperationRunPayload,
    args: { input: t.arg({ type: UpdateOperationRunInput, required: true }) },
    resolve: async (_root, { input }, context) => toPayload(await updateOperationRun(servicesOf(context), input)),
  }),
}));
