import { expect, test } from "bun:test";
import { get } from "./support/client";

test("S1 liveness answers ok with a timestamp", async () => {
  const r = await get("/health/liveness");
  expect(r.status).toBe(200);
  expect(r.body.status).toBe("ok");
  expect(r.body.timestamp).toContain("T");
  expect(r.headers.get("content-type")).toContain("application/json");
});
