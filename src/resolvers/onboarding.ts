// Resolvers of the onboarding family: the session's derived fields and completeOnboardingStep.
import type { OnboardingSessionRecord } from "../domain/vocabulary.ts";
import type { Presented } from "../services/authorization/presentation.ts";
import {
  completeOnboardingStep,
  currentOnboardingStep,
  isSessionResumable,
  type CompleteOnboardingStepInput,
  type CompleteOnboardingStepPayload,
} from "../services/onboarding/onboarding-service.ts";
import { toPayload, type Payload } from "./connection.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";

export type OnboardingSessionParent = Presented<OnboardingSessionRecord>;
export type CompleteOnboardingStepPayloadParent = Payload<CompleteOnboardingStepPayload>;
export type { CompleteOnboardingStepInput };

export const sessionCurrentStep = (session: OnboardingSessionParent) => currentOnboardingStep(session);
export const sessionResumable = (session: OnboardingSessionParent) => isSessionResumable(session);

export const completeOnboardingStepMutation = async (
  _root: unknown,
  { input }: { input: CompleteOnboardingStepInput },
  context: GraphQLContext,
) => toPayload(await completeOnboardingStep(servicesOf(context), input));
