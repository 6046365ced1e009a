// Signing in: paste a token, or — in development only, when the server offers it — mint one for a
// persona. The token stays in this page's memory: reloading signs out.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { completeSignIn, startSignIn, type OidcClientConfig } from "../oidc.ts";
import { navigate, useLocation } from "../router.tsx";
import { useSession } from "../session.tsx";

interface ClientConfig {
  devTokens: boolean;
  personas: { id: string; label: string; needsTenant: boolean }[];
  oidc: OidcClientConfig | null;
}

const NO_CONFIG: ClientConfig = { devTokens: false, personas: [], oidc: null };
let configRequest: Promise<ClientConfig> | null = null;

/** The server's word on which sign-ins it offers (asked once per page). */
export function useClientConfig(): ClientConfig | null {
  const [config, setConfig] = useState<ClientConfig | null>(null);
  useEffect(() => {
    configRequest ??= fetch("/console/api/config", { credentials: "omit" }).then(
      (response) => (response.ok ? (response.json() as Promise<ClientConfig>) : NO_CONFIG),
      () => NO_CONFIG,
    );
    void configRequest.then(setConfig);
  }, []);
  return config;
}

/** Where the identity provider sends the browser back: finish the sign-in, then go where it started. */
export function AuthCallback() {
  const session = useSession();
  const config = useClientConfig();
  const [problem, setProblem] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (!config || started.current) return;
    started.current = true;
    if (!config.oidc) {
      setProblem("This server does not offer single sign-on.");
      return;
    }
    completeSignIn(config.oidc).then(
      ({ accessToken, returnTo }) => {
        session.signIn(accessToken);
        // The code and state leave the address bar (and the history) at once.
        navigate(returnTo, { replace: true });
      },
      (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)),
    );
  }, [config, session]);
  return problem ? (
    <section aria-labelledby="callback-title">
      <h1 id="callback-title">Sign-in failed</h1>
      <p className="state state-error" role="alert">
        {problem}
      </p>
      <button type="button" onClick={() => navigate("/", { replace: true })}>
        Back to sign-in
      </button>
    </section>
  ) : (
    <p className="state" role="status">
      Completing sign-in…
    </p>
  );
}

export function SignIn() {
  const session = useSession();
  const config = useClientConfig();
  const [token, setToken] = useState("");
  const [persona, setPersona] = useState("operator");
  const [tenantId, setTenantId] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = config?.personas.find((candidate) => candidate.id === persona);
  const location = useLocation();

  const useToken = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim() === "") {
      setProblem("Paste a token first.");
      return;
    }
    session.signIn(token);
  };

  const mint = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const response = await fetch("/console/api/dev-token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ persona, ...(chosen?.needsTenant ? { tenantId: tenantId.trim() } : {}) }),
        credentials: "omit",
      });
      const body = (await response.json()) as { token?: string; error?: string };
      if (!response.ok || !body.token) throw new Error(body.error ?? `The server answered ${response.status}`);
      session.signIn(body.token);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="sign-in-title" className="sign-in">
      <h1 id="sign-in-title">Sign in</h1>
      <p>
        The console acts with your token on every request; the server decides what you may see and do. The token is kept
        in this page's memory only: reloading the page signs you out.
      </p>
      {problem && (
        <p className="state state-error" role="alert">
          {problem}
        </p>
      )}
      {config?.oidc && (
        <div className="card">
          <h2>Single sign-on</h2>
          <p className="hint">You will come back to this page once signed in.</p>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              const here = `${location.path}${location.query.size > 0 ? `?${location.query.toString()}` : ""}`;
              startSignIn(config.oidc as OidcClientConfig, here).catch((error: unknown) => {
                setBusy(false);
                setProblem(error instanceof Error ? error.message : String(error));
              });
            }}
          >
            Sign in with single sign-on
          </button>
        </div>
      )}
      <form onSubmit={useToken} className="card">
        <h2>With a token</h2>
        <div className="field">
          <label htmlFor="token">Bearer token</label>
          <input
            id="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-describedby="token-hint"
          />
          <p className="hint" id="token-hint">
            A JWT from your identity provider (<code>npm run token</code> prints one in development).
          </p>
        </div>
        <button type="submit" className="primary">
          Use this token
        </button>
      </form>
      {config?.devTokens && (
        <form onSubmit={mint} className="card">
          <h2>Development sign-in</h2>
          <p className="hint">
            Offered only by a development server: it mints a one-hour token for a persona. Production servers refuse it.
          </p>
          <div className="field">
            <label htmlFor="persona">Persona</label>
            <select id="persona" value={persona} onChange={(event) => setPersona(event.target.value)}>
              {config.personas.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.label}
                </option>
              ))}
            </select>
          </div>
          {chosen?.needsTenant && (
            <div className="field">
              <label htmlFor="persona-tenant">Tenant id of this user</label>
              <input
                id="persona-tenant"
                type="text"
                spellCheck={false}
                value={tenantId}
                onChange={(event) => setTenantId(event.target.value)}
              />
            </div>
          )}
          <button type="submit" disabled={busy}>
            Sign in as this persona
          </button>
        </form>
      )}
    </section>
  );
}
