// coverage.test.ts - every scenario of baseline §13 (S1-S108) has at least
// one test named after it ("S<n> ..." with a non-digit after the number).
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "fs";

test("every scenario S1-S108 has a test", () => {
  const dir = new URL(".", import.meta.url).pathname;
  const names = new Set<number>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".test.ts") && f !== "coverage.test.ts")) {
    const text = readFileSync(dir + f, "utf8");
    for (const m of text.matchAll(/\btest\(\s*[`"']S(\d+)(?!\d)/g)) names.add(Number(m[1]));
  }
  const missing = [];
  for (let n = 1; n <= 108; n++) if (!names.has(n)) missing.push(n);
  expect(missing).toEqual([]);
});
