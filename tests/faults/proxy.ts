// proxy.ts - a fault-injecting HTTP/1.1 TCP proxy between the server under
// test and its database emulator (DynamoDB Local, the Firestore emulator).
//
// It reads whole requests (headers and Content-Length body) off each client
// connection, one at a time (libcurl does not pipeline), and decides per
// request, from a seeded PRNG, what happens to it:
//
//   none          forwarded, the whole answer returned
//   latency       forwarded after 50-450 ms, the whole answer returned
//   reset_before  the client connection is reset; nothing reaches the database
//   reset_after   forwarded and answered by the database, then the client
//                 connection is reset: the write happened, the answer is lost
//   cut_headers   the answer is cut inside its headers (FIN, not RST: the case
//                 libcurl 7.88 reads as "200, empty body")
//   cut_body      the answer is cut inside its body
//   stall         forwarded and answered, but the answer is held until the
//                 client gives up (its timeout), then the connection closed
//   late          the request is held past the client's timeout and only then
//                 delivered (on a connection of the proxy's own): the write
//                 lands after the client gave up, maybe after its retry
//
// Each upstream request goes on a fresh connection, so a fault never leaves
// a half-read answer on a connection that is used again. A line per faulted
// request goes to the log file (the lead reads them when a seed fails).
import net from "node:net";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { mulberry32 } from "./rng";

export const FAULTS = ["latency", "reset_before", "reset_after", "cut_headers", "cut_body", "stall", "late"] as const;
export type Fault = (typeof FAULTS)[number] | "none";

export interface ProxyOptions {
  targetHost: string;
  targetPort: number;
  seed: number;
  rate: number; // probability that a request is faulted
  kinds?: readonly Fault[]; // the faults to draw from (default all; FAULT_KINDS)
  clientTimeoutMs: number; // the server's per-call timeout (stall / late go past it)
  logFile: string;
  describe?: (req: Req) => string; // one-line summary of a request for the log
  // Targeted tests: only requests this accepts may be faulted, and at most
  // `budget` of them (default: any request, no limit)
  only?: (req: Req) => boolean;
  budget?: number;
}

export interface Req {
  method: string;
  path: string;
  headers: Record<string, string>; // lower-case names
  body: Buffer;
  raw: Buffer;
}

interface Answer {
  raw: Buffer;
  headerEnd: number; // index just past the blank line
}

export interface Proxy {
  port: number;
  counts: Record<Fault, number>;
  /** Resolves when no request is in flight or held for late delivery. */
  idle(): Promise<void>;
  stop(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A whole request at the start of buf, or undefined if more bytes are needed. */
export function parseRequest(buf: Buffer): Req | undefined {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const [method = "", path = ""] = lines[0]!.split(" ");
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const len = Number(headers["content-length"] ?? 0);
  if (buf.length < end + 4 + len) return undefined;
  return { method, path, headers, body: buf.subarray(end + 4, end + 4 + len), raw: buf.subarray(0, end + 4 + len) };
}

/** Length of a whole answer at the start of buf (Content-Length, chunked, or
 * -1 when it runs to the close of the connection); undefined if incomplete. */
export function answerLength(buf: Buffer): number | undefined {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString("latin1").toLowerCase();
  const status = Number(head.slice(9, 12));
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return end + 4;
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (cl) return buf.length >= end + 4 + Number(cl[1]) ? end + 4 + Number(cl[1]) : undefined;
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) {
    let at = end + 4;
    for (;;) {
      const eol = buf.indexOf("\r\n", at);
      if (eol < 0) return undefined;
      const size = parseInt(buf.subarray(at, eol).toString("latin1"), 16);
      if (size === 0) {
        const fin = buf.indexOf("\r\n\r\n", eol);
        return fin < 0 ? undefined : fin + 4;
      }
      at = eol + 2 + size + 2;
      if (at > buf.length) return undefined;
    }
  }
  return -1;
}

/** Sends raw to the target on a fresh connection and reads the whole answer. */
function forward(o: ProxyOptions, raw: Buffer): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (a: Answer | undefined) => {
      if (done) return;
      done = true;
      up.destroy();
      resolve(a);
    };
    const up = net.connect(o.targetPort, o.targetHost, () => up.write(raw));
    up.setTimeout(60_000, () => finish(undefined));
    up.on("data", (d) => {
      got = Buffer.concat([got, d]);
      const n = answerLength(got);
      if (n !== undefined && n >= 0) finish({ raw: got.subarray(0, n), headerEnd: got.indexOf("\r\n\r\n") + 4 });
    });
    up.on("error", () => finish(undefined));
    up.on("close", () => {
      const n = answerLength(got);
      finish(n === -1 ? { raw: got, headerEnd: got.indexOf("\r\n\r\n") + 4 } : undefined);
    });
  });
}

export function startProxy(o: ProxyOptions): Promise<Proxy> {
  const rnd = mulberry32(o.seed);
  const counts = Object.fromEntries([...FAULTS, "none"].map((f) => [f, 0])) as Record<Fault, number>;
  mkdirSync(dirname(o.logFile), { recursive: true });
  writeFileSync(o.logFile, `# proxy seed=${o.seed} rate=${o.rate} target=${o.targetHost}:${o.targetPort}\n`);
  let conns = 0;
  const open = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inflight = 0;
  const waiters: (() => void)[] = [];
  const done = () => {
    if (--inflight === 0) waiters.splice(0).forEach((f) => f());
  };

  const kinds = o.kinds?.length ? o.kinds : FAULTS;
  let budget = o.budget ?? Infinity;
  const draw = (): Fault => (rnd() < o.rate ? kinds[Math.floor(rnd() * kinds.length)]! : "none");
  const decide = (req: Req): Fault => {
    const f = draw(); // drawn for every request: a seed replays the same way
    if (f === "none" || (o.only && !o.only(req)) || budget <= 0) return "none";
    budget--;
    return f;
  };
  const log = (line: string) => appendFileSync(o.logFile, `${new Date().toISOString()} ${line}\n`);

  const server = net.createServer((client) => {
    const id = ++conns;
    open.add(client);
    let buf = Buffer.alloc(0);
    let busy = false;
    let closed = false;
    let n = 0;
    client.on("close", () => ((closed = true), open.delete(client)));
    client.on("error", () => {});

    const handle = async (req: Req) => {
      const fault = decide(req);
      // the PRNG is drawn in request order: the cut positions come from it too
      const cutAt = rnd();
      const delay = rnd();
      counts[fault]++;
      const what = `conn=${id} req=${++n} ${req.method} ${req.path} ${o.describe ? o.describe(req) : ""}`;
      if (fault !== "none") log(`fault=${fault} ${what}`);
      if (fault === "reset_before") return void client.resetAndDestroy();
      if (fault === "late") {
        // hold it past the client's timeout, then deliver it on our own
        inflight++;
        const t = setTimeout(() => {
          timers.delete(t);
          forward(o, req.raw)
            .then((a) => log(`late-delivered conn=${id} req=${n} answer=${a ? a.raw.subarray(9, 12) : "none"}`))
            .finally(done);
        }, o.clientTimeoutMs + 200 + Math.floor(delay * 800));
        timers.add(t);
        return; // the client times out and closes; nothing more on this connection
      }
      if (fault === "latency") await sleep(50 + Math.floor(delay * 400));
      const a = await forward(o, req.raw);
      if (closed) return;
      if (!a) return void client.resetAndDestroy();
      const status = a.raw.subarray(9, 12).toString();
      if (fault !== "none") log(`answered conn=${id} req=${n} status=${status} bytes=${a.raw.length}`);
      switch (fault) {
        case "reset_after":
          return void client.resetAndDestroy();
        case "cut_headers":
          return void client.end(a.raw.subarray(0, 1 + Math.floor(cutAt * (a.headerEnd - 2))));
        case "cut_body": {
          const body = a.raw.length - a.headerEnd;
          // an empty body cannot be cut inside: cut the headers instead
          const at = body > 0 ? a.headerEnd + Math.floor(cutAt * body) : 1 + Math.floor(cutAt * (a.headerEnd - 2));
          return void client.end(a.raw.subarray(0, at));
        }
        case "stall": {
          const t = setTimeout(() => (timers.delete(t), client.destroy()), o.clientTimeoutMs * 3);
          timers.add(t);
          return; // the answer is never sent
        }
        default:
          client.write(a.raw);
      }
    };

    const pump = async () => {
      if (busy || closed) return;
      const req = parseRequest(buf);
      if (!req) return;
      buf = buf.subarray(req.raw.length);
      busy = true;
      inflight++;
      await handle(req).finally(done);
      busy = false;
      if (!closed && !client.destroyed && client.writable) void pump();
    };
    client.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      void pump();
    });
  });

  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        counts,
        idle: () => (inflight === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
        stop() {
          for (const t of timers) clearTimeout(t);
          for (const c of open) c.destroy();
          server.close();
        },
      });
    });
  });
}
