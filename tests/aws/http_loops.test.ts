// http_loops.test.ts - in AWS mode each event-loop thread runs an HTTP
// daemon of its own, all accepting on one socket (docs/aws.md, "Request
// threads"). What must not change with that: the per-address connection
// limit holds for the server as a whole, not once per loop, and a request
// in flight when SIGTERM comes is still answered before the server exits.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import net from "node:net";
import { launchServer } from "../contract/support/server";
import { exited, openPartial, pool, portOf, rawRequest, serverPid } from "../security/support/net";

process.env.FIN_SERVER_MODE = "aws";

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

/** Whether every established connection to port has been accepted by the
 * server: the kernel lists one still in the accept queue with inode 0. */
function allAccepted(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const rows = readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1);
  return rows
    .map((r) => r.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[1].endsWith(`:${hex}`) && f[3] === "01")
    .every((f) => f[9] !== "0");
}

async function untilAccepted(port: number): Promise<void> {
  for (let i = 0; i < 500 && !allAccepted(port); i++) await Bun.sleep(10); // polling the kernel's state
  expect(allAccepted(port)).toBe(true);
}

function liveness(base: string, localAddress: string) {
  return rawRequest(base, "GET /health/liveness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {
    localAddress,
    timeoutMs: 3000,
  });
}

test("the per-address limit counts connections on every loop together", async () => {
  const { base, stop } = await launchServer({
    FIN_HTTP_LOOPS: "2",
    FIN_HTTP_WORKERS: "", // unset: the loops
    FIN_HTTP_MAX_CONNECTIONS_PER_IP: "5",
    FIN_DEV_AUTH: "true",
  });
  stops.push(stop);
  const head = "GET /health/liveness HTTP/1.1\r\nHost: x\r\n";
  // An address of its own: launchServer's readiness fetch leaves a keep-alive
  // connection from 127.0.0.1 open, which holds one of that address's slots
  // (then one of five held connections was refused, and closing it freed
  // nothing: a failure whenever that one was held[0]).
  const addr = "127.0.0.3";
  const held = await pool(5, 5, () => openPartial(base, head, addr));
  try {
    // the five are the server's before the sixth arrives (each loop takes
    // whichever it accepts first; a loop of its own would allow five more)
    await untilAccepted(portOf(base));
    expect((await liveness(base, addr)).status).toBe(0); // closed without an answer
    expect((await liveness(base, "127.0.0.2")).status).toBe(200);
    held[0].sock.destroy();
    await held[0].closed;
    // the slot comes back once the server has seen the close
    let again = 0;
    for (let i = 0; i < 100 && again !== 200; i++) {
      again = (await liveness(base, addr)).status;
      if (again !== 200) await Bun.sleep(10); // the close reaches the server's loop
    }
    expect(again).toBe(200);
  } finally {
    for (const h of held) h.sock.destroy();
  }
}, 60000);

/** A TCP server that accepts connections and never answers; `calls(op)`
 * counts the DynamoDB requests for op it has received. */
async function silentServer(): Promise<{ port: number; calls: (op: string) => number }> {
  const held: net.Socket[] = [];
  let seen = "";
  const server = net.createServer((s) => {
    held.push(s);
    s.on("data", (d) => (seen += d.toString("latin1")));
    s.on("error", () => {});
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  stops.push(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  const calls = (op: string) => seen.split(`DynamoDB_20120810.${op}`).length - 1;
  return { port: (server.address() as net.AddressInfo).port, calls };
}

test("SIGTERM while a request waits on its store: the request is answered, then the server exits", async () => {
  const silent = await silentServer();
  const { base, stop } = await launchServer({
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${silent.port}`,
    FIN_AWS_TIMEOUT_MS: "2000",
    FIN_HTTP_LOOPS: "2",
    FIN_HTTP_WORKERS: "",
    FIN_DEV_AUTH: "true",
  });
  stops.push(stop);
  const pid = serverPid(base);
  const before = silent.calls("DescribeTable");
  const reply = rawRequest(base, "GET /health/readiness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {
    timeoutMs: 15000,
  });
  // the readiness probe's DescribeTable has reached the store: the request
  // is in flight, waiting on it
  for (let i = 0; i < 500 && silent.calls("DescribeTable") === before; i++) await Bun.sleep(10);
  expect(silent.calls("DescribeTable")).toBeGreaterThan(before);
  process.kill(pid, "SIGTERM");
  const r = await reply;
  expect(r.status).toBe(503); // the store's timeout, answered, not a reset
  expect(await exited(pid, 5000)).toBe(true);
}, 60000);
