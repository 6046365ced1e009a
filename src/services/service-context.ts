import type { Viewer } from "./authorization/viewer.ts";
import type { PrismaClient } from "./database/client.ts";
import type { RequestLoaders, SqlRunner } from "./request-loaders.ts";

/** What every service call receives: the database, the caller, the request's id and its batch loaders. */
export interface ServiceContext {
  db: PrismaClient;
  /** The same pool, for hand-written SQL on hot read paths. */
  sql: SqlRunner;
  viewer: Viewer;
  requestId: string;
  loaders: RequestLoaders;
}
