// net.ts - raw-socket helpers for the HTTP security tests: requests that
// fetch() will not send (ambiguous framing, partial heads), a chosen source
// address, and the server process behind a base URL.
import net from "node:net";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export function portOf(base: string): number {
  return Number(new URL(base).port);
}

export interface RawReply {
  status: number; // 0 = the connection closed without an answer
  text: string;
}

/** Sends `text` as is and collects what comes back until the server closes
 * the connection or `timeoutMs` passes (then whatever arrived so far). */
export function rawRequest(
  base: string,
  text: string,
  o: { localAddress?: string; timeoutMs?: number } = {},
): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: "127.0.0.1", port: portOf(base), localAddress: o.localAddress });
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      const t = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(t);
      resolve({ status: m ? Number(m[1]) : 0, text: t });
    };
    const timer = setTimeout(done, o.timeoutMs ?? 5000);
    s.on("connect", () => s.write(text));
    s.on("data", (d) => {
      chunks.push(d);
      // one answer is enough: stop at the end of a Content-Length body
      const t = Buffer.concat(chunks).toString("latin1");
      const h = t.indexOf("\r\n\r\n");
      const cl = /\r\ncontent-length: *(\d+)/i.exec(t);
      if (h >= 0 && cl && t.length >= h + 4 + Number(cl[1])) done();
    });
    s.on("close", done);
    s.on("error", done);
  });
}

/** A connection that sent `head` (an unfinished request) and stays open;
 * `closed` resolves when the server closes it. */
export function openPartial(
  base: string,
  head: string,
  localAddress?: string,
): Promise<{ sock: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port: portOf(base), localAddress });
    const closed = new Promise<void>((r) => {
      sock.on("close", () => r());
      sock.on("error", () => r());
    });
    sock.on("connect", () => {
      sock.write(head);
      resolve({ sock, closed });
    });
    sock.on("error", () => resolve({ sock, closed }));
  });
}

/** The pid of the process listening on base's port: found through the
 * socket's inode (/proc/net/tcp, then /proc/<pid>/fd), so it does not
 * depend on how the server was started (e.g. `--port 0 --port-file`). */
export function serverPid(base: string): number {
  const port = portOf(base).toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "latin1");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A = LISTEN; inode is field 9
      if (f.length > 9 && f[1].endsWith(`:${port}`) && f[3] === "0A") inodes.add(f[9]);
    }
  }
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue; /* gone meanwhile, or not ours to read */
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(d);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  throw new Error(`no process listens on ${base}`);
}

/** Resident set size of a process in KiB. */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** Resolves when the process has exited (or is a zombie), at most `ms`. */
export async function exited(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, "latin1");
      if (/\) Z /.test(st)) return true;
    } catch {
      return true;
    }
    await Bun.sleep(20); // polling for process exit, not ordering the test
  }
  return false;
}

/** Runs `n` async jobs with at most `width` in flight. */
export async function pool<T>(n: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
  return out;
}
