// The two example neighbour subgraphs of supergraph.yaml, served for the gateway e2e test and
// `npm run gateway`. Their data is made up from the keys they receive.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/resolverMap.js";
import { readFile } from "node:fs/promises";
import { parse } from "graphql";

export interface RunningSubgraph {
  url: string;
  stop(): Promise<void>;
}

const supergraphDir = new URL("../../supergraph/", import.meta.url);

async function serve(file: string, resolvers: GraphQLResolverMap<unknown>, port: number): Promise<RunningSubgraph> {
  const typeDefs = parse(await readFile(new URL(file, supergraphDir), "utf8"));
  const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }) });
  const { url } = await startStandaloneServer(server, { listen: { port, host: "127.0.0.1" } });
  return { url, stop: () => server.stop() };
}

export function startAccountsSubgraph(port = 0): Promise<RunningSubgraph> {
  return serve(
    "accounts.graphql",
    {
      User: {
        __resolveReference: (user: { id: string }) => ({
          id: user.id,
          email: `${user.id}@example.test`,
          displayName: user.id,
        }),
      },
      Membership: {
        tenant: (membership: { tenantSlug: string }) => ({ __typename: "Tenant", slug: membership.tenantSlug }),
      },
      Query: {
        me: () => null,
        memberships: (_root: unknown, args: { tenantSlugs: string[] }) =>
          args.tenantSlugs.map((tenantSlug) => ({ userId: "example-user", tenantSlug })),
      },
    },
    port,
  );
}

export function startBillingSubgraph(port = 0): Promise<RunningSubgraph> {
  const tiers = ["FREE", "TEAM", "ENTERPRISE"] as const;
  const planOf = (tenantId: string) => {
    const tier = tiers[Number.parseInt(tenantId.slice(0, 2), 16) % tiers.length] ?? "FREE";
    return { tier, seats: tier === "FREE" ? 3 : 50 };
  };
  return serve(
    "billing.graphql",
    {
      Tenant: {
        __resolveReference: (tenant: { id: string }) => ({ id: tenant.id, plan: planOf(tenant.id) }),
        plan: (tenant: { id: string }) => planOf(tenant.id),
      },
      Invoice: {
        tenant: (invoice: { tenantId: string }) => ({ __typename: "Tenant", id: invoice.tenantId }),
      },
      Query: {
        plans: () => tiers.map((tier) => ({ tier, seats: tier === "FREE" ? 3 : 50 })),
        invoices: (_root: unknown, args: { tenantIds: string[] }) =>
          args.tenantIds.map((tenantId, index) => ({ id: `invoice-${index}`, amountCents: 100 + index, tenantId })),
      },
    },
    port,
  );
}
