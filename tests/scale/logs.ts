// logs.ts - the two servers' logs of a scale run (SCALE_LOGS, "log1:log2",
// set by scripts/test-scale.sh): one JSON object per line.
import { readFileSync } from "node:fs";

export const logs = (process.env.SCALE_LOGS ?? "").split(":").filter(Boolean);

/** The lines of one server's log whose event is `name`, parsed. */
export function lines(file: string, name: string): any[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes(`"event":"${name}"`))
    .map((l) => JSON.parse(l));
}
