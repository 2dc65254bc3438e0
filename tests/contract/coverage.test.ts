// coverage.test.ts - every scenario of behaviour.md §13 (S1-S108) has at least
// one test named after it: a test(...) whose name starts with "S<n>" followed
// by a non-digit ("S57 ...", "S57a ...", "S57: ..."). Reads the sources of
// every tests/contract/*.test.ts file; fails while a suite is missing.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "fs";

const dir = new URL(".", import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".test.ts") && f !== "coverage.test.ts")
  .sort();
const sources = files.map((f) => ({ file: f, text: readFileSync(dir + f, "utf8") }));

// Only a direct test( call whose literal name (quotes or backticks) starts
// with the number counts; describe() names do not.
const NAME = /\btest\(\s*["'`]S(\d+)(?=[^\d])/g;

test("coverage: every scenario S1-S108 has a test", () => {
  const found = new Map<number, string[]>();
  for (const { file, text } of sources) {
    for (const m of text.matchAll(NAME)) {
      const n = Number(m[1]);
      found.set(n, [...(found.get(n) ?? []), file]);
    }
  }
  const missing: number[] = [];
  for (let n = 1; n <= 108; n++) if (!found.has(n)) missing.push(n);
  expect(missing).toEqual([]);
  // no scenario numbers outside the list (a typo such as S1080)
  expect([...found.keys()].filter((n) => n < 1 || n > 108)).toEqual([]);
});

test("coverage: no test is skipped, todo or focused", () => {
  const offending = sources
    .filter(({ text }) => /\b(test|it|describe)\.(skip|todo|only|skipIf|if|todoIf)\b/.test(text))
    .map(({ file }) => file);
  expect(offending).toEqual([]);
});
