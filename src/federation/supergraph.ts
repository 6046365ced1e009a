import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { parse as parseYaml } from "yaml";

export const THIS_SUBGRAPH = "tenant-lifecycle";

export interface SubgraphDefinition {
  name: string;
  routingUrl: string;
  sdl: string;
}

interface RoverSupergraphConfig {
  subgraphs?: Record<string, { routing_url?: string; schema?: { file?: string } }>;
}

/** Reads rover's supergraph.yaml (file-based schemas only: everything composes offline). */
export async function readSupergraphConfig(configPath: string): Promise<SubgraphDefinition[]> {
  const config = parseYaml(await readFile(configPath, "utf8")) as RoverSupergraphConfig;
  const entries = Object.entries(config.subgraphs ?? {});
  if (entries.length === 0) throw new Error(`${configPath} lists no subgraphs`);
  return Promise.all(
    entries.map(async ([name, subgraph]) => {
      if (!subgraph.schema?.file || !subgraph.routing_url) {
        throw new Error(`subgraph ${name} in ${configPath} needs routing_url and schema.file`);
      }
      return {
        name,
        routingUrl: subgraph.routing_url,
        sdl: await readFile(resolve(dirname(configPath), subgraph.schema.file), "utf8"),
      };
    }),
  );
}

export type CompositionResult = { ok: true; supergraphSdl: string; hints: string[] } | { ok: false; errors: string[] };

/** Composes in-process with @apollo/composition — what `rover supergraph compose` does, without its binary. */
export function composeSupergraph(subgraphs: SubgraphDefinition[]): CompositionResult {
  let services;
  try {
    services = subgraphs.map((subgraph) => ({
      name: subgraph.name,
      url: subgraph.routingUrl,
      typeDefs: parse(subgraph.sdl),
    }));
  } catch (error) {
    return { ok: false, errors: [`SDL does not parse: ${(error as Error).message}`] };
  }
  const result = composeServices(services);
  if (result.errors || !result.supergraphSdl) {
    return {
      ok: false,
      errors: (result.errors ?? []).map((error) => `${error.extensions?.["code"] ?? "ERROR"}: ${error.message}`),
    };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl, hints: result.hints.map((hint) => hint.toString()) };
}

/**
 * @apollo/gateway refuses `for: SECURITY` features (they are Router-only); the router enforces
 * @authenticated/@requiresScopes, while a local gateway passes requests on and this subgraph
 * enforces them itself. So the gateway gets the supergraph without that purpose.
 */
export function supergraphForGateway(supergraphSdl: string): string {
  return supergraphSdl.replace(/,\s*for:\s*SECURITY/g, "");
}

/** The supergraph with its subgraphs' routing URLs replaced, e.g. for subgraphs started on free ports. */
export function withRoutingUrls(supergraphSdl: string, urls: Record<string, string>): string {
  return supergraphSdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (declaration, name: string) =>
    urls[name] ? `@join__graph(name: "${name}", url: "${urls[name]}")` : declaration,
  );
}
