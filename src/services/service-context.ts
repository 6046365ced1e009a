import type { Viewer } from "./authorization/viewer.ts";
import type { PrismaClient } from "./database/client.ts";
import type { SqlPool } from "./database/sql-transaction.ts";
import type { RequestLoaders } from "./request-loaders.ts";

/** What every service call receives: the database, the caller, the request's id and its batch loaders. */
export interface ServiceContext {
  db: PrismaClient;
  /** The same pool, for hand-written SQL: hot read paths and every mutation's transaction. */
  sql: SqlPool;
  viewer: Viewer;
  requestId: string;
  loaders: RequestLoaders;
}
