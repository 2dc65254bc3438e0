// loop_stalls.test.ts - in AWS mode requests run on fibers of a few loop
// threads (docs/aws.md, "Request threads"): whatever one request waits for
// must park only its own fiber. Here the first readiness check waits on a
// DynamoDB that accepts connections and never answers; the liveness
// requests that land on the same loop thread meanwhile (each loop accepts
// and answers its own connections) must be answered before it, not after.
import { afterEach, expect, test } from "bun:test";
import net from "node:net";
import { launchServer } from "../contract/support/server";

process.env.FIN_SERVER_MODE = "aws";

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<number> {
  const held: net.Socket[] = [];
  const server = net.createServer((s) => {
    held.push(s);
    s.on("error", () => {});
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  stops.push(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** One GET on a connection of its own; resolves with the status line. */
function get(port: number, path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const s = net.connect(port, "127.0.0.1", () =>
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    let got = "";
    s.on("data", (d) => (got += d.toString("latin1")));
    s.on("end", () => ok(got.split("\r\n")[0]));
    s.on("error", fail);
  });
}

test("the first readiness check waits on its fiber, not on its loop thread", async () => {
  const silent = await silentServer();
  const { base } = await launchServer({
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${silent}`,
    FIN_AWS_TIMEOUT_MS: "3000",
    FIN_HTTP_LOOPS: "1", // one loop: every request below shares the readiness one's thread
    FIN_HTTP_WORKERS: "", // unset: the loops
    FIN_DEV_AUTH: "true",
  });
  const port = Number(new URL(base).port);
  const order: string[] = [];
  const ready = get(port, "/health/readiness").then((line) => order.push(`readiness ${line}`));
  const lives = [1, 2, 3, 4].map(() => get(port, "/health/liveness").then((line) => order.push(`liveness ${line}`)));
  await Promise.all([ready, ...lives]);
  expect(order.slice(0, 4)).toEqual(Array(4).fill("liveness HTTP/1.1 200 OK"));
  expect(order[4]).toBe("readiness HTTP/1.1 503 Service Unavailable");
}, 60000);
