#!/usr/bin/env bash
# Prints a port below the ephemeral range (32768-60999) that nothing listens
# on now: outgoing connections never take those, so it stays free for an
# emulator that cannot listen on port 0 and report its port (DynamoDB Local,
# the Firestore emulator). Another listener may still take it first: callers
# retry with another port when the emulator fails to start.
exec python3 - <<'PY'
import random, socket
for port in random.sample(range(20000, 32768), 200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("low-port: no free port in 20000-32767 after 200 tries")
PY
