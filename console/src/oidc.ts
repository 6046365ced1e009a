// Single sign-on with OpenID Connect: authorization code + PKCE in the browser (oidc-client-ts),
// configured by the server (CONSOLE_OIDC_*). Loaded only when configured, so the console's first
// load does not carry it. Tokens stay in memory (an in-memory user store); only the short-lived
// state of a sign-in in flight (its PKCE verifier) crosses the redirect, in sessionStorage, and
// is removed when the sign-in completes.
import type { UserManager } from "oidc-client-ts";

export interface OidcClientConfig {
  authority: string;
  clientId: string;
  scope: string;
  audience: string | null;
}

export const CALLBACK_PATH = "/auth/callback";

let manager: Promise<UserManager> | null = null;

function userManager(config: OidcClientConfig): Promise<UserManager> {
  manager ??= import("oidc-client-ts").then(
    ({ UserManager, WebStorageStateStore, InMemoryWebStorage }) =>
      new UserManager({
        authority: config.authority,
        client_id: config.clientId,
        redirect_uri: `${window.location.origin}/console${CALLBACK_PATH}`,
        response_type: "code",
        scope: config.scope,
        userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
        // Silent renewal and session monitoring need iframes, which the CSP does not allow.
        automaticSilentRenew: false,
        monitorSession: false,
        loadUserInfo: false,
        ...(config.audience ? { extraQueryParams: { audience: config.audience } } : {}),
      }),
  );
  return manager;
}

/** Leaves for the provider's sign-in page; comes back to `returnTo` (a path below /console). */
export async function startSignIn(config: OidcClientConfig, returnTo: string): Promise<void> {
  await (await userManager(config)).signinRedirect({ state: { returnTo } });
}

/** Completes the sign-in the provider redirected back with: the access token and where to go. */
export async function completeSignIn(config: OidcClientConfig): Promise<{ accessToken: string; returnTo: string }> {
  const user = await (await userManager(config)).signinRedirectCallback();
  const state = user.state as { returnTo?: unknown } | undefined;
  const returnTo = typeof state?.returnTo === "string" && state.returnTo.startsWith("/") ? state.returnTo : "/";
  return { accessToken: user.access_token, returnTo };
}
