import type { Logger } from "pino";
import type { Principal } from "../domain/principal.ts";
import type { ServiceContext } from "../services/service-context.ts";

/**
 * Per-request access as the schema sees it. `ok` carries the services' context; the other
 * kinds say why no service may be called (and so which error an authenticated field raises).
 */
export type RequestAccess =
  | { kind: "anonymous"; tokenProblem: string | null }
  | { kind: "refused"; principal: Principal; message: string; reason?: string }
  | { kind: "ok"; services: ServiceContext };

export interface GraphQLContext {
  requestId: string;
  logger: Logger;
  access: RequestAccess;
  /** Filled in while the request runs; the request log line reports it. */
  record: { operationName?: string; operationType?: string; sub?: string; cost?: number };
  /** Domain counters the resolvers report (e.g. lifecycle transitions). */
  metrics: { transitions: { inc(labels: { transition: string }): void } };
}
