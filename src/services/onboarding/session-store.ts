import type { TransactionClient } from "../database/client.ts";
import { OnboardingStatus, type OnboardingSessionRecord } from "../domain-types.ts";

export async function openOnboardingSession(tx: TransactionClient, tenantId: string): Promise<OnboardingSessionRecord> {
  return tx.onboardingSession.create({ data: { tenantId, status: OnboardingStatus.IN_PROGRESS, completedSteps: [] } });
}

/** Finishes the tenant's session if it is still in progress; returns it as it is now (or null). */
export async function finishOnboardingSession(
  tx: TransactionClient,
  tenantId: string,
  status: typeof OnboardingStatus.COMPLETED | typeof OnboardingStatus.ABANDONED,
): Promise<{ before: OnboardingSessionRecord; after: OnboardingSessionRecord } | null> {
  const session = await tx.onboardingSession.findUnique({ where: { tenantId } });
  if (!session || session.status !== OnboardingStatus.IN_PROGRESS) return null;
  const after = await tx.onboardingSession.update({
    where: { id: session.id },
    data: { status, finishedAt: new Date() },
  });
  return { before: session, after };
}
