// The operator console in a real browser (design §11): Chromium driven by playwright-core against
// the real service and database, selecting by role and accessible name. Runs wherever a Chromium
// is found — TEST_CHROMIUM_PATH, else Debian's /usr/bin/chromium — and is skipped otherwise, so
// `npm test` passes on a machine without one; .ci/run installs Chromium and sets the variable, so
// in CI it always runs. Each page is checked by axe-core (WCAG 2.2 AA: no serious or critical
// violation) in the light and the dark theme, and every page must load nothing from another
// origin and log no Content-Security-Policy violation.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { completeAllSteps, queuedRun, transition, uniqueSlug } from "../support/fixtures.ts";
import { CREATE_TENANT, type MutationPayload } from "../support/operations.ts";
import { personas } from "../support/personas.ts";
import { buildConsoleForTest, type ConsoleBuildDirectory } from "../support/console-build.ts";
import { startFakeOidcProvider } from "../support/fake-oidc-provider.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const CHROMIUM =
  process.env["TEST_CHROMIUM_PATH"] || (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
if (process.env["TEST_CHROMIUM_PATH"] && !existsSync(process.env["TEST_CHROMIUM_PATH"])) {
  throw new Error(`TEST_CHROMIUM_PATH names no file: ${process.env["TEST_CHROMIUM_PATH"]}`);
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Screenshots for the README are rewritten only when asked (UPDATE_SCREENSHOTS=1), else kept with the test results. */
const SCREENSHOTS =
  process.env["UPDATE_SCREENSHOTS"] === "1"
    ? join(ROOT, "docs/screenshots")
    : join(ROOT, "test-results/console-screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const THEMES = ["light", "dark"] as const;

interface Seed {
  acme: { id: string; name: string };
  globex: { id: string; name: string };
  initech: { id: string; name: string };
  hooli: { id: string; name: string };
  suspended: { id: string; name: string };
  globexRun: string;
  webhook: string;
}

let build: ConsoleBuildDirectory;
let server: TestServer;
let browser: Browser;
let origin: string;
let seed: Seed;
/** What every context saw: requests to other origins, CSP violations, page errors. */
let trouble: string[] = [];
const contexts: BrowserContext[] = [];

async function namedActiveTenant(name: string, slugPrefix: string, activationReason?: string) {
  const { createTenant } = await server.data<{ createTenant: MutationPayload }>(
    CREATE_TENANT,
    { input: { slug: uniqueSlug(slugPrefix), name } },
    { as: personas.operator },
  );
  const id = (createTenant.tenant as { id: string }).id;
  await transition(server, id, "START_ONBOARDING");
  await completeAllSteps(server, id);
  await transition(server, id, "ACTIVATE", activationReason ? { reason: activationReason } : {});
  return { id, name };
}

describe.skipIf(!CHROMIUM)("the console in Chromium", () => {
  beforeAll(async () => {
    [build, browser] = await Promise.all([
      buildConsoleForTest(),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run"],
      }),
    ]);
    server = await startTestServer({ env: { CONSOLE_ASSETS_DIR: build.directory, CONSOLE_DEV_TOKENS: "true" } });
    origin = new URL(server.url).origin;
    const [acme, globex, initech, hooli, suspended] = await Promise.all([
      namedActiveTenant("Acme Corporation", "acme", "Contract signed"),
      namedActiveTenant("Globex", "globex"),
      namedActiveTenant("Initech", "initech"),
      namedActiveTenant("Hooli", "hooli"),
      namedActiveTenant("Umbrella", "umbrella"),
    ]);
    await transition(server, suspended.id, "SUSPEND", { reason: "Unpaid invoices" });
    const globexRun = await queuedRun(server, globex.id);
    const { createWebhookEndpoint } = await server.data<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
      { input: { url: "http://127.0.0.1:9/console-test-hook", description: "Billing sync" } },
      { as: personas.operator },
    );
    seed = { acme, globex, initech, hooli, suspended, globexRun, webhook: createWebhookEndpoint.endpoint.id };
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await build?.remove();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    const seen = trouble;
    trouble = [];
    expect(seen).toEqual([]);
  });

  /** A fresh browser context (cold cache, no storage) watched for other origins and CSP violations. */
  async function open(theme: "light" | "dark" = "light", allowedOrigins: string[] = [origin]): Promise<Page> {
    const context = await browser.newContext({ colorScheme: theme, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    context.on("request", (request) => {
      const url = new URL(request.url());
      if (url.protocol !== "data:" && !allowedOrigins.includes(url.origin)) {
        trouble.push(`request to another origin: ${request.url()}`);
      }
    });
    const page = await context.newPage();
    watch(page);
    return page;
  }

  function watch(page: Page): void {
    page.on("console", (message) => {
      if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) trouble.push(`CSP: ${message.text()}`);
    });
    page.on("pageerror", (error) => trouble.push(`page error: ${error.message}`));
  }

  async function goto(page: Page, path: string): Promise<void> {
    await page.goto(`${origin}/console${path}`);
  }

  /** Signs in with the development button (the token then lives in this page's memory only). */
  async function signIn(page: Page, persona: string, tenantId?: string): Promise<void> {
    await page.getByLabel("Persona").selectOption(persona);
    if (tenantId) await page.getByLabel("Tenant id of this user").fill(tenantId);
    await page.getByRole("button", { name: "Sign in as this persona" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
  }

  async function axe(page: Page, what: string): Promise<void> {
    // Evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const result = await (
        window as unknown as {
          axe: {
            run(options: object): Promise<{
              violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
            }>;
          };
        }
      ).axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } });
      return result.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => JSON.stringify(node.target)).slice(0, 5),
      }));
    });
    const serious = violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
    expect(serious, what).toEqual([]);
  }

  /** The text of a located element, once it is there. */
  async function text(locator: ReturnType<Page["getByRole"]>): Promise<string> {
    await locator.waitFor();
    return (await locator.textContent()) ?? "";
  }

  it("first load of /console with a cold cache", async () => {
    const page = await open();
    const started = Date.now();
    await goto(page, "/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const wallMs = Date.now() - started;
    const timing = await page.evaluate(() => {
      const entry = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        responseEndMs: Math.round(entry.responseEnd),
        domContentLoadedMs: Math.round(entry.domContentLoadedEventEnd),
        loadMs: Math.round(entry.loadEventEnd),
        transferBytes: performance
          .getEntriesByType("resource")
          .reduce((sum, resource) => sum + (resource as PerformanceResourceTiming).transferSize, entry.transferSize),
      };
    });
    const measured = { ...timing, untilSignInVisibleMs: wallMs };
    mkdirSync(join(ROOT, "test-results"), { recursive: true });
    writeFileSync(join(ROOT, "test-results/console-first-load.json"), `${JSON.stringify(measured, null, 2)}\n`);
    console.log(`console first load (cold cache): ${JSON.stringify(measured)}`);
    // The target is 1 s on this machine (README); the bound leaves room for a loaded CI machine.
    expect(timing.loadMs).toBeLessThan(3_000);
  });

  it("an operator finds a tenant by search, suspends it with a reason, and sees the badge and the audit trail change", async () => {
    const page = await open();
    const graphqlRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/graphql")) graphqlRequests.push(request.postData() ?? "");
    });
    await goto(page, "/tenants");
    await signIn(page, "operator");
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    // The tabs carry exact counts from tenantStatusCounts, in the same request as the list.
    const { tenantStatusCounts } = await server.data<{ tenantStatusCounts: { status: string; count: number }[] }>(
      "{ tenantStatusCounts { status count } }",
      {},
      { as: personas.operator },
    );
    const active = tenantStatusCounts.find((entry) => entry.status === "ACTIVE")?.count;
    await page
      .getByRole("navigation", { name: "Tenant status" })
      .getByRole("link", { name: new RegExp(`^Active ${active}$`) })
      .waitFor();
    expect(graphqlRequests.filter((body) => body.includes("ConsoleTenants"))).toHaveLength(1);

    await page.getByRole("searchbox", { name: "Search tenants" }).fill("ac");
    expect(await text(page.getByRole("search"))).toContain(
      "1–2 characters: it matches tenants whose slug starts with it",
    );
    await page.getByRole("searchbox", { name: "Search tenants" }).fill("Acme Corp");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/q=Acme\+Corp/);
    await page.getByRole("link", { name: "Acme Corporation" }).click();
    await page.getByRole("heading", { name: "Acme Corporation", level: 1 }).waitFor();
    const lifecycle = page.getByRole("region", { name: "Lifecycle" });
    expect(await lifecycle.textContent()).toContain("Contract signed");

    await page.getByRole("button", { name: "Suspend", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Suspend: Acme Corporation" });
    await dialog.waitFor();
    const reason = dialog.getByRole("textbox", { name: "Reason (required)" });
    // Focus is trapped in the modal dialog; the reason is marked required.
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    expect(await reason.evaluate((element) => element.hasAttribute("required"))).toBe(true);
    await reason.fill("Chargeback under review");
    await dialog.getByRole("button", { name: "Confirm: Suspend" }).click();
    await page.getByRole("status").filter({ hasText: "Suspend: done." }).waitFor();
    // Focus went back to the page, the badge says so in words, the audit trail has the entry.
    expect(await dialog.count()).toBe(0);
    await lifecycle.getByText("Suspended").first().waitFor();
    const entry = page
      .getByRole("region", { name: "Audit trail" })
      .getByRole("row", { name: /tenant\.lifecycle\.suspend/ });
    await entry.waitFor();
    expect(await entry.textContent()).toContain("Chargeback under review");
    const mutation = graphqlRequests.find((body) => body.includes("ConsoleTransition")) as string;
    expect(JSON.parse(mutation).variables.input).toMatchObject({
      tenantId: seed.acme.id,
      transition: "SUSPEND",
      reason: "Chargeback under review",
      expectedVersion: expect.any(Number),
      idempotencyKey: expect.any(String),
    });

    // The chain verifies, with the checkpoint's part said in words.
    await page.getByRole("button", { name: "Verify the audit chain" }).click();
    expect(await text(page.getByRole("status").filter({ hasText: "Chain intact" }))).toMatch(
      /Chain intact: \d+ events checked/,
    );

    for (const theme of THEMES)
      await page
        .emulateMedia({ colorScheme: theme })
        .then(() => page.screenshot({ path: join(SCREENSHOTS, `tenant-${theme}.png`), fullPage: true }));
  });

  it("a retry after a lost answer sends the dialog's idempotency key again and changes the tenant once", async () => {
    const page = await open();
    await goto(page, `/tenants/${seed.initech.id}`);
    await signIn(page, "operator");
    await page.getByRole("button", { name: "Suspend", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Suspend: Initech" });
    await dialog.getByRole("textbox", { name: "Reason (required)" }).fill("Security review");
    const keys: string[] = [];
    let lose = true;
    await page.route("**/graphql", async (route) => {
      const body = route.request().postData() ?? "";
      if (!body.includes("ConsoleTransition")) return route.continue();
      keys.push(JSON.parse(body).variables.input.idempotencyKey);
      if (!lose) return route.continue();
      lose = false;
      await route.fetch(); // the server makes the change; its answer is lost on the way back
      await route.abort("failed");
    });
    await dialog.getByRole("button", { name: "Confirm: Suspend" }).click();
    expect(await dialog.getByRole("alert").textContent()).toContain("Trying again is safe");
    await dialog.getByRole("button", { name: "Confirm: Suspend" }).click();
    await page.getByRole("status").filter({ hasText: "Suspend: done." }).waitFor();
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    const { tenant } = await server.data<{ tenant: { auditEvents: { edges: { node: { action: string } }[] } } }>(
      `query($id: ID!) { tenant(id: $id) { auditEvents(first: 50) { edges { node { action } } } } }`,
      { id: seed.initech.id },
      { as: personas.operator },
    );
    expect(tenant.auditEvents.edges.filter(({ node }) => node.action === "tenant.lifecycle.suspend")).toHaveLength(1);
  });

  it("a support reader sees every action blocked, each with its reason", async () => {
    const page = await open();
    await goto(page, `/tenants/${seed.globex.id}`);
    await signIn(page, "support-read");
    const actions = page.getByRole("region", { name: "Actions" });
    await actions.waitFor();
    expect(await actions.getByRole("button").count()).toBe(0);
    const suspend = actions.getByRole("row", { name: /^Suspend/ });
    expect(await suspend.textContent()).toContain("You do not have permission to change this tenant's lifecycle");
    const slug = actions.getByRole("row", { name: /^Change slug/ });
    expect(await slug.textContent()).toContain("Only platform operators may do this");
  });

  it("a tenant admin sees their tenant masked and gets the not-found look for another tenant", async () => {
    const page = await open();
    await goto(page, "/");
    await signIn(page, "tenant-admin", seed.acme.id);
    // The admin lands on their own tenant; its internal note is not shown to them.
    await page.getByRole("heading", { name: "Acme Corporation", level: 1 }).waitFor();
    expect(page.url()).toContain(`/console/tenants/${seed.acme.id}`);
    const lifecycle = await text(page.getByRole("region", { name: "Lifecycle" }));
    expect(lifecycle).toContain("Not shown to tenant users");
    expect(lifecycle).not.toContain("Chargeback under review");
    expect(await page.getByRole("link", { name: "Tenants", exact: true }).count()).toBe(0);

    await goto(page, `/tenants/${seed.globex.id}`);
    await signIn(page, "tenant-admin", seed.acme.id);
    await page.getByRole("heading", { name: "Tenant not found" }).waitFor();
    const other = await text(page.getByRole("main"));
    await goto(page, "/tenants/00000000-0000-4000-8000-000000000000");
    await signIn(page, "tenant-admin", seed.acme.id);
    await page.getByRole("heading", { name: "Tenant not found" }).waitFor();
    // Another tenant and no tenant at all look the same.
    expect(await text(page.getByRole("main"))).toBe(other);
  });

  it("a change made in a second tab is explained as a version conflict, and Reload shows the current state", async () => {
    const first = await open();
    const second = await first.context().newPage();
    watch(second);
    for (const page of [first, second]) {
      await page.bringToFront();
      await goto(page, `/tenants/${seed.globex.id}`);
      await signIn(page, "operator");
      await page.getByRole("heading", { name: "Globex", level: 1 }).waitFor();
    }
    await second.getByRole("button", { name: "Rename", exact: true }).click();
    const rename = second.getByRole("dialog", { name: "Rename: Globex" });
    await rename.getByRole("textbox", { name: "New name (required)" }).fill("Globex International");
    await rename.getByRole("button", { name: "Confirm: Rename" }).click();
    await second.getByRole("heading", { name: "Globex International", level: 1 }).waitFor();

    // Back to the first tab (a background tab's rendering is throttled).
    await first.bringToFront();
    await first.getByRole("button", { name: "Suspend", exact: true }).click();
    const dialog = first.getByRole("dialog", { name: "Suspend: Globex" });
    await dialog.getByRole("textbox", { name: "Reason (required)" }).fill("Abuse report");
    await dialog.getByRole("button", { name: "Confirm: Suspend" }).click();
    const alert = dialog.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("changed since you opened it — reload");
    await dialog.getByRole("button", { name: "Reload" }).click();
    await first.getByRole("heading", { name: "Globex International", level: 1 }).waitFor();
    expect(await dialog.count()).toBe(0);
  });

  it("the run viewer opens a run by its URL while another tenant is selected", async () => {
    const page = await open();
    const contextHeaders: (string | undefined)[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/graphql") && (request.postData() ?? "").includes("ConsoleRun")) {
        contextHeaders.push(request.headers()["x-tenant-context"]);
      }
    });
    await goto(page, "/");
    await signIn(page, "operator");
    const chooser = page.getByRole("combobox", { name: "Selected tenant" });
    await chooser.getByRole("option", { name: /^Hooli/ }).waitFor({ state: "attached" });
    // Only selectable tenants are offered: a suspended one is not.
    const offered = await chooser.getByRole("option").allTextContents();
    expect(offered.some((option) => option.startsWith("Umbrella"))).toBe(false);
    expect(offered.some((option) => option.startsWith("Globex"))).toBe(true);
    await chooser.selectOption(seed.hooli.id);
    await page.getByRole("heading", { name: "Hooli", level: 1 }).waitFor();

    await goto(page, `/runs/${seed.globexRun}`);
    await signIn(page, "operator");
    await page.getByRole("heading", { name: "Data export run", level: 1 }).waitFor();
    expect(await page.getByRole("main").textContent()).toContain("Globex");
    // The choice survived the reload as a preference and was sent as one; the run opened regardless.
    await chooser.getByRole("option", { name: /^Hooli/ }).waitFor({ state: "attached" });
    expect(await chooser.inputValue()).toBe(seed.hooli.id);
    expect(contextHeaders).toEqual([seed.hooli.id]);
  });

  it("the override view is read-only and says so", async () => {
    const page = await open();
    await goto(page, `/tenants/${seed.initech.id}/override`);
    await signIn(page, "operator");
    await page.getByRole("note", { name: "Operator override" }).waitFor();
    await page.getByRole("heading", { name: "Initech", level: 1 }).waitFor();
    expect(await page.getByRole("region", { name: "Actions" }).count()).toBe(0);
    expect(await text(page.getByRole("region", { name: "Lifecycle" }))).toContain("Not shown to tenant users");
  });

  it("every page passes axe (WCAG 2.2 AA, no serious or critical violation) in both themes", async () => {
    const pages: { name: string; path: string; persona: string | null; ready: string }[] = [
      { name: "sign-in", path: "/", persona: null, ready: "Sign in" },
      { name: "tenants", path: "/tenants", persona: "operator", ready: "Tenants" },
      { name: "tenant", path: `/tenants/${seed.suspended.id}`, persona: "operator", ready: "Umbrella" },
      { name: "run", path: `/runs/${seed.globexRun}`, persona: "operator", ready: "Data export run" },
      { name: "override", path: `/tenants/${seed.initech.id}/override`, persona: "operator", ready: "Initech" },
      { name: "webhooks", path: "/webhooks", persona: "operator", ready: "Webhook endpoints" },
      { name: "webhook", path: `/webhooks/${seed.webhook}`, persona: "operator", ready: "Webhook endpoint" },
      {
        name: "not-found",
        path: "/runs/00000000-0000-4000-8000-000000000000",
        persona: "operator",
        ready: "Run not found",
      },
    ];
    for (const theme of THEMES) {
      const page = await open(theme);
      for (const entry of pages) {
        await goto(page, entry.path);
        if (entry.persona) await signIn(page, entry.persona);
        await page.getByRole("heading", { name: entry.ready, level: 1 }).waitFor();
        await axe(page, `${entry.name} (${theme})`);
        if (["sign-in", "tenants", "run", "override", "webhook"].includes(entry.name)) {
          await page.screenshot({ path: join(SCREENSHOTS, `${entry.name}-${theme}.png`), fullPage: true });
        }
      }
      // A dialog open, too: its fields and buttons are named.
      await goto(page, `/tenants/${seed.suspended.id}`);
      await signIn(page, "operator");
      await page.getByRole("button", { name: "Reactivate", exact: true }).click();
      await page.getByRole("dialog", { name: "Reactivate: Umbrella" }).waitFor();
      await axe(page, `dialog (${theme})`);
      // Esc closes it, and focus returns to the button that opened it.
      await page.keyboard.press("Escape");
      expect(await page.getByRole("dialog").count()).toBe(0);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Reactivate");
    }
  });
  it("an operator finds a webhook endpoint from the tenant's actions and replays its deliveries", async () => {
    const page = await open();
    await goto(page, `/tenants/${seed.hooli.id}`);
    await signIn(page, "operator");
    await page.getByRole("region", { name: "Actions" }).getByRole("link", { name: "Webhook endpoints" }).click();
    await page.getByRole("heading", { name: "Webhook endpoints", level: 1 }).waitFor();
    await page.getByRole("link", { name: "http://127.0.0.1:9/console-test-hook" }).click();
    await page.getByRole("heading", { name: "Webhook endpoint", level: 1 }).waitFor();
    expect(await page.getByRole("region", { name: "Delivery log" }).textContent()).toContain("No deliveries yet");
    await page.getByRole("button", { name: "Replay deliveries" }).click();
    const dialog = page.getByRole("dialog", { name: "Replay deliveries" });
    expect(await dialog.getByRole("checkbox", { name: "Only deliveries that failed" }).isChecked()).toBe(true);
    await dialog.getByRole("button", { name: "Confirm: Replay" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Replay: \d+ deliver(y|ies) scheduled\./ })
      .waitFor();
    expect(await dialog.count()).toBe(0);
    // The replay is audited where endpoint changes are (design §9).
    const { platformAuditEvents } = await server.data<{
      platformAuditEvents: { edges: { node: { action: string } }[] };
    }>(
      `query($id: ID) { platformAuditEvents(first: 5, subjectId: $id) { edges { node { action } } } }`,
      { id: seed.webhook },
      { as: personas.operator },
    );
    expect(platformAuditEvents.edges.map(({ node }) => node.action)).toContain("webhook_endpoint.deliveries_replayed");
  });

  it("signs in with OpenID Connect (code + PKCE), keeps the token in memory, and returns to the page it left", async () => {
    const idp = await startFakeOidcProvider({
      clientId: "tenant-console",
      audience: "tenant-lifecycle",
      claims: { sub: "sso-operator", scope: "platform:operator" },
    });
    const sso = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: {
        CONSOLE_ASSETS_DIR: build.directory,
        AUTH_JWT_SECRET: "",
        AUTH_JWKS_URL: idp.jwksUrl,
        AUTH_JWT_ISSUER: idp.issuer,
        AUTH_JWT_AUDIENCE: "tenant-lifecycle",
        CONSOLE_OIDC_ISSUER: idp.issuer,
        CONSOLE_OIDC_CLIENT_ID: "tenant-console",
        CONSOLE_OIDC_AUDIENCE: "tenant-lifecycle",
      },
    });
    try {
      const ssoOrigin = new URL(sso.url).origin;
      const page = await open("light", [ssoOrigin, idp.issuer]);
      await page.goto(`${ssoOrigin}/console/tenants?status=ACTIVE`);
      await page.getByRole("button", { name: "Sign in with single sign-on" }).waitFor();
      // No development sign-in here: single sign-on and the token field only.
      expect(await page.getByRole("button", { name: "Sign in as this persona" }).count()).toBe(0);
      await page.getByRole("button", { name: "Sign in with single sign-on" }).click();
      await page.getByRole("heading", { name: "Tenants", level: 1 }).waitFor();
      expect(page.url()).toBe(`${ssoOrigin}/console/tenants?status=ACTIVE`);
      expect(await page.getByRole("banner").textContent()).toContain("sso-operator");
      const [authorization] = idp.authorizations;
      expect(authorization?.get("code_challenge_method")).toBe("S256");
      expect(authorization?.get("redirect_uri")).toBe(`${ssoOrigin}/console/auth/callback`);
      expect(authorization?.get("audience")).toBe("tenant-lifecycle");
      expect(idp.refusals).toEqual([]);
      // The tokens are nowhere but in the page's memory.
      const stored = await page.evaluate(() => JSON.stringify({ ...window.localStorage, ...window.sessionStorage }));
      expect(stored).not.toMatch(/eyJ/);
      await axe(page, "tenants after single sign-on");
    } finally {
      await sso.close();
      await idp.close();
    }
  });
});
