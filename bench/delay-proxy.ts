// delay-proxy.ts - a TCP proxy that holds every chunk a client sends for a
// fixed delay before passing it on, so each request to the store arrives
// DELAY ms late: a DynamoDB Local on loopback then answers like a remote
// DynamoDB. Answers come back undelayed. Chunks of one connection keep their
// order (one queue per connection, released in arrival order).
//   bun bench/delay-proxy.ts LISTEN_PORT UPSTREAM_PORT DELAY_MS
// Prints "ready" once listening. Loopback only.
import type { Socket } from "bun";

const [listenArg, upArg, delayArg] = process.argv.slice(2);
const listenPort = Number(listenArg);
const upPort = Number(upArg);
const delay = Number(delayArg);
if (!listenPort || !upPort || !(delay >= 0)) {
  console.error("usage: bun bench/delay-proxy.ts LISTEN_PORT UPSTREAM_PORT DELAY_MS");
  process.exit(2);
}

// What one side still has to write (the kernel took only part of it).
type Pipe = { peer: Socket<Pipe> | null; backlog: Uint8Array[]; closed: boolean; queue: Held[] };
type Held = { due: number; data: Uint8Array };

function send(to: Socket<Pipe> | null, state: Pipe, data: Uint8Array) {
  if (to === null || state.closed) return;
  if (state.backlog.length > 0) {
    state.backlog.push(data);
    return;
  }
  const n = to.write(data);
  if (n < data.length) state.backlog.push(data.subarray(n));
}

function flush(to: Socket<Pipe>, state: Pipe) {
  while (state.backlog.length > 0) {
    const d = state.backlog[0];
    const n = to.write(d);
    if (n < d.length) {
      state.backlog[0] = d.subarray(n);
      return;
    }
    state.backlog.shift();
  }
}

// The client side's state carries the upstream socket and the held chunks;
// the upstream side's state carries the client socket.
function release(client: Socket<Pipe>) {
  const st = client.data;
  const now = performance.now();
  while (st.queue.length > 0 && st.queue[0].due <= now + 0.2) {
    const h = st.queue.shift()!;
    send(st.peer, upstreamState(st.peer), h.data);
  }
  if (st.queue.length > 0) setTimeout(() => release(client), st.queue[0].due - now);
}

function upstreamState(s: Socket<Pipe> | null): Pipe {
  return s ? s.data : { peer: null, backlog: [], closed: true, queue: [] };
}

Bun.listen<Pipe>({
  hostname: "127.0.0.1",
  port: listenPort,
  socket: {
    async open(client) {
      client.data = { peer: null, backlog: [], closed: false, queue: [] };
      client.pause?.();
      try {
        const up = await Bun.connect<Pipe>({
          hostname: "127.0.0.1",
          port: upPort,
          data: { peer: client, backlog: [], closed: false, queue: [] },
          socket: {
            data(u, chunk) {
              send(client, client.data, new Uint8Array(chunk));
            },
            drain(u) {
              flush(u, u.data);
            },
            close(u) {
              u.data.closed = true;
              client.end();
            },
            error() {},
          },
        });
        up.setNoDelay?.(true);
        client.data.peer = up;
        client.resume?.();
        release(client);
      } catch {
        client.end();
      }
    },
    data(client, chunk) {
      const st = client.data;
      const first = st.queue.length === 0;
      st.queue.push({ due: performance.now() + delay, data: new Uint8Array(chunk) });
      if (first && st.peer) setTimeout(() => release(client), delay);
    },
    drain(client) {
      flush(client, client.data);
    },
    close(client) {
      client.data.closed = true;
      client.data.peer?.end();
    },
    error() {},
  },
});
console.log("ready");
