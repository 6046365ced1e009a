import { spawn, type ChildProcess } from "node:child_process";
import { TEST_AUDIT_ENV } from "./audit-keys.ts";
import { fileURLToPath } from "node:url";
import { TEST_JWT_SECRET } from "./personas.ts";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** The service's own process (npm and tsx sit between it and `child`). */
  pid: number;
  url: string;
  baseUrl: string;
  output: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the service the way a user does (`npm start`), on a free port, and waits for its
 * "listening" log line.
 */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  timeoutMs = 90_000,
  script: "start" | "start:built" = "start",
): Promise<ServerProcess> {
  const child = spawn("npm", ["run", script, "--silent"], {
    cwd: projectRoot,
    env: {
      ...process.env,
      PORT: "0",
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      // The suite's other workers share this machine's cores: their load is not this server's,
      // so shedding on loop delay is off unless a test is about it.
      SHED_EVENT_LOOP_DELAY_MS: "60000",
      ...TEST_AUDIT_ENV,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const { url, pid } = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+\/graphql)","pid":(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, pid: Number(match[2]) });
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    child,
    pid,
    url,
    baseUrl: url.replace(/\/graphql$/, ""),
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      // As a process manager would: signal the service itself; npm then exits with its code.
      process.kill(pid, signal);
      return exited;
    },
  };
}
