import { InvalidArgumentError } from "./errors.ts";

export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  first: number;
  after: string | null;
}

/** A page in the shape Relay connections need, independent of GraphQL. */
export interface Page<T> {
  items: { cursor: string; node: T }[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  totalCount: number;
}

/** The 1..100 bound holds for every list, nested connections included. */
export function validatePageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`first must be between 1 and ${MAX_PAGE_SIZE}`, "first");
  }
  return { first: size, after: after ?? null };
}

/** Keyset position of a row in a (timestamp desc, id desc) or (number desc) ordering. */
export interface KeysetPosition {
  sortKey: string;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.sortKey, position.id]), "utf8").toString("base64url");
}

/** Cursors are opaque to clients; anything not produced by encodeCursor is refused clearly. */
export function decodeCursor(cursor: string): KeysetPosition {
  try {
    if (cursor.length > 200) throw new Error("too long");
    const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === "string" &&
      typeof decoded[1] === "string"
    ) {
      return { sortKey: decoded[0], id: decoded[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidArgumentError("after is not a cursor returned by this API", "after");
}

/** How encodeCursor writes timestamps (Date#toISOString with a four-digit year, which PostgreSQL can hold). */
const ISO_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeTimestampCursor(cursor: string): { at: Date; id: string } {
  const position = decodeCursor(cursor);
  const at = new Date(position.sortKey);
  if (!ISO_TIMESTAMP_PATTERN.test(position.sortKey) || Number.isNaN(at.getTime()) || !isUuid(position.id)) {
    throw new InvalidArgumentError("after is not a cursor returned by this API", "after");
  }
  return { at, id: position.id };
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a record and is treated as absent. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** Builds the page from `first + 1` fetched rows. */
export function toPage<T>(
  rows: T[],
  request: PageRequest,
  totalCount: number,
  positionOf: (row: T) => KeysetPosition,
): Page<T> {
  const hasNextPage = rows.length > request.first;
  const nodes = hasNextPage ? rows.slice(0, request.first) : rows;
  return {
    items: nodes.map((node) => ({ cursor: encodeCursor(positionOf(node)), node })),
    hasNextPage,
    hasPreviousPage: request.after !== null,
    totalCount,
  };
}

export function emptyPage<T>(): Page<T> {
  return { items: [], hasNextPage: false, hasPreviousPage: false, totalCount: 0 };
}
