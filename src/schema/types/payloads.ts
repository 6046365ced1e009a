import type { UserError } from "../../domain/user-errors.ts";
import type { Outcome } from "../../services/errors.ts";
import { builder } from "../builder.ts";
import { UserErrorCodeEnum } from "./enums.ts";

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

/** A payload: the outcome's fields on success, nulls and the user errors otherwise. */
export type Payload<T> = Partial<T> & { userErrors: UserError[] };

export function toPayload<T extends object>(outcome: Outcome<T>): Payload<T> {
  return outcome.ok ? { ...outcome.value, userErrors: [] } : ({ userErrors: outcome.errors } as Payload<T>);
}
