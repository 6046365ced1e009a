import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { GraphQLContext, RequestAccess } from "../resolvers/context.ts";
import type { AuditEvidenceKeys } from "../services/audit/audit-keys.ts";
import { createViewer, OperatorOverrideNotAllowedError } from "../services/authorization/viewer.ts";
import type { DestinationPolicy } from "../events/destinations.ts";
import { RequestSql, type RequestSqlLimits, type SqlPool } from "../services/database/sql.ts";
import { createReaders, type WriteQuotas } from "../services/service-context.ts";
import { AuthenticationError, type TokenVerifier } from "./auth.ts";
import type { SpanParent } from "../telemetry/tracing.ts";
import type { Logger } from "./logger.ts";
import type { ServiceMetrics } from "./metrics.ts";
import { routingFor, type ReadRouting } from "./read-your-writes.ts";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/** X-Request-Id when it is a sane token, else a generated id; it is echoed and recorded on audit events. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

function singleHeader(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  const trimmed = text?.trim();
  return trimmed ? trimmed.toLowerCase() : null;
}

export interface ContextDependencies {
  pool: SqlPool;
  /** Bounds on each request's database work (rows read, wall time from the request's start). */
  limits: { maxRows: number; timeoutMs: number };
  quotas: WriteQuotas;
  auditKeys: AuditEvidenceKeys;
  verifyToken: TokenVerifier;
  metrics: ServiceMetrics;
  webhookPolicy?: DestinationPolicy;
  /** Read replicas (design §10); absent: every statement on `pool`. */
  reads?: ReadRouting;
}

/** What the request log line reports about a GraphQL request, filled in as it is handled. */
export interface RequestRecord {
  operationName?: string;
  operationType?: string;
  sub?: string;
  cost?: number;
}

/** Establishes who is calling; never throws: a refused caller still gets `_service`. */
export async function createRequestContext(
  dependencies: ContextDependencies,
  request: {
    headers: IncomingHttpHeaders;
    requestId: string;
    logger: Logger;
    record: RequestRecord;
    /** The operation span its statements are traced under (design §6 "Tracing"). */
    trace?: SpanParent;
  },
): Promise<GraphQLContext> {
  const { headers, requestId, logger, record } = request;
  const access = await resolveAccess(dependencies, headers, logger, requestId, request.trace ?? null);
  if (access.kind === "ok") record.sub = access.services.viewer.principal.sub;
  if (access.kind === "refused") record.sub = access.principal.sub;
  return { requestId, logger, access, record, metrics: dependencies.metrics };
}

async function resolveAccess(
  dependencies: ContextDependencies,
  headers: IncomingHttpHeaders,
  logger: Logger,
  requestId: string,
  trace: SpanParent,
): Promise<RequestAccess> {
  const authorization = headers.authorization;
  if (!authorization) return { kind: "anonymous", tokenProblem: null };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return { kind: "anonymous", tokenProblem: "Authorization must be a Bearer token" };
  let principal;
  try {
    principal = await dependencies.verifyToken(match[1] as string);
  } catch (error) {
    if (error instanceof AuthenticationError) return { kind: "anonymous", tokenProblem: error.message };
    throw error;
  }
  const operatorOverrideTenantId = singleHeader(headers, "x-operator-override");
  try {
    const viewer = createViewer(principal, {
      operatorOverrideTenantId,
      contextTenantId: singleHeader(headers, "x-tenant-context"),
    });
    if (operatorOverrideTenantId !== null) {
      logger.info(
        { operatorSub: principal.sub, overrideTenantId: operatorOverrideTenantId },
        "operator override in use",
      );
    }
    const limits: RequestSqlLimits = {
      maxRows: dependencies.limits.maxRows,
      deadline: Date.now() + dependencies.limits.timeoutMs,
    };
    const routing = dependencies.reads ? routingFor(dependencies.reads, principal, headers) : null;
    const sql = new RequestSql(dependencies.pool, limits, trace, routing);
    return {
      kind: "ok",
      services: {
        sql,
        viewer,
        requestId,
        read: createReaders(sql),
        quotas: dependencies.quotas,
        webhookPolicy: dependencies.webhookPolicy,
        auditKeys: dependencies.auditKeys,
      },
    };
  } catch (error) {
    if (error instanceof OperatorOverrideNotAllowedError) {
      logger.warn({ sub: principal.sub }, "operator override refused: caller is not a platform reader");
      return { kind: "refused", principal, message: error.message };
    }
    throw error;
  }
}
