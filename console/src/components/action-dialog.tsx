// The confirmation dialog every change goes through: a native modal <dialog> (it traps focus and
// Esc closes it), the fields the change takes — a reason required where the rule requires one —,
// one idempotency key for the dialog's whole life (a retry after a lost answer cannot make a
// second change), and a version conflict explained rather than shown as a code.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { RequestError, type UserError } from "../api.ts";

export interface DialogField {
  name: string;
  label: string;
  required: boolean;
  multiline?: boolean;
  /** A checkbox's value is "true" or "". */
  type?: "text" | "datetime-local" | "checkbox";
  hint?: string;
  initial?: string;
}

export interface DialogOutcome {
  userErrors: UserError[];
}

export interface ActionDialogProps {
  title: string;
  /** What confirming does, in words. */
  description: string;
  confirmLabel: string;
  fields: DialogField[];
  /** Sends the change; the key is the same for every try of this dialog. */
  submit(values: Record<string, string>, idempotencyKey: string): Promise<DialogOutcome>;
  /** After a success: close and show the new state. */
  onDone(): void;
  onCancel(): void;
  /** A conflict's "Reload": close and load the current state. */
  onReload(): void;
}

const CONFLICT_MESSAGE = "This tenant changed since you opened it — reload to see its current state, then try again.";

export function ActionDialog(props: ActionDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(props.fields.map((field) => [field.name, field.initial ?? ""])),
  );
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ message: string; conflict: boolean } | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const { onCancel } = props;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    // The opener gets focus back when the dialog goes, however it goes.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    element.showModal();
    const cancel = (event: Event) => {
      event.preventDefault();
      onCancel();
    };
    element.addEventListener("cancel", cancel);
    return () => {
      element.removeEventListener("cancel", cancel);
      element.close();
      opener?.focus();
    };
  }, [onCancel]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setFieldErrors({});
    try {
      const { userErrors } = await props.submit(values, idempotencyKey);
      if (userErrors.length === 0) {
        props.onDone();
        return;
      }
      const conflict = userErrors.some((error) => error.code === "VERSION_CONFLICT");
      const byField: Record<string, string> = {};
      for (const error of userErrors) {
        const field = error.field?.at(-1);
        if (field && props.fields.some((candidate) => candidate.name === field)) byField[field] = error.message;
      }
      setFieldErrors(byField);
      setProblem({
        conflict,
        message: conflict ? CONFLICT_MESSAGE : userErrors.map((error) => error.message).join(" "),
      });
    } catch (error) {
      const message =
        error instanceof RequestError && error.code === "NETWORK"
          ? `${error.message} Trying again is safe: it cannot make the change twice.`
          : error instanceof Error
            ? error.message
            : String(error);
      setProblem({ conflict: false, message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} aria-labelledby={titleId} aria-describedby={descriptionId} className="dialog">
      <form onSubmit={onSubmit} noValidate={false}>
        <h2 id={titleId}>{props.title}</h2>
        <p id={descriptionId}>{props.description}</p>
        {props.fields.map((field) => {
          const id = `${titleId}-${field.name}`;
          const errorId = `${id}-error`;
          const hintId = `${id}-hint`;
          const describedBy = [field.hint ? hintId : null, fieldErrors[field.name] ? errorId : null]
            .filter(Boolean)
            .join(" ");
          const common = {
            id,
            name: field.name,
            required: field.required,
            value: values[field.name] ?? "",
            "aria-describedby": describedBy || undefined,
            "aria-invalid": fieldErrors[field.name] ? true : undefined,
            onChange: (event: { target: { value: string } }) =>
              setValues((previous) => ({ ...previous, [field.name]: event.target.value })),
          };
          if (field.type === "checkbox") {
            return (
              <div className="field checkbox" key={field.name}>
                <input
                  id={id}
                  type="checkbox"
                  name={field.name}
                  checked={values[field.name] === "true"}
                  aria-describedby={describedBy || undefined}
                  onChange={(event) =>
                    setValues((previous) => ({ ...previous, [field.name]: event.target.checked ? "true" : "" }))
                  }
                />
                <label htmlFor={id}>{field.label}</label>
                {field.hint && (
                  <p className="hint" id={hintId}>
                    {field.hint}
                  </p>
                )}
              </div>
            );
          }
          return (
            <div className="field" key={field.name}>
              <label htmlFor={id}>
                {field.label}
                {field.required ? " (required)" : " (optional)"}
              </label>
              {field.multiline ? <textarea rows={3} {...common} /> : <input type={field.type ?? "text"} {...common} />}
              {field.hint && (
                <p className="hint" id={hintId}>
                  {field.hint}
                </p>
              )}
              {fieldErrors[field.name] && (
                <p className="field-error" id={errorId}>
                  {fieldErrors[field.name]}
                </p>
              )}
            </div>
          );
        })}
        {problem && (
          <div className="state state-error" role="alert">
            <p>{problem.message}</p>
            {problem.conflict && (
              <button type="button" onClick={props.onReload}>
                Reload
              </button>
            )}
          </div>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={props.onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
            {busy ? "Working…" : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
