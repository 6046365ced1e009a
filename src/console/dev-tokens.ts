// Development tokens for the console's "sign in as" button (design §11): one persona per row of
// the capability table a person would try the console as. Minted only where configured
// (CONSOLE_DEV_TOKENS, never in production), with the secret the server verifies tokens with.
import { signDevelopmentToken } from "../server/auth.ts";

export interface DevPersona {
  /** What the console's persona picker shows. */
  label: string;
  scope: string;
  sub: string;
  /** Tenant users need the tenant they belong to. */
  needsTenant: boolean;
}

export const DEV_PERSONAS = {
  operator: { label: "Platform operator", scope: "platform:operator", sub: "console-operator", needsTenant: false },
  "support-read": {
    label: "Support (read only)",
    scope: "support:read",
    sub: "console-support-read",
    needsTenant: false,
  },
  "support-lifecycle": {
    label: "Support (lifecycle)",
    scope: "support:lifecycle",
    sub: "console-support-lifecycle",
    needsTenant: false,
  },
  "tenant-admin": { label: "Tenant admin", scope: "tenant:admin", sub: "console-tenant-admin", needsTenant: true },
  "tenant-member": { label: "Tenant member", scope: "tenant:member", sub: "console-tenant-member", needsTenant: true },
} as const satisfies Record<string, DevPersona>;

export type DevPersonaId = keyof typeof DEV_PERSONAS;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A dev token's lifetime: long enough for a session at the console, short enough to be thrown away. */
export const DEV_TOKEN_LIFETIME = "1h";

export type DevTokenRequest = { ok: true; persona: DevPersonaId; tenantId?: string } | { ok: false; message: string };

/** Reads `{ persona, tenantId? }` as sent by the console. */
export function parseDevTokenRequest(body: unknown): DevTokenRequest {
  if (typeof body !== "object" || body === null) return { ok: false, message: "Send a JSON object" };
  const { persona, tenantId } = body as { persona?: unknown; tenantId?: unknown };
  if (typeof persona !== "string" || !Object.hasOwn(DEV_PERSONAS, persona)) {
    return { ok: false, message: `persona must be one of ${Object.keys(DEV_PERSONAS).join(", ")}` };
  }
  const id = persona as DevPersonaId;
  if (!DEV_PERSONAS[id].needsTenant) return { ok: true, persona: id };
  if (typeof tenantId !== "string" || !UUID.test(tenantId)) {
    return { ok: false, message: "A tenant user needs the id (a UUID) of the tenant they belong to" };
  }
  return { ok: true, persona: id, tenantId: tenantId.toLowerCase() };
}

export async function mintDevToken(
  secret: string,
  rules: { issuer?: string; audience?: string },
  request: { persona: DevPersonaId; tenantId?: string },
): Promise<string> {
  const persona = DEV_PERSONAS[request.persona];
  return signDevelopmentToken(secret, {
    sub: request.tenantId ? `${persona.sub}:${request.tenantId}` : persona.sub,
    scope: persona.scope,
    tenantId: request.tenantId,
    issuer: rules.issuer,
    audience: rules.audience,
    expiresIn: DEV_TOKEN_LIFETIME,
  });
}
