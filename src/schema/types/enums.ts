import {
  ActorType,
  LifecycleTransition,
  OnboardingStatus,
  OnboardingStep,
  OperationKind,
  OperationRunStatus,
  TenantStatus,
} from "../../domain/vocabulary.ts";
import { UserErrorCode } from "../../domain/user-errors.ts";
import { BadgeTone } from "../../domain/badge-catalog.ts";
import { TENANT_ACTION_KINDS } from "../../domain/tenant-actions.ts";
import { builder } from "../builder.ts";

export const TenantStatusEnum = builder.enumType(TenantStatus, { name: "TenantStatus" });
export const LifecycleTransitionEnum = builder.enumType(LifecycleTransition, {
  name: "LifecycleTransition",
  description: "The only way a tenant's status changes; Query.lifecycleTransitions returns the rules.",
});
export const BadgeToneEnum = builder.enumType(BadgeTone, { name: "BadgeTone" });
export const UserErrorCodeEnum = builder.enumType(UserErrorCode, { name: "UserErrorCode" });
export const OnboardingStepEnum = builder.enumType(OnboardingStep, { name: "OnboardingStep" });
export const OnboardingStatusEnum = builder.enumType(OnboardingStatus, { name: "OnboardingStatus" });
export const OperationKindEnum = builder.enumType(OperationKind, { name: "OperationKind" });
export const OperationRunStatusEnum = builder.enumType(OperationRunStatus, { name: "OperationRunStatus" });
export const ActorTypeEnum = builder.enumType(ActorType, { name: "ActorType" });

export const TenantActionKindEnum = builder.enumType("TenantActionKind", {
  values: TENANT_ACTION_KINDS,
  description:
    "What a viewer may do to a tenant beyond lifecycle transitions: rename, change the slug, start a run of a kind, complete an onboarding step, manage the webhook endpoints its events go to.",
});
