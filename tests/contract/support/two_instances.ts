// two_instances.ts - what two instances of the server on one store must
// agree on (docs/deploy.md), checked by the mode suites that have a shared
// store (tests/aws/instances.test.ts, tests/firebase/instances.test.ts):
// nothing a request needs may live only in the memory of the instance that
// served the previous one.
import { expect } from "bun:test";
import { dev, http } from "./direct";

const ADMIN = dev("admin-001", "admin");
const cleanup = (base: string, token?: string) =>
  http(base, "POST", "/v1/admin/cleanup", ADMIN, token === undefined ? {} : { confirmationToken: token });

/** A cleanup confirmation token issued by one instance is taken by the other, once. */
export async function cleanupTokenAcrossInstances(a: string, b: string) {
  const issued = await cleanup(a);
  expect(issued.status).toBe(400);
  const token = issued.body.confirmationToken as string;
  const other = await http(b, "POST", "/v1/admin/cleanup", dev("admin-002", "admin"), { confirmationToken: token });
  expect([other.status, other.body.error.message]).toEqual([400, "Confirmation token was issued to a different admin"]);
  const done = await cleanup(b, token);
  expect([done.status, done.body.status]).toEqual([200, "completed"]);
  // single use, on either instance
  for (const base of [a, b]) {
    const again = await cleanup(base, token);
    expect([again.status, again.body.error.message]).toEqual([400, "Invalid confirmation token"]);
  }
}
