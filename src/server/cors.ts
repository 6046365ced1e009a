// Cross-origin access to /graphql for browser apps on other origins (CORS_ORIGINS; none by
// default). The usual path is through the router, on the app's own origin: see README.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Request headers a browser app may send (what the router would otherwise forward). */
const ALLOWED_REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "x-request-id",
  "x-operator-override",
  "x-tenant-context",
  // read-your-writes across processes (design §10): the app sends back the position it was given
  "x-tenant-lifecycle-lsn",
].join(", ");
const EXPOSED_RESPONSE_HEADERS = "x-request-id, retry-after, x-tenant-lifecycle-lsn";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** `https://app.example.com` as the Origin header carries it: scheme, host and port, no path. */
export function parseAllowedOrigins(value: string | undefined): { origins: string[]; problems: string[] } {
  const origins: string[] = [];
  const problems: string[] = [];
  for (const entry of (value ?? "").split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    let origin: string | null = null;
    try {
      const url = new URL(entry);
      if ((url.protocol === "http:" || url.protocol === "https:") && url.origin === entry.replace(/\/$/, "")) {
        origin = url.origin;
      }
    } catch {
      origin = null;
    }
    if (origin) origins.push(origin);
    else problems.push(`CORS_ORIGINS: "${entry}" is not an origin such as https://app.example.com (no path, no *)`);
  }
  return { origins, problems };
}

export class CorsPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins);
  }

  /** The allowed Origin of this request, if it has one. */
  private allowedOrigin(request: IncomingMessage): string | null {
    const origin = request.headers.origin;
    return typeof origin === "string" && this.allowed.has(origin) ? origin : null;
  }

  /** On an actual request: lets an allowed origin read the response. */
  decorate(request: IncomingMessage, response: ServerResponse): void {
    if (this.allowed.size > 0) response.setHeader("vary", "Origin");
    const origin = this.allowedOrigin(request);
    if (!origin) return;
    response.setHeader("access-control-allow-origin", origin);
    response.setHeader("access-control-expose-headers", EXPOSED_RESPONSE_HEADERS);
  }

  /**
   * Answers `OPTIONS /graphql`: a preflight from an allowed origin gets the methods and headers
   * it may use; any other gets no CORS headers, which the browser reads as a refusal.
   */
  answerPreflight(request: IncomingMessage, response: ServerResponse): void {
    const headers: Record<string, string> = { allow: "GET, POST, OPTIONS", "content-length": "0" };
    if (this.allowed.size > 0)
      headers["vary"] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
    const origin = this.allowedOrigin(request);
    if (origin) {
      headers["access-control-allow-origin"] = origin;
      headers["access-control-allow-methods"] = "GET, POST";
      headers["access-control-allow-headers"] = ALLOWED_REQUEST_HEADERS;
      headers["access-control-max-age"] = PREFLIGHT_MAX_AGE_SECONDS;
    }
    response.writeHead(204, headers);
    response.end();
  }
}
