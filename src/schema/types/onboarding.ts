import { currentOnboardingStep, isSessionResumable } from "../../services/onboarding/onboarding-service.ts";
import type { Presented } from "../../services/authorization/presentation.ts";
import type { OnboardingSessionRecord } from "../../domain/vocabulary.ts";
import { builder } from "../builder.ts";
import { OnboardingStatusEnum, OnboardingStepEnum } from "./enums.ts";

export const OnboardingSessionType = builder
  .objectRef<Presented<OnboardingSessionRecord>>("OnboardingSession")
  .implement({
    description: "Workflow state of onboarding; distinct from the tenant lifecycle.",
    fields: (t) => ({
      id: t.exposeID("id"),
      status: t.expose("status", { type: OnboardingStatusEnum }),
      completedSteps: t.field({ type: [OnboardingStepEnum], resolve: (session) => session.completedSteps }),
      currentStep: t.field({
        type: OnboardingStepEnum,
        nullable: true,
        description: "First step not yet completed; null when all are.",
        resolve: (session) => currentOnboardingStep(session),
      }),
      resumable: t.boolean({ resolve: (session) => isSessionResumable(session) }),
      startedAt: t.expose("startedAt", { type: "DateTime" }),
      updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    }),
  });
