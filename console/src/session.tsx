// Who is using the console: the token (in memory only — never localStorage, a cookie or the URL,
// so a reload signs out and no other script or tab can read it), what its claims say (for display:
// the server decides), and the tenant chooser's preference (localStorage: a preference, never
// authorization).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { graphql, RequestError } from "./api.ts";

export interface Claims {
  sub: string;
  scopes: string[];
  tenantId: string | null;
  expiresAt: number | null;
}

const PLATFORM_READ_SCOPES = ["platform:operator", "support:read", "support:lifecycle", "support:*"];

/** Reads a JWT's payload for display. Not verified here: the server verifies every request. */
export function readClaims(token: string): Claims | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(
      part
        .replace(/-/g, "+")
        .replace(/_/g, "/")
        .padEnd(Math.ceil(part.length / 4) * 4, "="),
    );
    const payload = JSON.parse(json) as { sub?: unknown; scope?: unknown; tenant_id?: unknown; exp?: unknown };
    return {
      sub: typeof payload.sub === "string" ? payload.sub : "(no subject)",
      scopes: typeof payload.scope === "string" ? payload.scope.split(/\s+/).filter(Boolean) : [],
      tenantId: typeof payload.tenant_id === "string" ? payload.tenant_id : null,
      expiresAt: typeof payload.exp === "number" ? payload.exp * 1000 : null,
    };
  } catch {
    return null;
  }
}

/** Platform-wide readers list tenants; tenant users see their own tenant only. */
export function isPlatformReader(claims: Claims | null): boolean {
  return (
    claims !== null && claims.tenantId === null && claims.scopes.some((scope) => PLATFORM_READ_SCOPES.includes(scope))
  );
}

const CONTEXT_KEY = "tenant-console.tenant-context";

function readPreference(): string | null {
  try {
    return window.localStorage.getItem(CONTEXT_KEY);
  } catch {
    return null;
  }
}

export interface Session {
  token: string | null;
  claims: Claims | null;
  signIn(token: string): void;
  signOut(): void;
  /** The chooser's choice: sent as X-Tenant-Context, a default for lists only. */
  tenantContext: string | null;
  chooseTenant(id: string | null): void;
  /** GraphQL as the signed-in user; a refused token signs out. */
  request<T>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { operatorOverride?: string | null; signal?: AbortSignal },
  ): Promise<T>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(null);
  const [tenantContext, setTenantContext] = useState<string | null>(readPreference);
  const signOut = useCallback(() => setToken(null), []);
  const chooseTenant = useCallback((id: string | null) => {
    setTenantContext(id);
    try {
      if (id) window.localStorage.setItem(CONTEXT_KEY, id);
      else window.localStorage.removeItem(CONTEXT_KEY);
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
  }, []);
  const request = useCallback(
    async <T,>(
      query: string,
      variables: Record<string, unknown> = {},
      options: { operatorOverride?: string | null; signal?: AbortSignal } = {},
    ): Promise<T> => {
      if (!token) throw new RequestError("Sign in first.", "UNAUTHENTICATED", 0);
      try {
        return await graphql<T>(query, variables, { token, tenantContext, ...options });
      } catch (error) {
        if (error instanceof RequestError && error.code === "UNAUTHENTICATED") setToken(null);
        throw error;
      }
    },
    [token, tenantContext],
  );
  const session = useMemo<Session>(
    () => ({
      token,
      claims: token ? readClaims(token) : null,
      signIn: (next) => setToken(next.trim()),
      signOut,
      tenantContext,
      chooseTenant,
      request,
    }),
    [token, signOut, tenantContext, chooseTenant, request],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
