// Hive Gateway (The Guild's Federation gateway) in front of the subgraphs, configured as a
// production router would be for this subgraph: it verifies the caller's JWT itself, enforces
// the SDL's @authenticated / @requiresScopes (reading the token's scopes as the subgraph does),
// forwards the caller's headers (and a write's log position back to the caller) and adds the
// router secret. Tooling (tests, local use): the packages are devDependencies.
import { createServer, type Server } from "node:http";
import { createGatewayRuntime, type GatewayRuntime } from "@graphql-hive/gateway-runtime";
import { createInlineSigningKeyProvider, extractFromHeader, useJWT } from "@graphql-mesh/plugin-jwt-auth";
import http from "@graphql-mesh/transport-http";
import { effectiveScopes } from "../domain/capabilities.ts";
import { WAL_POSITION_HEADER } from "../server/read-your-writes.ts";
import { FORWARDED_HEADERS } from "./local-gateway.ts";

export interface RunningHiveGateway {
  url: string;
  stop(): Promise<void>;
}

interface JwtPayload {
  scope?: unknown;
  tenant_id?: unknown;
}

/** The scopes a router must act on: the subgraph's reading of the token (platform scopes on a tenant-scoped token count for nothing). */
function scopesOf(payload: JwtPayload | undefined): string[] {
  const scopes = typeof payload?.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
  return effectiveScopes({ scopes, tenantId: typeof payload?.tenant_id === "string" ? payload.tenant_id : null });
}

export async function startHiveGateway(options: {
  supergraphSdl: string;
  /** HS256 secret the gateway verifies tokens with (the subgraph's). */
  jwtSecret: string;
  routerSecret?: string;
  port?: number;
}): Promise<RunningHiveGateway> {
  const gateway: GatewayRuntime = createGatewayRuntime({
    supergraph: options.supergraphSdl,
    logging: false,
    transports: { http },
    transportEntries: options.routerSecret
      ? { "*": { headers: [["X-Router-Secret", options.routerSecret]] } }
      : undefined,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) =>
        Object.fromEntries(
          FORWARDED_HEADERS.flatMap((header) => {
            const value = request.headers.get(header);
            return value === null ? [] : [[header, value]];
          }),
        ),
      // A write's position goes back to the client, which sends it with its next requests
      // (read-your-writes across subgraph processes and replicas, design §10).
      fromSubgraphsToClient: ({ response }) => {
        const position = response.headers.get(WAL_POSITION_HEADER);
        return position === null ? undefined : { [WAL_POSITION_HEADER]: position };
      },
    },
    // @ts-expect-error -- the plugin's and the runtime's typings resolve two builds (ESM, CJS) of
    // @graphql-hive/logger whose private fields do not unify; the objects are the same at runtime.
    plugins: () => [
      useJWT({
        signingKeyProviders: [createInlineSigningKeyProvider(options.jwtSecret)],
        tokenLookupLocations: [extractFromHeader({ name: "authorization", prefix: "Bearer" })],
        tokenVerification: { algorithms: ["HS256"] },
        // `_service` and anonymous requests reach the subgraph, which answers UNAUTHENTICATED itself.
        reject: { missingToken: false, invalidToken: true },
      }),
    ],
    genericAuth: {
      mode: "protect-granular",
      resolveUserFn: (context) => (context as { jwt?: { payload?: JwtPayload } }).jwt?.payload,
      extractScopes: (user: JwtPayload) => scopesOf(user),
    },
  });
  const server: Server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await gateway.dispose();
    },
  };
}
