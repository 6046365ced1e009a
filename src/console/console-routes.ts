// The operator console at /console (design §11): the built single-page app, its client
// configuration, and — where configured — development tokens. Same origin as /graphql, so the
// console needs no CORS and no second process.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthConfig, ConsoleConfig } from "../server/config.ts";
import { defaultAssetDirectories, findAssetDirectory, refreshed, type ConsoleBuild } from "./console-assets.ts";
import { DEV_PERSONAS, mintDevToken, parseDevTokenRequest } from "./dev-tokens.ts";
import { consoleSecurityHeaders } from "./security-headers.ts";

export const CONSOLE_PATH = "/console";
const API_PREFIX = "/console/api/";
const MAX_DEV_TOKEN_BODY_BYTES = 4096;

/** Whether a request path belongs to the console. */
export function isConsolePath(pathname: string): boolean {
  return pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);
}

/** What the console's client reads at start: which sign-in it offers. */
export interface ConsoleClientConfig {
  /** `POST /console/api/dev-token` answers (development only). */
  devTokens: boolean;
  personas: { id: string; label: string; needsTenant: boolean }[];
  /** Single sign-on (authorization code + PKCE, oidc-client-ts); null: a pasted token. */
  oidc: { authority: string; clientId: string; scope: string; audience: string | null } | null;
}

export interface ConsoleRoutes {
  /** Answers a request whose path `isConsolePath`. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
}

/**
 * The page answered when no build is found (a fresh clone under `npm start`): it says how to
 * build rather than building inside the server, which would make a first start slow and need
 * the development dependencies at run time.
 */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>The console is not built</h1>
<p>This server serves the operator console from <code>dist/console/</code>, which a fresh clone does not have yet.
Build it once, then reload this page (no restart needed):</p>
<pre>npm run build:console</pre>
<p><code>npm run build</code> builds it too, with the service. See the README, section "Operator console".</p>
</main></body></html>
`;

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_DEV_TOKEN_BODY_BYTES) throw new Error("too large");
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

export function createConsoleRoutes(options: { console: ConsoleConfig; auth: AuthConfig }): ConsoleRoutes {
  const oidc = options.console.oidc;
  // With single sign-on the page fetches the provider's discovery document and token endpoint.
  const securityHeaders = consoleSecurityHeaders(oidc ? [new URL(oidc.issuer).origin] : []);
  const send = (
    response: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer | string,
    headOnly: boolean,
  ): void => {
    response.writeHead(status, { ...securityHeaders, ...headers });
    response.end(headOnly ? undefined : body);
  };
  const sendJson = (response: ServerResponse, status: number, body: unknown): void =>
    send(
      response,
      status,
      { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      JSON.stringify(body),
      false,
    );
  const directory = options.console.assetsDir ?? findAssetDirectory(defaultAssetDirectories());
  let build: ConsoleBuild | null = null;
  const mint =
    options.console.devTokens && options.auth.kind === "secret"
      ? { secret: options.auth.secret, issuer: options.auth.issuer, audience: options.auth.audience }
      : null;
  const clientConfig: ConsoleClientConfig = {
    devTokens: mint !== null,
    personas: mint
      ? Object.entries(DEV_PERSONAS).map(([id, persona]) => ({
          id,
          label: persona.label,
          needsTenant: persona.needsTenant,
        }))
      : [],
    oidc: oidc
      ? { authority: oidc.issuer, clientId: oidc.clientId, scope: oidc.scope, audience: oidc.audience ?? null }
      : null,
  };

  async function devToken(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!mint) {
      sendJson(response, 404, { error: "Development tokens are not offered by this server" });
      return;
    }
    // A page of another site cannot send JSON here without a CORS preflight, which is never
    // answered; a browser that says where the request comes from is held to this origin too.
    const site = request.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin") {
      sendJson(response, 403, { error: "Only the console itself may ask for a development token" });
      return;
    }
    if (!/^application\/json\b/i.test(request.headers["content-type"] ?? "")) {
      sendJson(response, 415, { error: "Send application/json" });
      return;
    }
    let body: unknown;
    try {
      body = await readJson(request);
    } catch {
      // The rest of an oversized body is not read: the connection closes instead of carrying it.
      response.setHeader("connection", "close");
      sendJson(response, 400, { error: "Send a JSON object of at most 4 KB" });
      return;
    }
    const parsed = parseDevTokenRequest(body);
    if (!parsed.ok) {
      sendJson(response, 400, { error: parsed.message });
      return;
    }
    const token = await mintDevToken(mint.secret, mint, parsed);
    sendJson(response, 200, { token, persona: parsed.persona, tenantId: parsed.tenantId ?? null });
  }

  return {
    async handle(request, response, url) {
      const method = request.method ?? "GET";
      if (url.pathname.startsWith(API_PREFIX)) {
        const name = url.pathname.slice(API_PREFIX.length);
        if (name === "config" && method === "GET") return sendJson(response, 200, clientConfig);
        if (name === "dev-token" && method === "POST") return devToken(request, response);
        return sendJson(response, 404, { error: "Not found" });
      }
      if (method !== "GET" && method !== "HEAD") {
        send(response, 405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }, "Use GET", false);
        return;
      }
      const headOnly = method === "HEAD";
      build = directory ? refreshed(directory, build) : null;
      if (!build) {
        send(
          response,
          503,
          { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
          NOT_BUILT_PAGE,
          headOnly,
        );
        return;
      }
      const name = url.pathname.slice(CONSOLE_PATH.length + 1);
      const file = name === "" ? undefined : build.files.get(name);
      // A path that names no file is a page of the app (/console/runs/<id>): index.html, whose
      // script routes it. One that looks like an asset is a 404: HTML must never stand in for a script.
      const looksLikeAsset = name.startsWith("assets/") || /\.[a-z0-9]+$/i.test(name);
      if (!file && looksLikeAsset) {
        send(response, 404, { "content-type": "text/plain; charset=utf-8" }, "Not found", headOnly);
        return;
      }
      const served = file ?? (build.files.get("index.html") as NonNullable<typeof file>);
      const gzip = served.gzipped !== null && /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
      send(
        response,
        200,
        {
          "content-type": served.contentType,
          // The app shell is revalidated every time, so a new build is seen at once; hashed assets never change.
          "cache-control": served.immutable ? "public, max-age=31536000, immutable" : "no-cache",
          vary: "accept-encoding",
          ...(gzip ? { "content-encoding": "gzip" } : {}),
        },
        gzip ? (served.gzipped as Buffer) : served.body,
        headOnly,
      );
    },
  };
}
