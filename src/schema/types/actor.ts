import type { ActorType } from "../../domain/vocabulary.ts";
import { builder } from "../builder.ts";
import { ActorTypeEnum } from "./enums.ts";

export interface ActorShape {
  type: ActorType;
  id: string;
}

/**
 * Owned by an identity subgraph; this subgraph only references it. Declared with a
 * non-resolvable key rather than an external ref, which would print `@extends`.
 */
export const UserRef = builder.objectRef<{ id: string }>("User").implement({
  description: "Owned by an identity subgraph; this subgraph only references it.",
  directives: { key: { fields: "id", resolvable: false } },
  fields: (t) => ({ id: t.exposeID("id") }),
});

export const ActorObject = builder.objectRef<ActorShape>("Actor").implement({
  fields: (t) => ({
    type: t.expose("type", { type: ActorTypeEnum }),
    id: t.exposeID("id", { description: "The token's subject." }),
    // Service accounts and the system are not users of the identity subgraph.
    user: t.field({
      type: UserRef,
      nullable: true,
      resolve: (actor) => (actor.type === "SERVICE_ACCOUNT" || actor.type === "SYSTEM" ? null : { id: actor.id }),
    }),
  }),
});
