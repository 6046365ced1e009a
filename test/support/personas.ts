import { signDevelopmentToken } from "../../src/server/auth.ts";

export const TEST_JWT_SECRET = "test-secret-for-the-tenant-lifecycle-suite-0123456789";

export interface Persona {
  sub: string;
  scope: string;
  tenantId?: string;
}

export const personas = {
  operator: { sub: "operator-1", scope: "platform:operator" },
  supportRead: { sub: "support-read-1", scope: "support:read" },
  supportAll: { sub: "support-all-1", scope: "support:*" },
  supportLifecycle: { sub: "support-lifecycle-1", scope: "support:lifecycle" },
  worker: { sub: "worker-1", scope: "operations:write" },
} satisfies Record<string, Persona>;

export const tenantAdmin = (tenantId: string): Persona => ({
  sub: `admin-of-${tenantId}`,
  scope: "tenant:admin",
  tenantId,
});
export const tenantMember = (tenantId: string): Persona => ({
  sub: `member-of-${tenantId}`,
  scope: "tenant:member",
  tenantId,
});

export function tokenFor(persona: Persona, options: { expiresIn?: string } = {}): Promise<string> {
  return signDevelopmentToken(TEST_JWT_SECRET, { ...persona, expiresIn: options.expiresIn });
}
