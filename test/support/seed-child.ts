// `tsx test/support/seed-child.ts <database url> <tenants>`: a benchmark seed in a process of its
// own, for a test to stop midway.
import { seedFleet } from "../../bench/seed.ts";

const [url, tenants] = process.argv.slice(2);
if (!url || !tenants) throw new Error("usage: seed-child.ts <database url> <tenants>");
await seedFleet(url, { tenants: Number(tenants) });
