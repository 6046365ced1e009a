import { actorUser, type ActorParent } from "../../resolvers/actor.ts";
import { builder } from "../builder.ts";
import { ActorTypeEnum } from "./enums.ts";

/**
 * Owned by an identity subgraph; this subgraph only references it. Declared with a
 * non-resolvable key rather than an external ref, which would print `@extends`.
 */
export const UserRef = builder.objectRef<{ id: string }>("User").implement({
  description: "Owned by an identity subgraph; this subgraph only references it.",
  directives: { key: { fields: "id", resolvable: false } },
  fields: (t) => ({ id: t.exposeID("id") }),
});

export const ActorObject = builder.objectRef<ActorParent>("Actor").implement({
  fields: (t) => ({
    type: t.expose("type", { type: ActorTypeEnum }),
    id: t.exposeID("id", { description: "The token's subject." }),
    user: t.field({ type: UserRef, nullable: true, resolve: actorUser }),
  }),
});
