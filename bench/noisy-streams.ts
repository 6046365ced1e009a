// The noisy member of `bench/noisy-neighbour.ts`, in a process of its own so that its load
// generation never delays the bystanders' clock. Reads its orders from the JSON file named by
// NOISY_ORDERS (url, token, body, streams, seconds: a body can be larger than an environment
// variable may be); prints a JSON count of the answers by status.
import { readFileSync } from "node:fs";

interface Orders {
  url: string;
  token: string;
  body: string;
  streams: number;
  seconds: number;
}

const orders = JSON.parse(readFileSync(process.env["NOISY_ORDERS"] ?? "", "utf8")) as Orders;
const until = performance.now() + orders.seconds * 1000;
const statuses: Record<string, number> = {};
await Promise.all(
  Array.from({ length: orders.streams }, async () => {
    while (performance.now() < until) {
      const status = await fetch(orders.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${orders.token}` },
        body: orders.body,
      }).then(
        async (response) => {
          await response.arrayBuffer();
          return String(response.status);
        },
        () => "failed",
      );
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
process.stdout.write(`${JSON.stringify(statuses)}\n`);
