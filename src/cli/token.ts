// Prints a development token signed with the configured AUTH_JWT_SECRET (or the development default).
//   npm run token -- --help
import { parseArgs } from "node:util";
import { SCOPES } from "../domain/capabilities.ts";
import { signDevelopmentToken } from "../server/auth.ts";
import { ConfigError, loadConfig } from "../server/config.ts";

const TENANT_SCOPES: readonly string[] = ["tenant:admin", "tenant:member"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const USAGE = `Usage: npm run -s token -- [--scope <scopes>] [--tenant <uuid>] [--sub <id>] [--expires-in <duration>]

Prints a token signed with AUTH_JWT_SECRET (or the development secret), for local use.

  --scope <scopes>       space-separated, from the closed set (default: platform:operator):
                           ${SCOPES.join(", ")}
                         (support:* is a literal scope, not a wildcard)
  --tenant <uuid>        the tenant a tenant user belongs to (tenant_id); required by, and only
                         used with, tenant:admin and tenant:member
  --sub <id>             the subject (default: dev-operator, or tenant-user:<uuid>)
  --expires-in <d>       lifetime: 900, 15m, 12h (default 12h; at most AUTH_MAX_TOKEN_AGE)
  -h, --help             this text

Examples:
  npm run -s token -- --scope platform:operator
  npm run -s token -- --scope "support:read support:lifecycle"
  npm run -s token -- --scope tenant:admin --tenant 0b5a3c7e-2f4d-4c1a-9e8b-1d2c3b4a5f60
`;

/** Why a token asked for this way would not do what its holder expects; empty when it would. */
function tokenRequestProblems(scopeText: string, tenant: string | undefined): string[] {
  const scopes = scopeText.split(/\s+/).filter((scope) => scope !== "");
  const problems: string[] = [];
  if (scopes.length === 0) problems.push("--scope is empty");
  const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    problems.push(
      `unknown scope ${unknown.map((scope) => `"${scope}"`).join(", ")}: it would grant nothing. The closed set: ${SCOPES.join(", ")}`,
    );
  }
  const tenantScopes = scopes.filter((scope) => TENANT_SCOPES.includes(scope));
  const platformScopes = scopes.filter((scope) => !TENANT_SCOPES.includes(scope) && !unknown.includes(scope));
  if (tenant === undefined && tenantScopes.length > 0) {
    problems.push(
      `${tenantScopes.join(" and ")} ${tenantScopes.length > 1 ? "act" : "acts"} only for one tenant: add --tenant <tenant id>`,
    );
  }
  if (tenant !== undefined) {
    if (!UUID.test(tenant)) problems.push(`--tenant must be a tenant id (a UUID), not "${tenant}"`);
    if (tenantScopes.length === 0) problems.push("--tenant needs --scope tenant:admin or tenant:member");
    if (platformScopes.length > 0) {
      problems.push(
        `a token with --tenant acts as a user of that tenant only: ${platformScopes.join(", ")} would be ignored`,
      );
    }
  }
  return problems;
}

try {
  const { values } = parseArgs({
    options: {
      scope: { type: "string", default: "platform:operator" },
      tenant: { type: "string" },
      sub: { type: "string" },
      "expires-in": { type: "string", default: "12h" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const problems = tokenRequestProblems(values.scope, values.tenant);
  if (problems.length > 0) {
    throw new Error(`No token printed:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n(see --help)`);
  }
  const config = loadConfig();
  if (config.auth.kind !== "secret") {
    throw new Error("AUTH_JWKS_URL is configured: tokens come from your identity provider, not from this script");
  }
  const token = await signDevelopmentToken(config.auth.secret, {
    sub: values.sub ?? (values.tenant ? `tenant-user:${values.tenant}` : "dev-operator"),
    scope: values.scope
      .split(/\s+/)
      .filter((scope) => scope !== "")
      .join(" "),
    tenantId: values.tenant,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    expiresIn: values["expires-in"],
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  const hint = /Unknown option|Unexpected argument/.test(message) ? `\n${USAGE}` : "";
  process.stderr.write(`${message}${hint}\n`);
  process.exit(1);
}
