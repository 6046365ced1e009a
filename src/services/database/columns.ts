import { Prisma } from "../../generated/prisma/browser.ts";

/** The data model's naming rule for columns: camelCase fields are snake_case columns (a test checks every field). */
export function columnOf(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * A model's SELECT list, its columns under the field names of the generated record type, so
 * the stores' rows are exactly those records. Enum arrays come back as text[] (the driver does
 * not parse arrays of custom enum types).
 */
function selectList(fields: Record<string, string>, enumArrays: readonly string[] = [], alias = ""): string {
  return Object.values(fields)
    .map((field) => {
      const column = `${alias}${columnOf(field)}${enumArrays.includes(field) ? "::text[]" : ""}`;
      return column === field ? field : `${column} AS "${field}"`;
    })
    .join(", ");
}

export const TENANT_COLUMNS = selectList(Prisma.TenantScalarFieldEnum);
export const ONBOARDING_COLUMNS = selectList(Prisma.OnboardingSessionScalarFieldEnum, ["completedSteps"]);
export const RUN_COLUMNS = selectList(Prisma.OperationRunScalarFieldEnum);
/** Without the feed position, which the event feed reads itself (docs/design.md §9). */
const { position: _feedPosition, ...AUDIT_FIELDS } = Prisma.AuditEventScalarFieldEnum;
export const AUDIT_COLUMNS = selectList(AUDIT_FIELDS);
/** Without the feed position, which the event feed reads itself (docs/design.md §9). */
const { position: _platformFeedPosition, ...PLATFORM_AUDIT_FIELDS } = Prisma.PlatformAuditEventScalarFieldEnum;
export const PLATFORM_AUDIT_COLUMNS = selectList(PLATFORM_AUDIT_FIELDS);
export const WEBHOOK_ATTEMPT_COLUMNS = selectList(Prisma.WebhookAttemptScalarFieldEnum);
export const WEBHOOK_ENDPOINT_COLUMNS = selectList(Prisma.WebhookEndpointScalarFieldEnum);
export const WEBHOOK_DELIVERY_COLUMNS = selectList(Prisma.WebhookDeliveryScalarFieldEnum);
/** The same, qualified with the alias `d` (a claim's UPDATE … FROM). */
export const WEBHOOK_DELIVERY_COLUMNS_OF_D = selectList(Prisma.WebhookDeliveryScalarFieldEnum, [], "d.");
