// The console's shell: header (tenant chooser, who is signed in), routes, and the sign-in panel in
// place of any page while signed out — the URL stays, so a shared link opens after signing in.
import { useEffect, useRef } from "react";
import { ErrorMessage, Loading, NotFound } from "./components/common.tsx";
import { AuthCallback, SignIn } from "./components/sign-in.tsx";
import { CALLBACK_PATH } from "./oidc.ts";
import { CHOOSER_TENANTS, VIEWER_TENANT, type ChooserData, type ViewerTenantData } from "./documents.ts";
import { RunPage } from "./pages/run-page.tsx";
import { OverridePage, TenantPage } from "./pages/tenant-page.tsx";
import { TenantsPage } from "./pages/tenants-page.tsx";
import { WebhookPage, WebhooksPage } from "./pages/webhooks-page.tsx";
import { Link, navigate, useLocation, type Location } from "./router.tsx";
import { isPlatformReader, useSession } from "./session.tsx";
import { useQuery } from "./use-query.ts";

const UUID = "[0-9a-fA-F-]{36}";

function Routes({ location }: { location: Location }) {
  const { path } = location;
  let match: RegExpExecArray | null;
  if (path === "/" || path === "/tenants" || path === "/tenants/") return <Home location={location} />;
  if ((match = new RegExp(`^/tenants/(${UUID})/override$`).exec(path))) {
    return <OverridePage id={match[1] as string} location={location} />;
  }
  if ((match = new RegExp(`^/tenants/(${UUID})$`).exec(path))) {
    return <TenantPage id={match[1] as string} location={location} />;
  }
  if ((match = new RegExp(`^/runs/(${UUID})$`).exec(path))) return <RunPage id={match[1] as string} />;
  if (path === "/webhooks") return <WebhooksPage location={location} />;
  if ((match = new RegExp(`^/webhooks/(${UUID})$`).exec(path))) {
    return <WebhookPage id={match[1] as string} location={location} />;
  }
  if (/^\/(tenants|runs)\/[^/]+$/.test(path)) return <NotFound what={path.startsWith("/runs") ? "Run" : "Tenant"} />;
  return <NotFound what="Page" />;
}

/** Platform readers get the list; a tenant's users go to their own tenant. */
function Home({ location }: { location: Location }) {
  const session = useSession();
  const platform = isPlatformReader(session.claims);
  const { state, reload } = useQuery<ViewerTenantData>(platform ? null : VIEWER_TENANT, {});
  useEffect(() => {
    if (!platform && state.kind === "done" && state.data.viewerTenant) {
      navigate(`/tenants/${state.data.viewerTenant.id}`, { replace: true });
    }
  }, [platform, state]);
  if (platform) return <TenantsPage location={location} />;
  if (state.kind === "loading") return <Loading what="your tenant" />;
  if (state.kind === "error") return <ErrorMessage error={state.error} retry={reload} />;
  if (!state.data.viewerTenant) return <NotFound what="Tenant" />;
  return <Loading what="your tenant" />;
}

/** Offers only selectable tenants; the choice is remembered as a preference (never authorization). */
function TenantChooser() {
  const session = useSession();
  const platform = isPlatformReader(session.claims);
  const list = useQuery<ChooserData>(platform ? CHOOSER_TENANTS : null, {});
  const own = useQuery<ViewerTenantData>(platform ? null : VIEWER_TENANT, {});
  const options = platform
    ? list.state.kind === "done"
      ? list.state.data.tenants.edges.map(({ node }) => node)
      : []
    : own.state.kind === "done" && own.state.data.viewerTenant?.lifecycle.operability.selectable
      ? [own.state.data.viewerTenant]
      : [];
  const known = options.some((option) => option.id === session.tenantContext);
  return (
    <div className="chooser">
      <label htmlFor="tenant-chooser">Selected tenant</label>
      <select
        id="tenant-chooser"
        value={known ? (session.tenantContext ?? "") : ""}
        onChange={(event) => {
          const id = event.target.value || null;
          session.chooseTenant(id);
          if (id) navigate(`/tenants/${id}`);
        }}
      >
        <option value="">None</option>
        {options.map((option) => (
          <option key={option.id} value={option.id}>
            {option.name} ({option.slug})
          </option>
        ))}
      </select>
    </div>
  );
}

export function App() {
  const session = useSession();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  // A new page moves focus to its content, as a page load would, for keyboard and screen readers.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.path]);
  const claims = session.claims;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <p className="brand">
          <Link to="/">Tenant console</Link>
        </p>
        {session.token && (
          <>
            <nav aria-label="Main">
              <ul>
                {isPlatformReader(claims) && (
                  <>
                    <li>
                      <Link to="/tenants">Tenants</Link>
                    </li>
                    <li>
                      <Link to="/webhooks">Webhooks</Link>
                    </li>
                  </>
                )}
              </ul>
            </nav>
            <TenantChooser />
            <div className="who">
              <span>
                Signed in as <strong>{claims?.sub ?? "unknown"}</strong>
                {claims && <span className="subtle"> ({claims.scopes.join(" ") || "no scope"})</span>}
              </span>
              <button type="button" onClick={session.signOut}>
                Sign out
              </button>
            </div>
          </>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {location.path === CALLBACK_PATH ? (
          <AuthCallback />
        ) : session.token ? (
          <Routes location={location} />
        ) : (
          <SignIn />
        )}
      </main>
    </>
  );
}
