// `npm run token`: usage on --help, and a refusal instead of a token that would silently see nothing.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";

const TENANT = "0b5a3c7e-2f4d-4c1a-9e8b-1d2c3b4a5f60";

async function token(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "src/cli/token.ts", ...args],
      {
        cwd: new URL("../..", import.meta.url),
        env: { ...process.env, AUTH_JWT_SECRET: undefined, NODE_ENV: "development" },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe("npm run token", () => {
  it("prints its usage on --help, with the closed scope set", async () => {
    const { code, stdout } = await token("--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run -s token --/);
    for (const scope of ["platform:operator", "support:read", "support:*", "operations:write", "tenant:admin"]) {
      expect(stdout).toContain(scope);
    }
  });

  it("refuses a scope outside the closed set, naming it, and prints no token", async () => {
    const { code, stdout, stderr } = await token("--scope", "platform:admin");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('unknown scope "platform:admin"');
  });

  it("refuses tenant:admin and tenant:member without --tenant, and platform scopes with it", async () => {
    for (const scope of ["tenant:admin", "tenant:member"]) {
      const { code, stderr } = await token("--scope", scope);
      expect(code).toBe(1);
      expect(stderr).toContain(`${scope} acts only for one tenant: add --tenant`);
    }
    const mixed = await token("--scope", "tenant:admin platform:operator", "--tenant", TENANT);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain("platform:operator would be ignored");
    expect((await token("--scope", "tenant:admin", "--tenant", "acme")).stderr).toContain("must be a tenant id");
  });

  it("prints a token for a valid request", async () => {
    const { code, stdout } = await token("--scope", "tenant:admin", "--tenant", TENANT);
    expect(code).toBe(0);
    expect(decodeJwt(stdout.trim())).toMatchObject({ scope: "tenant:admin", tenant_id: TENANT });
  });

  it("answers an unknown option with the usage", async () => {
    const { code, stderr } = await token("--scopes", "platform:operator");
    expect(code).toBe(1);
    expect(stderr).toContain("Usage: npm run -s token --");
  });
});
