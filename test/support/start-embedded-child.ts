// Run as a child process by the embedded-postgres test: starts a cluster, prints its URL, and
// then waits to be killed (kill -9 leaves the postgres it started behind).
import { startEmbeddedPostgres } from "../../src/services/database/embedded-postgres.ts";

const dataDir = process.argv[2] as string;
const handle = await startEmbeddedPostgres({ dataDir, logger: { info: () => undefined, warn: () => undefined } });
process.stdout.write(`READY ${handle.serverUrl()}\n`);
setInterval(() => undefined, 60_000);
