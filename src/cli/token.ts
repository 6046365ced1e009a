// Prints a development token signed with the configured AUTH_JWT_SECRET (or the development default).
//   npm run token -- --scope "platform:operator" [--tenant <uuid>] [--sub <subject>] [--expires-in 1h]
import { parseArgs } from "node:util";
import { signDevelopmentToken } from "../server/auth.ts";
import { ConfigError, loadConfig } from "../server/config.ts";

try {
  const { values } = parseArgs({
    options: {
      scope: { type: "string", default: "platform:operator" },
      tenant: { type: "string" },
      sub: { type: "string" },
      "expires-in": { type: "string", default: "12h" },
    },
  });
  const config = loadConfig();
  if (config.auth.kind !== "secret") {
    throw new Error("AUTH_JWKS_URL is configured: tokens come from your identity provider, not from this script");
  }
  const token = await signDevelopmentToken(config.auth.secret, {
    sub: values.sub ?? (values.tenant ? `tenant-user:${values.tenant}` : "dev-operator"),
    scope: values.scope,
    tenantId: values.tenant,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    expiresIn: values["expires-in"],
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
