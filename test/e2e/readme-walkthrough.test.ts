// README's "The first ten minutes" block, run as written (bash, curl, npm run token) against a
// fresh server: the walkthrough a newcomer pastes stays true.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_JWT_SECRET } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

function walkthroughScript(): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.split(/^## /m).find((part) => part.startsWith("The first ten minutes"));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README has no sh block under "## The first ten minutes"');
  return block;
}

async function runBash(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], {
    cwd: new URL("../..", import.meta.url),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

describe("README walkthrough", () => {
  it("creates, onboards, activates, suspends, reactivates, deprovisions with its run, finalizes and archives", async () => {
    const { code, output } = await runBash(walkthroughScript(), {
      URL: server.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      NODE_ENV: "test",
    });
    expect(code, output).toBe(0);
    const responses = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { data?: Record<string, { userErrors?: unknown[] }>; errors?: unknown[] });
    expect(responses.length).toBe(14);
    for (const response of responses) {
      expect(response.errors, JSON.stringify(response)).toBeUndefined();
      for (const payload of Object.values(response.data ?? {})) {
        if (payload && "userErrors" in payload) expect(payload.userErrors, JSON.stringify(payload)).toEqual([]);
      }
    }
    const last = responses.at(-1)?.data as unknown as {
      tenant: { status: string; auditEvents: { edges: { node: { action: string } }[] } };
      auditChain: { valid: boolean; eventCount: number };
    };
    expect(last.tenant.status).toBe("ARCHIVED");
    expect(last.auditChain).toEqual({ valid: true, eventCount: 13 });
    expect(last.tenant.auditEvents.edges.map((edge) => edge.node.action).reverse()).toEqual([
      "tenant.created",
      "tenant.lifecycle.start_onboarding",
      "onboarding.step_completed",
      "onboarding.step_completed",
      "onboarding.step_completed",
      "tenant.lifecycle.activate",
      "tenant.lifecycle.suspend",
      "tenant.lifecycle.reactivate",
      "tenant.lifecycle.begin_deprovision",
      "operation_run.updated",
      "operation_run.updated",
      "tenant.lifecycle.finalize_deprovision",
      "tenant.lifecycle.archive",
    ]);
  });
});
