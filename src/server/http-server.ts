import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginInlineTrace } from "@apollo/server/plugin/inlineTrace";
import { timingSafeEqual } from "node:crypto";
import { auditPublicKeyOf } from "../services/audit/audit-keys.ts";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Admission, callerFor, type Ticket } from "./admission/admission.ts";
import { refusalExtensions, refusalReason, refusalStatus, retryAfterSeconds } from "./admission/refusals.ts";
import type { GraphQLSchema } from "graphql";
import type { GraphQLContext, RequestAccess } from "../resolvers/context.ts";
import type { Database } from "../services/database/client.ts";
import type { TokenVerifier } from "./auth.ts";
import { refuseWithoutAccess } from "./access-gate.ts";
import { compiledExecution } from "./compiled-executor.ts";
import type { Config } from "./config.ts";
import { CorsPolicy } from "./cors.ts";
import { errorFormatter } from "./error-formatting.ts";
import { IDE_STATIC_PATH, loadGraphQLIde, wantsIde } from "./graphql-ide.ts";
import { createConsoleRoutes, isConsolePath } from "../console/console-routes.ts";
import { entityBatchLimit, queryLimits } from "./limits.ts";
import { costLimit } from "./query-cost.ts";
import { ServiceMetrics } from "./metrics.ts";
import { natsSinkName } from "../events/event-sink.ts";
import { observeRequests } from "./request-observer.ts";
import type { Logger } from "./logger.ts";
import { createRequestContext, requestIdFrom, type RequestRecord } from "./request-context.ts";
import { readYourWrites, type ReadRouting } from "./read-your-writes.ts";
import { WritePositions } from "../services/database/write-positions.ts";
import { startOperationSpan, type SpanParent } from "../telemetry/tracing.ts";

const READINESS_TIMEOUT_MS = 2_000;
/** Health, readiness and metrics: answered to machines, logged at debug unless they fail. */
const PROBE_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);
/** The header by which a router asks for ftv1 inline traces. */
const FEDERATION_TRACE_HEADER = "apollo-federation-include-trace";

/** Whether the request carries the configured router secret (compared in constant time). */
function presentsSecret(presented: string | string[] | undefined, secret: string | undefined): boolean {
  if (!secret || typeof presented !== "string") return false;
  const given = Buffer.from(presented, "utf8");
  const expected = Buffer.from(secret, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface HttpServerDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  schema: GraphQLSchema;
  verifyToken: TokenVerifier;
}

export interface RunningHttpServer {
  server: Server;
  metrics: ServiceMetrics;
  apollo: ApolloServer<GraphQLContext>;
  /** Stops accepting connections, lets in-flight requests finish (up to the deadline), then resolves. */
  drain(deadlineMs: number): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(payload);
}

function sendGraphQLError(response: ServerResponse, error: HttpError): void {
  sendJson(response, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
}

/**
 * The body as text, refused past `maxBytes`. Read with 'data'/'end' listeners rather than an async
 * iterator: on a small body the iterator's machinery (a promise per chunk, end-of-stream
 * tracking) cost ~6 µs a request, 1.5 % of a tenant read's CPU (profiled).
 */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `Request body exceeds ${maxBytes} bytes`, "BAD_REQUEST");
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: HttpError) => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      // Nothing more is read: the caller answers and closes the connection.
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) stop(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => {
      request.off("error", onError);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    // The stream only fails when the client aborts or sends a malformed body: a client error.
    const onError = () => stop(new HttpError(400, "The request body could not be read", "BAD_REQUEST"));
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("error", onError);
  });
}

/** How many Authorization headers the request carries (`headersDistinct` would build every header's list). */
function authorizationHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (name.length === 13 && name.toLowerCase() === "authorization") count += 1;
  }
  return count;
}

function parseBody(request: IncomingMessage, text: string): unknown {
  const contentType = request.headers["content-type"] ?? "";
  if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) return text;
  // RFC 8259 §8.1 lets a JSON parser ignore a leading byte order mark, which some clients
  // (Windows tools among them) still write; JSON.parse would refuse it.
  const json = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (json.trim() === "") throw new HttpError(400, "Request body is empty", "BAD_REQUEST");
  try {
    return JSON.parse(json);
  } catch {
    throw new HttpError(400, "Request body is not valid JSON", "BAD_REQUEST");
  }
}

/** Builds the HTTP server: POST/GET /graphql (Apollo), /healthz, /readyz, /metrics, /audit/public-key. */
export async function startHttpServer(dependencies: HttpServerDependencies): Promise<RunningHttpServer> {
  const { config, logger, database, schema, verifyToken } = dependencies;
  const admission = new Admission(config.admission);
  admission.shedder.start();
  const metrics = new ServiceMetrics(
    database.pool,
    () => admission.shedder.eventLoopDelayMs,
    config.webhooks.nats ? [natsSinkName(config.webhooks.nats.stream)] : [],
    database.replicas,
  );
  if (database.replicas) {
    database.replicas.observe({
      stateChanged: (replica, up, detail) =>
        up
          ? logger.info({ replica, detail }, "read replica in use")
          : logger.warn({ replica, detail }, "read replica skipped: its reads go to the primary until it answers"),
    });
    logger.info({ replicas: database.replicas.names }, "read-only requests may be served by replicas");
  }
  // Read replicas (design §10): without them, nothing of read-your-writes is installed.
  const reads: ReadRouting | null = database.replicas
    ? {
        replicas: database.replicas,
        positions: new WritePositions(),
        onRoute: (route, reason) => metrics.readRouting.inc({ route, reason }),
      }
    : null;
  const limits = queryLimits(config);
  const apollo = new ApolloServer<GraphQLContext>({
    // graphql-js runs only what the compiled executor has not compiled yet, unless configured to run everything.
    ...(config.executor === "compiled"
      ? {
          gateway: compiledExecution(schema, {
            budgetBytes: config.compiledCacheBytes,
            onWeight: (bytes) => metrics.compiledCacheBytes.set(bytes),
          }),
        }
      : { schema }),
    introspection: !config.isProduction,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // main.ts owns shutdown: drain HTTP, then stop Apollo, the pool and the embedded database, in that order.
    stopOnTerminationSignals: false,
    formatError: errorFormatter({ hideSuggestions: config.isProduction }),
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
    plugins: [
      ...limits.plugins,
      // Callers without access are refused first, once: nothing else is worth telling them.
      refuseWithoutAccess(),
      // Representations are checked first: a malformed one gets its own message, not a cost error.
      entityBatchLimit(config.limits.maxEntityRepresentations),
      costLimit({ platform: config.limits.maxCost, tenant: config.limits.maxCostTenant }),
      observeRequests(metrics),
      ...(reads ? [readYourWrites(reads.positions)] : []),
      // No cache hints are set here, and the plugin instruments every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      // ftv1 is for the router only (design §6): installed explicitly when a router can be told
      // apart, and not at all otherwise. Left implicit, Apollo enables it for every subgraph and
      // says so at each start, which read as if any client could ask for traces.
      config.routerSharedSecret ? ApolloServerPluginInlineTrace() : ApolloServerPluginInlineTraceDisabled(),
      // Apollo's landing page loads Sandbox from Apollo's CDN; the bundled IDE below replaces it.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  const ide = config.graphqlIde ? await loadGraphQLIde("/graphql") : null;
  const cors = new CorsPolicy(config.corsOrigins);
  // The operator console (design §11): static files and its own small API, never /graphql's.
  const consoleRoutes = config.console.enabled ? createConsoleRoutes(config) : null;
  if (config.graphqlIde && !ide) {
    logger.warn("GRAPHQL_IDE: the ruru package is not installed (a development dependency); no IDE is served");
  }
  logger.info(
    { ftv1: config.routerSharedSecret ? "router only" : "off" },
    config.routerSharedSecret
      ? "ftv1 inline traces: only for requests presenting ROUTER_SHARED_SECRET"
      : "ftv1 inline traces: off (they are only for a router, recognised by ROUTER_SHARED_SECRET)",
  );

  let inFlight = 0;
  let draining = false;
  const idle: (() => void)[] = [];

  const server = createServer((request, response) => {
    const startedAt = process.hrtime.bigint();
    const requestId = requestIdFrom(request.headers);
    // A GraphQL request is one operation span, the router's `traceparent` its parent (design §6);
    // the request's log lines carry its ids.
    const operationSpan = request.url?.startsWith("/graphql")
      ? startOperationSpan(request.headers, request.method)
      : null;
    const requestLogger = logger.child(
      operationSpan?.logFields ? { requestId, ...operationSpan.logFields } : { requestId },
    );
    const record: RequestRecord = {};
    response.setHeader("x-request-id", requestId);
    inFlight += 1;
    const finished = () => {
      inFlight -= 1;
      operationSpan?.end({
        operationName: record.operationName,
        operationType: record.operationType,
        status: response.statusCode,
      });
      const path = request.url?.split("?")[0];
      // An orchestrator probes every few seconds: those lines would drown the requests' own.
      const level = path && PROBE_PATHS.has(path) && response.statusCode < 500 ? "debug" : "info";
      requestLogger[level](
        {
          method: request.method,
          path,
          status: response.statusCode,
          operationName: record.operationName,
          sub: record.sub,
          durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6,
        },
        "request finished",
      );
      // While draining, a keep-alive connection is closed as soon as its last response is out.
      if (draining) server.closeIdleConnections();
      if (inFlight === 0) idle.splice(0).forEach((resolve) => resolve());
    };
    response.on("close", finished);
    if (draining) {
      response.setHeader("connection", "close");
      sendJson(response, 503, {
        errors: [{ message: "The server is shutting down", extensions: { code: "SERVICE_UNAVAILABLE" } }],
      });
      return;
    }
    handle(request, response, requestId, requestLogger, record, operationSpan?.parent ?? null).catch(
      (error: unknown) => {
        requestLogger.error({ err: error }, "request failed outside GraphQL execution");
        if (!response.headersSent) {
          sendJson(response, 500, {
            errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
          });
        } else {
          response.end();
        }
      },
    );
  });
  // Requests Node refuses itself (malformed HTTP, oversized headers such as a huge Authorization)
  // get the same JSON error shape instead of Node's bare status line. Like Node's own handler, it
  // answers only while no response on this socket has started, then closes the connection.
  server.on(
    "clientError",
    (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: ServerResponse | null }) => {
      if (error.code !== "ECONNRESET" && socket.writable && !socket._httpMessage?.headersSent) {
        const [status, text] =
          error.code === "HPE_HEADER_OVERFLOW"
            ? [431, "Request Header Fields Too Large"]
            : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
              ? [408, "Request Timeout"]
              : [400, "Bad Request"];
        const body = JSON.stringify({ errors: [{ message: text, extensions: { code: "BAD_REQUEST" } }] });
        socket.write(
          `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
  );
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  /**
   * Admits a GraphQL request for its caller, or answers the refusal (429 or 503 with
   * Retry-After) and returns null. Its body is then never read: the connection closes instead
   * of taking in what it would discard (a refused caller waits a second at least).
   */
  function admit(request: IncomingMessage, response: ServerResponse, access: RequestAccess): Ticket | null {
    const principal =
      access.kind === "ok" ? access.services.viewer.principal : access.kind === "refused" ? access.principal : null;
    const entry = admission.enter(callerFor(principal, request.socket.remoteAddress));
    if (entry.admitted) {
      response.once("close", entry.ticket.leave);
      return entry.ticket;
    }
    const { refusal } = entry;
    metrics.admissionRefusals.inc({ reason: refusalReason(refusal) });
    response.setHeader("connection", "close");
    sendJson(
      response,
      refusalStatus(refusal),
      { errors: [{ message: refusal.message, extensions: refusalExtensions(refusal) }] },
      { "retry-after": String(retryAfterSeconds(refusal)) },
    );
    return null;
  }

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    requestLogger: Logger,
    record: RequestRecord,
    trace: SpanParent,
  ) {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/healthz" && request.method === "GET") {
      sendJson(response, 200, { status: "ok" });
      return;
    }
    if (url.pathname === "/readyz" && request.method === "GET") {
      const ready = await database.reachable(READINESS_TIMEOUT_MS);
      sendJson(response, ready ? 200 : 503, { status: ready ? "ready" : "database unavailable" });
      return;
    }
    if (url.pathname === "/audit/public-key" && request.method === "GET") {
      // Public by nature: what auditors verify checkpoints with (design §4 "Audit evidence").
      sendJson(response, 200, auditPublicKeyOf(config.audit.signer));
      return;
    }
    if (url.pathname === "/metrics" && request.method === "GET") {
      response.writeHead(200, { "content-type": metrics.registry.contentType });
      response.end(await metrics.registry.metrics());
      return;
    }
    if (ide && url.pathname.startsWith(IDE_STATIC_PATH) && request.method === "GET") {
      if (await ide.sendStatic(url.pathname, request.headers["accept-encoding"], response)) return;
    }
    if (consoleRoutes && isConsolePath(url.pathname)) {
      await consoleRoutes.handle(request, response, url);
      return;
    }
    if (url.pathname !== "/graphql") {
      sendJson(response, 404, { error: "Not found" });
      return;
    }
    // A preflight carries no credentials (nor the router secret): answered before either is asked for.
    if (request.method === "OPTIONS") {
      cors.answerPreflight(request, response);
      return;
    }
    cors.decorate(request, response);
    // A static page holding no data: served before the router secret, which a browser cannot send.
    if (ide && wantsIde(request.method, request.headers.accept, url.search)) {
      ide.sendPage(response);
      return;
    }
    const fromRouter = presentsSecret(request.headers["x-router-secret"], config.routerSharedSecret);
    if (config.routerSharedSecret && !fromRouter) {
      sendGraphQLError(response, new HttpError(401, "This subgraph only answers its router", "UNAUTHENTICATED"));
      return;
    }
    if (request.method !== "POST" && request.method !== "GET") {
      response.setHeader("allow", "GET, POST, OPTIONS");
      sendGraphQLError(response, new HttpError(405, "Use GET or POST", "BAD_REQUEST"));
      return;
    }
    // Node keeps the first of several Authorization headers and drops the rest; a proxy in front
    // may keep the last: each would authenticate a different caller. Refused before any work.
    const authorizations = authorizationHeaderCount(request.rawHeaders);
    if (authorizations > 1) {
      sendGraphQLError(
        response,
        new HttpError(400, `Send one Authorization header; this request has ${authorizations}`, "BAD_REQUEST"),
      );
      return;
    }
    // Who is calling decides whether the request may start: before its body is read or parsed,
    // the cheapest moment to refuse it (design §6).
    const context = await createRequestContext(
      {
        pool: database.pool,
        limits: { maxRows: config.limits.maxResolvedItems, timeoutMs: config.limits.requestTimeoutMs },
        quotas: { idempotencyRecordsPerPrincipal: config.limits.idempotencyRecordsPerPrincipal },
        auditKeys: config.audit,
        verifyToken,
        metrics,
        webhookPolicy: config.webhooks.policy,
        ...(reads ? { reads } : {}),
      },
      { headers: request.headers, requestId, logger: requestLogger, record, trace },
    );
    const ticket = admit(request, response, context.access);
    if (!ticket) return;
    context.admission = ticket;
    let body: unknown;
    try {
      body =
        request.method === "POST" ? parseBody(request, await readBody(request, config.limits.maxBodyBytes)) : undefined;
    } catch (error) {
      if (error instanceof HttpError) {
        // The rest of a refused body is never read: close the connection rather than leave it
        // mid-body, where the client's next request on it would be taken for body bytes.
        response.setHeader("connection", "close");
        sendGraphQLError(response, error);
        return;
      }
      throw error;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      // Inline traces (per-resolver timings, several times the CPU and bytes) are for the router only.
      if (name === FEDERATION_TRACE_HEADER && !fromRouter) continue;
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method, headers, search: url.search, body },
      context: async () => context,
    });
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of result.headers) responseHeaders[name] = value;
    const status = statusForJson(result.status ?? 200, responseHeaders["content-type"], result.body);
    response.writeHead(status, responseHeaders);
    if (result.body.kind === "complete") {
      response.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    server,
    metrics,
    apollo,
    async drain(deadlineMs) {
      draining = true;
      admission.shedder.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const finished = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([Promise.all([finished, closed]), deadline]);
      clearTimeout(timer);
      server.closeAllConnections();
      await apollo.stop();
    },
  };
}

/**
 * GraphQL-over-HTTP: an `application/json` response carries a request error (parse, validation,
 * variables, cost, `_entities` shape) with status 200, so a router passes its message to the
 * client (@apollo/gateway turns a 400 into "400: Bad Request"). Media type
 * `application/graphql-response+json` keeps the 4xx; HTTP-level refusals (CSRF, a body that is
 * not a GraphQL request) keep theirs.
 */
function statusForJson(status: number, contentType: string | undefined, body: HTTPGraphQLResponse["body"]): number {
  if (status !== 400 || !contentType?.startsWith("application/json") || body.kind !== "complete") return status;
  try {
    const parsed = JSON.parse(body.string) as { errors?: { extensions?: { code?: unknown } }[] };
    const codes = (parsed.errors ?? []).map((error) => error.extensions?.code);
    return codes.length > 0 && !codes.includes("BAD_REQUEST") ? 200 : status;
  } catch {
    return status;
  }
}
