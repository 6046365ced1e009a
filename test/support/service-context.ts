// The services without HTTP or GraphQL: a fresh migrated database, the service's pool on it, and
// a ServiceContext per call built exactly as src/server/request-context.ts builds one for a
// verified request (viewer from createViewer, a bounded RequestSql on the pool, fresh readers).
import { randomUUID } from "node:crypto";
import type { QueryResultRow } from "pg";
import { loadConfig, poolOptionsOf } from "../../src/server/config.ts";
import { createViewer } from "../../src/services/authorization/viewer.ts";
import { openDatabase, type Database } from "../../src/services/database/client.ts";
import { RequestSql } from "../../src/services/database/sql.ts";
import { createReaders, type ServiceContext } from "../../src/services/service-context.ts";
import type { Principal } from "../../src/domain/principal.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { TEST_JWT_SECRET, type Persona } from "./personas.ts";

/** A caller as a verified token describes it: the test personas' shape, or a Principal's. */
export type Caller = Persona | { sub: string; scopes: readonly string[]; tenantId?: string | null };

export interface CallOptions {
  /** X-Request-Id; generated when absent, as a request without one gets. */
  requestId?: string;
  /** X-Operator-Override (a tenant id), as the request context reads the header. */
  operatorOverride?: string | null;
  /** X-Tenant-Context. */
  tenantContext?: string | null;
}

export interface ServiceDatabase {
  url: string;
  database: Database;
  /**
   * A fresh context for one call, as one request would get: new readers (their caches are per
   * request), new bounds. Build one per service call unless a test means to share a request.
   */
  context(caller: Caller, options?: CallOptions): ServiceContext;
  /** Plain SQL on the same pool, for what a test reads or tampers with behind the services' back. */
  query<Row extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/** The principal verifyToken would produce: scopes split on spaces, tenant_id lowercased. */
export function principalOf(caller: Caller): Principal {
  const scopes = "scope" in caller ? caller.scope.split(" ").filter(Boolean) : [...caller.scopes];
  const tenantId = caller.tenantId ?? null;
  return { sub: caller.sub, scopes, tenantId: tenantId === null ? null : tenantId.toLowerCase() };
}

/** Migrates a fresh database (one per test file) and opens the service's pool on it with its default limits. */
export async function openServiceDatabase(): Promise<ServiceDatabase> {
  const created: TestDatabase = await createTestDatabase();
  // The service's own defaults for the pool and the per-request bounds.
  const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: created.url, AUTH_JWT_SECRET: TEST_JWT_SECRET });
  const database = openDatabase({
    url: created.url,
    ...poolOptionsOf(config),
  });
  const { maxResolvedItems, requestTimeoutMs, idempotencyRecordsPerPrincipal } = config.limits;
  return {
    url: created.url,
    database,
    context(caller, options = {}) {
      const viewer = createViewer(principalOf(caller), {
        operatorOverrideTenantId: options.operatorOverride?.trim().toLowerCase() || null,
        contextTenantId: options.tenantContext?.trim().toLowerCase() || null,
      });
      const sql = new RequestSql(database.pool, {
        maxRows: maxResolvedItems,
        deadline: Date.now() + requestTimeoutMs,
      });
      return {
        sql,
        viewer,
        requestId: options.requestId ?? randomUUID(),
        read: createReaders(sql),
        quotas: { idempotencyRecordsPerPrincipal },
        auditKeys: config.audit,
      };
    },
    async query<Row extends QueryResultRow>(text: string, values: readonly unknown[] = []) {
      return (await database.pool.query<Row>(text, [...values])).rows;
    },
    async close() {
      await database.close();
      await created.drop();
    },
  };
}
