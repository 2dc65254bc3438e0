// instances.test.ts - two AWS-mode servers on the same tables agree
// (tests/contract/support/two_instances.ts).
import { expect, test } from "bun:test";
import { outcome, runBin } from "../contract/support/direct";
import { uid } from "../contract/support/ids";
import { startServer } from "../contract/support/server";
import { cleanupTokenAcrossInstances } from "../contract/support/two_instances";

process.env.FIN_SERVER_MODE = "aws";

async function twoServers() {
  const prefix = `${uid("two").toLowerCase().replace(/[^a-z0-9-]/g, "-")}-`;
  const p = await runBin(["provision", "localstack/manifest.json", "--tables-only", "--prefix", prefix]);
  expect(outcome(p)).toStartWith("exit 0\n");
  const env = { FIN_TABLE_PREFIX: prefix, FIN_DEV_AUTH: "true" };
  return Promise.all([startServer(env, true), startServer(env, true)]);
}

test("a cleanup token issued by one instance is taken by the other, once", async () => {
  const [a, b] = await twoServers();
  await cleanupTokenAcrossInstances(a, b);
}, 60000);
