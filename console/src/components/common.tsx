// Small pieces every page uses: the status badge (its label always shown: colour is never the
// only signal), counts, dates, and the loading / error / empty states.
import type { ReactNode } from "react";
import type { Badge } from "../documents.ts";
export { formatCount } from "../format.ts";

const ICONS: Readonly<Record<string, string>> = {
  // The badge catalog's icon names (src/domain/badge-catalog.ts), drawn as text symbols: no icon
  // font from elsewhere. The label beside it carries the meaning; the symbol is decoration.
  pencil: "✎",
  rocket: "↑",
  "check-circle": "✓",
  "pause-circle": "‖",
  hourglass: "⧗",
  "power-off": "⏻",
  archive: "▣",
  clock: "◷",
  spinner: "◌",
  "x-circle": "✕",
  "slash-circle": "⊘",
};

export function StatusBadge({ badge }: { badge: Badge }) {
  return (
    <span className={`badge tone-${badge.tone.toLowerCase()}`}>
      <span aria-hidden="true" className="badge-icon">
        {ICONS[badge.icon] ?? "●"}
      </span>
      {badge.label}
    </span>
  );
}

export function DateTime({ value }: { value: string | null }) {
  if (!value) return <>—</>;
  const date = new Date(value);
  return (
    <time dateTime={value} title={value}>
      {date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}
    </time>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorMessage({ error, retry }: { error: Error; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p>{error.message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** The "does not exist, or you may not see it" look: the server answers both the same way. */
export function NotFound({ what }: { what: string }) {
  return (
    <section aria-labelledby="not-found-title" className="not-found">
      <h1 id="not-found-title">{what} not found</h1>
      <p>It does not exist, or you may not see it.</p>
    </section>
  );
}
