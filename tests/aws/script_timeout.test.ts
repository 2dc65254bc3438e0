// Scripts (provision, lua/examples) call AWS through fin.aws.call. They wait
// as long as FIN_AWS_TIMEOUT_MS says, like the server: on a loaded emulator
// provision used to give up after the client's fixed 5 s default.
import { expect, test } from "bun:test";
import { spawn } from "bun";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = process.env.FIN_BIN ?? "build/financial-api";

/** Runs a script that makes one SSM call to a server that never answers. */
async function callSilentEndpoint(env: Record<string, string>) {
  const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const dir = mkdtempSync(join(tmpdir(), "fin-timeout-"));
  const script = join(dir, "call.lua");
  writeFileSync(script, `local aws = require "fin.aws"
local r, code, msg = aws.call("ssm", "GetParameter", { Name = "/x" })
print(tostring(code) .. " " .. tostring(msg))`);
  const started = Date.now();
  const p = spawn([bin, "run", script], {
    env: { ...process.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${silent.port}`, AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", ...env },
    stdout: "pipe", stderr: "pipe",
  });
  const out = await new Response(p.stdout).text();
  await p.exited;
  silent.stop(true);
  return { out, ms: Date.now() - started };
}

test("fin.aws.call waits FIN_AWS_TIMEOUT_MS, not the client's 5 s default", async () => {
  const { out, ms } = await callSilentEndpoint({ FIN_AWS_TIMEOUT_MS: "300" });
  expect(out).toContain("no answer within 300 ms");
  expect(ms).toBeLessThan(4000); // the 5 s default would take longer
}, 20000);
