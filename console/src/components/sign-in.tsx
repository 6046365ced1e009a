// Signing in: paste a token, or — in development only, when the server offers it — mint one for a
// persona. The token stays in this page's memory: reloading signs out.
import { useEffect, useState, type FormEvent } from "react";
import { useSession } from "../session.tsx";

interface ClientConfig {
  devTokens: boolean;
  personas: { id: string; label: string; needsTenant: boolean }[];
}

export function useClientConfig(): ClientConfig | null {
  const [config, setConfig] = useState<ClientConfig | null>(null);
  useEffect(() => {
    fetch("/console/api/config", { credentials: "omit" })
      .then((response) => (response.ok ? (response.json() as Promise<ClientConfig>) : null))
      .then(setConfig, () => setConfig({ devTokens: false, personas: [] }));
  }, []);
  return config;
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
