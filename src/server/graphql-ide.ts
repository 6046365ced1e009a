// The in-browser GraphQL IDE served in development: Ruru (a GraphiQL distribution), every file
// from this server — no CDN, no fonts or telemetry from elsewhere — so it works offline.
import type { ServerResponse } from "node:http";
import type * as RuruServer from "ruru/server";
import type * as RuruStatic from "ruru/static";

/** Where the IDE's own files are served (outside /graphql, so the router secret does not apply to them). */
export const IDE_STATIC_PATH = "/ide/";

/**
 * The page may load, run and contact only this origin: whatever URL the bundled libraries
 * carry in their text, the browser fetches nothing from elsewhere.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const DEFAULT_QUERY = `# Requests need a token: open "Headers" below and add
#   { "Authorization": "Bearer <token>" }
# (npm start prints a development operator token; npm run token -- --help makes others).
{
  tenants(first: 5) {
    edges { node { slug name status } }
  }
}
`;

export interface GraphQLIde {
  /** Answers the IDE page for `GET /graphql` from a browser. */
  sendPage(response: ServerResponse): void;
  /** Serves one of the IDE's files under IDE_STATIC_PATH; false when there is no such file. */
  sendStatic(urlPath: string, acceptEncoding: string | undefined, response: ServerResponse): Promise<boolean>;
}

/**
 * Loads the IDE (the `ruru` package, a development dependency). Null when it is not installed,
 * e.g. after `npm ci --omit=dev`: the caller reports that instead of serving a broken page.
 */
export async function loadGraphQLIde(endpoint: string): Promise<GraphQLIde | null> {
  let ruru: typeof RuruServer;
  let files: typeof RuruStatic;
  try {
    ruru = await import("ruru/server");
    files = await import("ruru/static");
  } catch {
    return null;
  }
  const page = ruru.ruruHTML({
    endpoint,
    staticPath: IDE_STATIC_PATH,
    clientConfig: { defaultQuery: DEFAULT_QUERY, isHeadersEditorEnabled: true },
  });
  return {
    sendPage(response) {
      response.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
      });
      response.end(page);
    },
    async sendStatic(urlPath, acceptEncoding, response) {
      const file = await files.getStaticFile({
        staticPath: IDE_STATIC_PATH,
        urlPath,
        acceptEncoding,
        disallowDevAssets: true,
      });
      if (!file) return false;
      response.writeHead(200, { ...file.headers, "x-content-type-options": "nosniff" });
      response.end(file.content);
      return true;
    },
  };
}

/** A browser navigating to the endpoint, as opposed to a GraphQL client sending a GET query. */
export function wantsIde(method: string | undefined, accept: string | undefined, search: string): boolean {
  return method === "GET" && (accept ?? "").includes("text/html") && !new URLSearchParams(search).has("query");
}
