// Requests the generative attack test found to take the process down, sent to the service as
// users run it (`npm start`), where an unhandled rejection would end the process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";

let database: TestDatabase;
let server: ServerProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServerProcess({ DATABASE_URL: database.url });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function post(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] },
  };
}

describe("the service survives", () => {
  it("an _entities batch without a token that mixes run and tenant representations", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    const reply = await post(`query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, {
      r: [
        { __typename: "OperationRun", id: missing },
        { __typename: "Tenant", id: missing },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.errors?.map((error) => error.extensions?.code)).toContain("UNAUTHENTICATED");
    // A rejected promise left behind would have ended the process by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.child.exitCode).toBeNull();
    expect((await post(`{ _service { sdl } }`)).status).toBe(200);
    expect(server.output()).not.toMatch(/unhandled promise rejection/);
  });
});
