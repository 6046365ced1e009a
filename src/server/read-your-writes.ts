// Read-your-writes across replicas (docs/design.md §10): a write's position in the primary's log
// goes back to its caller (a response header a router can propagate, and an extension), comes
// back on the caller's next requests, and is remembered per principal in this process for
// callers that do not send it back. Reads then go to a replica only once it has replayed that far.
import type { ApolloServerPlugin } from "@apollo/server";
import type { IncomingHttpHeaders } from "node:http";
import type { Principal } from "../domain/principal.ts";
import type { GraphQLContext } from "../resolvers/context.ts";
import type { ReplicaSet } from "../services/database/replicas.ts";
import type { RequestRouting } from "../services/database/sql.ts";
import { formatWalPosition, laterOf, parseWalPosition, type WalPosition } from "../services/database/wal-position.ts";
import type { WritePositions } from "../services/database/write-positions.ts";

/** Sent on every response to a request that committed a write; accepted on every request. */
export const WAL_POSITION_HEADER = "x-tenant-lifecycle-lsn";
/** The same position in the response's `extensions`, for clients that read bodies, not headers. */
export const WAL_POSITION_EXTENSION = "tenantLifecycleLsn";

/** What a server with replicas routes with. */
export interface ReadRouting {
  replicas: ReplicaSet;
  positions: WritePositions;
  onRoute?: RequestRouting["onRoute"];
}

/**
 * The latest position the request names. A router that merges the headers of several earlier
 * responses may send several, comma-separated or repeated: the latest counts. Anything that is
 * not a position is ignored — a caller can only send itself to the primary with it.
 */
export function positionFromHeaders(headers: IncomingHttpHeaders): WalPosition | null {
  const value = headers[WAL_POSITION_HEADER];
  if (value === undefined) return null;
  let latest: WalPosition | null = null;
  for (const part of (Array.isArray(value) ? value.join(",") : value).split(",").slice(0, 16)) {
    latest = laterOf(latest, parseWalPosition(part));
  }
  return latest;
}

/** One key per principal as tokens name it (a tenant user's sub is unique within its tenant). */
export function principalKey(principal: Principal): string {
  return `${principal.tenantId ?? ""}\u0000${principal.sub}`;
}

/** The routing of one authenticated request: its caller's latest write is the least a replica must have replayed. */
export function routingFor(reads: ReadRouting, principal: Principal, headers: IncomingHttpHeaders): RequestRouting {
  return {
    replicas: reads.replicas,
    minimum: laterOf(positionFromHeaders(headers), reads.positions.get(principalKey(principal))),
    onRoute: reads.onRoute,
  };
}

/**
 * Marks queries as read-only (their statements may go to a replica; a mutation's all stay on
 * the primary), and hands a committed write's position back to its caller.
 */
export function readYourWrites(positions: WritePositions): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const { access } = contextValue;
      if (access.kind !== "ok") return;
      const { sql, viewer } = access.services;
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === "query") sql.allowReplicaReads();
        },
        async willSendResponse({ response }) {
          const position = sql.writePosition;
          if (position === null) return;
          positions.record(principalKey(viewer.principal), position);
          const text = formatWalPosition(position);
          response.http.headers.set(WAL_POSITION_HEADER, text);
          if (response.body.kind === "single") {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, [WAL_POSITION_EXTENSION]: text };
          }
        },
      };
    },
  };
}
