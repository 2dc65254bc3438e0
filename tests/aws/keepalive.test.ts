// keepalive.test.ts - a client reusing a keep-alive connection is answered
// while other requests wait on a slow database. When the server's polling
// threads themselves waited on DynamoDB, an idle connection whose timeout
// passed meanwhile stayed open (nobody was there to close it), so a client
// reused it - and when the thread came back it closed the connection with
// the new request unread: the client got ECONNRESET. Now the connection is
// closed on time, and a client that sees it closed opens a new one, as
// HTTP clients do. The idle timeout is shortened here to 2 s.
import { afterAll, expect, test } from "bun:test";
import { spawn } from "bun";
import net from "node:net";
import { startServer } from "../contract/support/server";
import { uid } from "../contract/support/ids";
import { startMoto, type Moto } from "./moto";

process.env.FIN_SERVER_MODE = "aws";
const bin = process.env.FIN_BIN ?? "build/financial-api";
let moto: Moto | undefined;
afterAll(() => moto?.proc.kill("SIGKILL"));

/** A raw keep-alive connection: one request at a time, answers as strings. */
class Conn {
  private buf = "";
  private waiters: Array<() => void> = [];
  closed = "";
  constructor(private sock: net.Socket) {
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      this.buf += d;
      this.wake();
    });
    sock.on("error", (e: any) => {
      this.closed ||= String(e.code ?? e);
      this.wake();
    });
    sock.on("end", () => {
      this.closed ||= "closed";
      this.wake();
    });
    sock.on("close", () => {
      this.closed ||= "closed";
      this.wake();
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(new Conn(s)));
      s.once("error", reject);
    });
  }
  private wake() {
    this.waiters.splice(0).forEach((w) => w());
  }
  /** Sends GET path; resolves with the status line, or "error: <why>". */
  async get(path: string): Promise<string> {
    this.sock.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
    for (;;) {
      const head = this.buf.indexOf("\r\n\r\n");
      if (head >= 0) {
        const len = Number(/content-length: *(\d+)/i.exec(this.buf.slice(0, head))?.[1] ?? 0);
        if (this.buf.length >= head + 4 + len) {
          const status = this.buf.slice(0, this.buf.indexOf("\r\n"));
          this.buf = this.buf.slice(head + 4 + len);
          return status;
        }
      }
      if (this.closed) return `error: ${this.closed}`;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  end() {
    this.sock.destroy();
  }
}

const dev = (eco: string) => `Bearer mock.${Buffer.from(JSON.stringify({ ecosystemId: eco, role: "user" })).toString("base64")}.sig`;

test("keep-alive connections are answered while the database stalls other requests", async () => {
  moto = await startMoto();
  const prov = spawn([bin, "provision", "localstack/manifest.json"], {
    env: { ...process.env, AWS_ENDPOINT_URL: moto.url },
    stdout: "ignore",
    stderr: "ignore",
  });
  expect(await prov.exited).toBe(0);
  const IDLE_S = 2;
  const base = await startServer(
    { AWS_ENDPOINT_URL: moto.url, FIN_DEV_AUTH: "true", FIN_AWS_TIMEOUT_MS: "1500", FIN_HTTP_IDLE_TIMEOUT_S: String(IDLE_S) },
    true,
  );
  const port = Number(new URL(base).port);
  const eco = uid("ka");
  const reg = await fetch(`${base}/v1/users`, { method: "POST", headers: { Authorization: dev(eco), "Content-Type": "application/json" }, body: "{}" });
  expect(reg.status).toBe(201);

  // connections spread over the server's polling threads, used once, then idle
  const conns = await Promise.all(Array.from({ length: 6 }, () => Conn.open(port)));
  try {
    for (const c of conns) expect(await c.get("/health/liveness")).toBe("HTTP/1.1 200 OK");
    const idleSince = Date.now();

    process.kill(moto.proc.pid, "SIGSTOP"); // every database call now waits for its timeout
    let stalled: Promise<number[]>;
    try {
      stalled = Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${base}/v1/dashboard`, { headers: { Authorization: dev(eco) } }).then((r) => r.status, () => 0),
        ),
      );
      // the scenario: the clients come back just after the idle timeout,
      // while the dashboards still wait on the database
      await Bun.sleep(IDLE_S * 1000 + 300 - (Date.now() - idleSince));
      const t0 = Date.now();
      const answers = await Promise.all(
        conns.map(async (c, i) => {
          if (!c.closed) return c.get("/health/liveness"); // still open: a client reuses it
          conns[i] = await Conn.open(port); // closed by the server: a client opens another
          return conns[i].get("/health/liveness");
        }),
      );
      expect(answers).toEqual(Array(conns.length).fill("HTTP/1.1 200 OK"));
      expect(Date.now() - t0).toBeLessThan(1000); // liveness does not queue behind the database
    } finally {
      process.kill(moto.proc.pid, "SIGCONT");
    }
    const statuses = await stalled;
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
  } finally {
    conns.forEach((c) => c.end());
  }
}, 120000);
