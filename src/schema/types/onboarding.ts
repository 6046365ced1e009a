// The onboarding family: the session type and completeOnboardingStep.
import {
  completeOnboardingStepMutation,
  sessionCurrentStep,
  sessionResumable,
  type CompleteOnboardingStepPayloadParent,
  type OnboardingSessionParent,
} from "../../resolvers/onboarding.ts";
import { builder, capabilityField } from "../builder.ts";
import { idempotencyKeyOptions, UserErrorType } from "./common.ts";
import { OnboardingStatusEnum, OnboardingStepEnum } from "./enums.ts";
import { TenantType } from "./refs.ts";

export const OnboardingSessionType = builder.objectRef<OnboardingSessionParent>("OnboardingSession").implement({
  description: "Workflow state of onboarding; distinct from the tenant lifecycle.",
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.expose("status", { type: OnboardingStatusEnum }),
    completedSteps: t.field({ type: [OnboardingStepEnum], resolve: (session) => session.completedSteps }),
    currentStep: t.field({
      type: OnboardingStepEnum,
      nullable: true,
      description: "First step not yet completed; null when all are.",
      resolve: sessionCurrentStep,
    }),
    resumable: t.boolean({ resolve: sessionResumable }),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const CompleteOnboardingStepInput = builder.inputType("CompleteOnboardingStepInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    step: t.field({ type: OnboardingStepEnum, required: true }),
    idempotencyKey: t.string(idempotencyKeyOptions),
  }),
});

const CompleteOnboardingStepPayload = builder
  .objectRef<CompleteOnboardingStepPayloadParent>("CompleteOnboardingStepPayload")
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
  completeOnboardingStep: t.field({
    ...capabilityField("administerTenants", "administerOwnTenant"),
    type: CompleteOnboardingStepPayload,
    args: { input: t.arg({ type: CompleteOnboardingStepInput, required: true }) },
    resolve: completeOnboardingStepMutation,
  }),
}));
