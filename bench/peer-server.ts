// What every benchmark peer (the raw baseline, PostGraphile 5 and 4) does around its own
// handler, so that they differ from the subgraph only in how they answer: the bearer token is
// verified with the subgraph's own verifier (every target pays for authentication) and must
// carry platform:operator; the process listens on loopback at PORT, logs the URL the harness
// reads (`startTarget`), and on SIGINT/SIGTERM closes the server, releases its pool and exits.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Principal } from "../src/domain/principal.ts";
import { createTokenVerifier } from "../src/server/auth.ts";

export interface Peer {
  /** Named in the "listening" log line. */
  name: string;
  /** Appended to the logged URL (e.g. "/graphql"). */
  path?: string;
  handle(request: IncomingMessage, response: ServerResponse, principal: Principal): void | Promise<void>;
  release(): Promise<unknown>;
}

export function servePeer(peer: Peer): void {
  const verify = createTokenVerifier({
    kind: "secret",
    secret: process.env["AUTH_JWT_SECRET"] ?? "",
    isDevelopmentSecret: false,
    maxTokenAgeSeconds: 24 * 3600,
  });
  const server = createServer((request, response) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    void (token ? verify(token).catch(() => null) : Promise.resolve(null)).then((principal) => {
      if (!principal?.scopes.includes("platform:operator")) {
        response.writeHead(401, { "content-type": "application/json" });
        response.end('{"errors":[{"message":"UNAUTHENTICATED"}]}');
        return;
      }
      return peer.handle(request, response, principal);
    });
  });
  server.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    console.log(JSON.stringify({ msg: `${peer.name} listening`, url: `http://127.0.0.1:${port}${peer.path ?? ""}` }));
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => server.close(() => void peer.release().then(() => process.exit(0))));
  }
}
