// What a refused caller receives, whether it was refused before its request was read (HTTP) or
// after its cost was known (GraphQL): 429 RATE_LIMITED or 503 SERVICE_UNAVAILABLE, with
// Retry-After in whole seconds and the same in `extensions.retryAfterSeconds`.
import { HeaderMap } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { Refusal } from "./admission.ts";

export function retryAfterSeconds(refusal: Refusal): number {
  return Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
}

export function refusalStatus(refusal: Refusal): 429 | 503 {
  return refusal.kind === "rateLimited" ? 429 : 503;
}

export function refusalExtensions(refusal: Refusal): Record<string, unknown> {
  return refusal.kind === "rateLimited"
    ? { code: "RATE_LIMITED", limit: refusal.limit, retryAfterSeconds: retryAfterSeconds(refusal) }
    : { code: "SERVICE_UNAVAILABLE", reason: "OVERLOADED", retryAfterSeconds: retryAfterSeconds(refusal) };
}

/** The metrics label of a refusal. */
export function refusalReason(refusal: Refusal): "cost" | "concurrency" | "overload" {
  return refusal.kind === "rateLimited" ? refusal.limit : "overload";
}

/** A refusal raised inside Apollo's pipeline: Apollo sends its status and Retry-After header. */
export function refusalError(refusal: Refusal): GraphQLError {
  // Apollo takes `http.headers` only as a Map (a HeaderMap); the ambient type of `extensions.http`
  // here is graphql-yoga's (a record), pulled in with the Hive Gateway used in tests.
  const extensions: Record<string, unknown> = {
    ...refusalExtensions(refusal),
    http: {
      status: refusalStatus(refusal),
      headers: new HeaderMap([["retry-after", String(retryAfterSeconds(refusal))]]),
    },
  };
  return new GraphQLError(refusal.message, { extensions });
}
