// ports.ts - ports for emulators the tests start themselves.
//
// A server of ours binds port 0 and reports the port it got (server.ts). An
// emulator that cannot do that gets a port below Linux's ephemeral range
// (32768-60999): the kernel never hands those to outgoing connections, so a
// port that was free when chosen stays free for a listener (a port from the
// ephemeral range, closed and handed on, can be taken in between by any
// outgoing connection, and is after a restart on the same port).
const LOW = 20000;
const HIGH = 32767;
const handedOut = new Set<number>();

function bindable(port: number): boolean {
  try {
    const s = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.stop(true);
    return true;
  } catch {
    return false;
  }
}

/** A port below the ephemeral range that nothing listens on now. */
export function lowPort(): number {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (handedOut.has(port) || !bindable(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${LOW}-${HIGH} after 200 tries`);
}
