// Loads one document when its inputs change: one request per page view, aborted when the view
// moves on, with loading / error / data states the pages render.
import { useCallback, useEffect, useRef, useState } from "react";
import { useSession } from "./session.tsx";

export type QueryState<T> = { kind: "loading" } | { kind: "error"; error: Error } | { kind: "done"; data: T };

export function useQuery<T>(
  query: string | null,
  variables: Record<string, unknown>,
  options: { operatorOverride?: string | null } = {},
): { state: QueryState<T>; reload: () => void } {
  const session = useSession();
  const [state, setState] = useState<QueryState<T>>({ kind: "loading" });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(variables);
  const override = options.operatorOverride ?? null;
  // A reload of the same view keeps showing what it has until the new answer arrives (no flash,
  // and a message the page shows about the change it just made stays in place).
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (!query || !session.token) return;
    const controller = new AbortController();
    const view = `${query}\n${key}\n${override ?? ""}`;
    if (shown.current !== view) setState({ kind: "loading" });
    shown.current = view;
    session
      .request<T>(query, JSON.parse(key) as Record<string, unknown>, {
        operatorOverride: override,
        signal: controller.signal,
      })
      .then(
        (data) => setState({ kind: "done", data }),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setState({ kind: "error", error: error instanceof Error ? error : new Error(String(error)) });
        },
      );
    return () => controller.abort();
    // session.request changes with the token and the tenant context, which should reload.
  }, [query, key, override, session.request, session.token, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { state, reload };
}
