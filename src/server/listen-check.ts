import { createServer } from "node:net";

/** The configured address cannot be listened on; said before any migration runs. */
export class ListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(`cannot listen on ${host}:${port} (${code})`);
    this.name = "ListenError";
  }
}

/**
 * Binds the address once and lets it go, so a port in use (or an address this machine does not
 * have) is reported at start, before the database is migrated, rather than after. Port 0 always
 * succeeds. Another process may still take the port in between: the real listen reports that.
 */
export async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => reject(new ListenError(host, port, error.code ?? "error")));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** What to do about it, for the person who ran `npm start`. */
export function listenHint(error: ListenError): string {
  const where = `${error.host}:${error.port}`;
  if (error.code === "EADDRINUSE") {
    return (
      `Refusing to start: port ${error.port} on ${error.host} is already in use (another instance of this ` +
      `subgraph, or another program; \`lsof -i :${error.port}\` or \`ss -ltnp\` shows which).\n` +
      `Stop it, or set PORT to a free port (PORT=0 picks one), e.g. PORT=4011 npm start\n`
    );
  }
  if (error.code === "EADDRNOTAVAIL") {
    return `Refusing to start: ${error.host} is not an address of this machine (HOST). Use 127.0.0.1, or 0.0.0.0 in a container.\n`;
  }
  if (error.code === "EACCES") {
    return `Refusing to start: not allowed to listen on ${where} (ports below 1024 need privileges). Set PORT above 1023.\n`;
  }
  return `Refusing to start: cannot listen on ${where} (${error.code}). Check HOST and PORT.\n`;
}
