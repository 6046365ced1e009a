// Design §6: a request's wall-time limit ends CPU-bound work too. Every resolver that does work
// reaches the services through servicesOf, which now refuses once the request is out of time —
// before, only the next database statement did, and work between statements ran on.
import { developmentAuditKeys } from "../../src/services/audit/audit-keys.ts";
import { describe, expect, it } from "vitest";
import pino from "pino";
import { servicesOf, type GraphQLContext } from "../../src/resolvers/context.ts";
import { createViewer } from "../../src/services/authorization/viewer.ts";
import { RequestSql, type SqlPool } from "../../src/services/database/sql.ts";
import { RequestLimitError } from "../../src/services/errors.ts";
import { createReaders } from "../../src/services/service-context.ts";

const statements: string[] = [];
const pool: SqlPool = {
  async query(config) {
    statements.push(config.text);
    return { rows: [], rowCount: 0, command: "SELECT", oid: 0, fields: [] };
  },
  connect: () => Promise.reject(new Error("no transactions here")),
};

function contextWithDeadline(deadline: number): GraphQLContext {
  const sql = new RequestSql(pool, { maxRows: 1_000, deadline });
  const viewer = createViewer(
    { sub: "operator-1", scopes: ["platform:operator"], tenantId: null },
    {
      operatorOverrideTenantId: null,
      contextTenantId: null,
    },
  );
  return {
    requestId: "r-1",
    logger: pino({ level: "silent" }),
    access: {
      kind: "ok",
      services: {
        sql,
        viewer,
        requestId: "r-1",
        read: createReaders(sql),
        quotas: { idempotencyRecordsPerPrincipal: 10 },
        auditKeys: developmentAuditKeys(),
      },
    },
    record: {},
    metrics: { transitions: { inc: () => undefined } },
  };
}

describe("a request past its time", () => {
  it("is stopped at the next resolver that reaches the services, with no statement run", () => {
    const context = contextWithDeadline(Date.now() - 1);
    expect(() => servicesOf(context)).toThrow(RequestLimitError);
    expect(() => servicesOf(context)).toThrow("The request took longer than it may and was stopped");
    expect(statements).toEqual([]);
  });

  it("is served while within its time", () => {
    const context = contextWithDeadline(Date.now() + 60_000);
    expect(servicesOf(context).viewer.principal.sub).toBe("operator-1");
  });
});
