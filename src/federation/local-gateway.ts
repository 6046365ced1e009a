import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { supergraphForGateway } from "./supergraph.ts";

interface GatewayContext {
  headers: Record<string, string>;
}

/**
 * Headers a client sends that the gateway passes on to every subgraph; `x-tenant-lifecycle-lsn`
 * is the client's latest write position, for reads from replicas (design §10).
 */
export const FORWARDED_HEADERS = [
  "authorization",
  "x-request-id",
  "x-operator-override",
  "x-tenant-context",
  "x-tenant-lifecycle-lsn",
];

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * An @apollo/gateway over a static supergraph, forwarding the caller's token and tenant headers
 * (and the router secret, when one is configured) so each subgraph authorizes the real caller.
 */
export async function startLocalGateway(options: {
  supergraphSdl: string;
  port?: number;
  /** Overrides routing URLs of supergraph.yaml, e.g. for subgraphs started on free ports. */
  urls?: Record<string, string>;
  routerSecret?: string;
}): Promise<RunningGateway> {
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphForGateway(options.supergraphSdl),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: options.urls?.[name] ?? url,
        willSendRequest({ request, context }) {
          for (const [header, value] of Object.entries((context as GatewayContext).headers ?? {}))
            request.http?.headers.set(header, value);
          if (options.routerSecret) request.http?.headers.set("x-router-secret", options.routerSecret);
        },
      }),
  });
  const server = new ApolloServer<GatewayContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: options.port ?? 0, host: "127.0.0.1" },
    context: async ({ req }) => ({
      headers: Object.fromEntries(
        FORWARDED_HEADERS.flatMap((header) => {
          const value = req.headers[header];
          return typeof value === "string" ? [[header, value]] : [];
        }),
      ),
    }),
  });
  return { url, stop: () => server.stop() };
}
