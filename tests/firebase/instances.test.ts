// instances.test.ts - two Firebase-mode servers on the same database agree
// (tests/contract/support/two_instances.ts).
import { test } from "bun:test";
import { uid } from "../contract/support/ids";
import { startServer } from "../contract/support/server";
import { cleanupTokenAcrossInstances } from "../contract/support/two_instances";

process.env.FIN_SERVER_MODE = "firebase";

test("a cleanup token issued by one instance is taken by the other, once", async () => {
  const env = { FIRESTORE_DATABASE: uid("two").toLowerCase().replace(/[^a-z0-9-]/g, "-"), FIN_DEV_AUTH: "true" };
  const [a, b] = await Promise.all([startServer(env, true), startServer(env, true)]);
  await cleanupTokenAcrossInstances(a, b);
}, 60000);
