// Resolvers of Actor: who did something, and the identity subgraph's User when it is one.
import type { ActorType } from "../domain/vocabulary.ts";

export interface ActorParent {
  type: ActorType;
  id: string;
}

// Service accounts and the system are not users of the identity subgraph.
export const actorUser = (actor: ActorParent): { id: string } | null =>
  actor.type === "SERVICE_ACCOUNT" || actor.type === "SYSTEM" ? null : { id: actor.id };
