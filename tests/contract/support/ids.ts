// ids.ts - unique names, so suites can share one server in any mode.
let n = 0;
const run = Math.random().toString(36).slice(2, 8);
export function uid(prefix = "u"): string {
  n += 1;
  return `${prefix}-${run}-${n}`;
}
export function key(): string {
  return uid("k");
}
