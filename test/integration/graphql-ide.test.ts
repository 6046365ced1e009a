// The browser IDE at GET /graphql: bundled, served by this server alone, so it works offline
// and tells no one else that it was opened (the Apollo landing page it replaces loaded from a CDN).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const asBrowser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

/** Every file of the bundled IDE (what ruru.js may import on demand, workers and styles included). */
async function bundledFiles(): Promise<string[]> {
  const staticModule = createRequire(import.meta.url).resolve("ruru/static");
  const { bundleData } = (await import(join(dirname(staticModule), "bundleCode.js"))) as {
    bundleData: Record<string, unknown>;
  };
  return Object.keys(bundleData);
}

/** An absolute URL in a position where a page or script would load or send to it. */
const LOADING_ANOTHER_ORIGIN =
  /(?:import\s*\(|importScripts\s*\(|fetch\s*\(|new\s+(?:Shared)?Worker\s*\(|url\(|@import\s+|sendBeacon\s*\(|\.src\s*=|\.href\s*=|\b(?:src|href|action)\s*=\s*)\s*["'`]?(?:https?:)?\/\/[a-z0-9]/gi;

describe("GraphQL IDE", () => {
  it("serves a page from a browser's GET /graphql whose every reference is this origin", async () => {
    const response = await fetch(server.url, { headers: asBrowser });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/["'(]\/\/[a-z0-9]/i); // no protocol-relative URL either
    const references = [...html.matchAll(/\b(?:src|href)="([^"]+)"|from\s+"([^"]+)"/g)].map(
      (match) => (match[1] ?? match[2]) as string,
    );
    expect(references.length).toBeGreaterThan(1);
    for (const reference of references) expect(reference, reference).toMatch(/^\/ide\/[\w.-]+$/);
    // The endpoint it queries is this one, and a request may carry an Authorization header.
    expect(html).toContain('"endpoint": "/graphql"');
    expect(html).toContain('"isHeadersEditorEnabled": true');

    // The browser enforces it too: nothing from another origin may load, run or be contacted.
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    for (const directive of policy.split(";").map((part) => part.trim())) {
      expect(directive, directive).not.toMatch(/https?:|\*/);
    }
  });

  it("serves every file the page can load from this server, none of them loading from another origin", async () => {
    const files = await bundledFiles();
    expect(files).toEqual(expect.arrayContaining(["ruru.js", "ruru.css", "editorWorker.js", "graphqlWorker.js"]));
    const base = server.url.replace("/graphql", "");
    for (const file of files.filter((name) => /\.(js|css)$/.test(name))) {
      const response = await fetch(`${base}/ide/${file}`);
      expect(response.status, file).toBe(200);
      const text = await response.text();
      expect(text.match(LOADING_ANOTHER_ORIGIN), file).toBeNull();
    }
    expect((await fetch(`${base}/ide/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/ide/no-such-file.js`)).status).toBe(404);
  });

  it("leaves GraphQL over GET and POST to clients that are not browsers", async () => {
    const get = await fetch(`${server.url}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { ...asBrowser, "apollo-require-preflight": "1" },
    });
    expect(await get.json()).toMatchObject({ data: { __typename: "Query" } });
    const { status } = await server.request("{ __typename }");
    expect(status).toBe(200);
  });

  it("is off in production unless GRAPHQL_IDE=on", async () => {
    const production = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { NODE_ENV: "production", GRAPHQL_IDE: "auto", ROUTER_SHARED_SECRET: "" },
    });
    const enabled = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { NODE_ENV: "production", GRAPHQL_IDE: "on" },
    });
    try {
      const off = await fetch(production.url, { headers: asBrowser });
      expect(off.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
      expect(await off.text()).not.toMatch(/<html|sandbox|apollographql/i);
      const on = await fetch(enabled.url, { headers: asBrowser });
      expect(on.headers.get("content-type")).toMatch(/^text\/html/);
    } finally {
      await production.close();
      await enabled.close();
    }
  });
});
