// Counts SQL statements on the wire, whoever sends them: a TCP proxy in front of PostgreSQL that
// reads the frontend protocol and counts Query ('Q', simple protocol) and Execute ('E', extended
// protocol) messages. Every target (Prisma, hand-written pg, PostGraphile) is measured the same way.
import { createConnection, createServer, type AddressInfo, type Server } from "node:net";

const SSL_REQUEST = 80877103;
const GSS_ENCRYPTION_REQUEST = 80877104;
const QUERY = "Q".charCodeAt(0);
const EXECUTE = "E".charCodeAt(0);

export interface StatementProxy {
  port: number;
  /** Statements since the last reset. */
  count(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startStatementProxy(target: { host: string; port: number }): Promise<StatementProxy> {
  let statements = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    let pending: Buffer = Buffer.alloc(0);
    let startedUp = false;
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (!startedUp) {
          // Untyped start-up packets: length, then a code; SSL/GSS probes precede the real one.
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          const code = pending.readInt32BE(4);
          if (pending.length < length) break;
          if (code !== SSL_REQUEST && code !== GSS_ENCRYPTION_REQUEST) startedUp = true;
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1) + 1;
        if (pending.length < length) break;
        const type = pending[0];
        if (type === QUERY || type === EXECUTE) statements += 1;
        pending = pending.subarray(length);
      }
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", closeBoth).on("error", closeBoth);
    upstream.on("close", closeBoth).on("error", closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    count: () => statements,
    reset: () => {
      statements = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Pools keep connections open; their targets are stopped before the proxy closes.
        setTimeout(resolve, 500).unref();
      }),
  };
}
