// Types every family uses: the status badge, user errors, connection totals, the idempotency key.
import type { StatusBadge } from "../../domain/badge-catalog.ts";
import { connectionTotalCount, connectionTotalCountPrecision, type UserError } from "../../resolvers/connection.ts";
import { builder } from "../builder.ts";
import { BadgeToneEnum, UserErrorCodeEnum } from "./enums.ts";

export const StatusBadgeType = builder.objectRef<StatusBadge>("StatusBadge").implement({
  description: "Presentation semantics owned by the server, so every dashboard renders a status the same way.",
  fields: (t) => ({
    label: t.exposeString("label"),
    tone: t.expose("tone", { type: BadgeToneEnum }),
    icon: t.exposeString("icon"),
  }),
});

export const UserErrorType = builder.objectRef<UserError>("UserError").implement({
  description: "A failure the caller can fix. Authorization failures are top-level errors instead.",
  fields: (t) => ({
    code: t.expose("code", { type: UserErrorCodeEnum }),
    message: t.exposeString("message"),
    field: t.exposeStringList("field", {
      nullable: true,
      description: 'Path to the offending input field, e.g. ["input", "slug"].',
    }),
  }),
});

/** How exact a connection's totalCount is. */
export const CountPrecisionEnum = builder.enumType("CountPrecision", {
  description: "How exact a connection's totalCount is.",
  values: {
    EXACT: { description: "totalCount is the number of items." },
    AT_LEAST: { description: "Counting stopped at a cap: there are at least totalCount items." },
  },
});

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** The fields every connection adds to Relay's: its total, counted only when selected. */
export function connectionFields(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, object>) {
  return {
    totalCount: t.int({
      description: "Counted only when selected; see totalCountPrecision.",
      resolve: connectionTotalCount,
    }),
    totalCountPrecision: t.field({
      type: CountPrecisionEnum,
      description: "EXACT, or AT_LEAST when counting stopped at a cap (lists with a search or a wide filter).",
      resolve: connectionTotalCountPrecision,
    }),
  };
}

/** The idempotencyKey field of every mutation input. */
export const idempotencyKeyOptions = {
  description: "Same key and input within 24 h returns the first result without a second change.",
};

/**
 * `last`/`before` of every connection: the page just before `before` (the list's last page
 * without it), in the list's order. A page goes one way: `first`/`after` or `last`/`before`.
 */
export const backwardPageArgs = builder.args((t) => ({
  last: t.int({ description: "1..100: the page before `before` (or the list's last). Not with first." }),
  before: t.string({ description: "A cursor of this list: the page ends just before it. With last." }),
}));
