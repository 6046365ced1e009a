// The console's GraphQL client: plain fetch to this origin's /graphql. One request per document;
// the server decides what the caller may see and do (the UI's gating is advisory).

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; reason?: string };
}

/** A request the server refused or could not answer: top-level GraphQL errors or an HTTP failure. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly status: number,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

export interface RequestOptions {
  token: string;
  /** `X-Tenant-Context`: the chooser's preference; it narrows list defaults, never authorization. */
  tenantContext?: string | null;
  /** `X-Operator-Override`: a read-only view of this tenant as its admin sees it. */
  operatorOverride?: string | null;
  signal?: AbortSignal;
}

export async function graphql<T>(
  query: string,
  variables: Record<string, unknown>,
  options: RequestOptions,
): Promise<T> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
    authorization: `Bearer ${options.token}`,
  };
  if (options.tenantContext) headers["x-tenant-context"] = options.tenantContext;
  if (options.operatorOverride) headers["x-operator-override"] = options.operatorOverride;
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      signal: options.signal,
      credentials: "omit",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new RequestError("The server could not be reached. Check your connection and try again.", "NETWORK", 0);
  }
  let body: { data?: T | null; errors?: GraphQLErrorShape[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new RequestError(`The server answered ${response.status} without a GraphQL response.`, null, response.status);
  }
  const first = body.errors?.[0];
  if (first) {
    throw new RequestError(first.message, first.extensions?.code ?? null, response.status);
  }
  if (body.data === undefined || body.data === null) {
    throw new RequestError("The server answered without data.", null, response.status);
  }
  return body.data;
}

export interface UserError {
  code: string;
  message: string;
  field: string[] | null;
}
