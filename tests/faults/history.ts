// history.ts - for a failure report: what the workload did to the
// violation's user before the request at fault, and what the store holds of
// that user's card requests. A refusal that follows an earlier request of
// the same user (one whose answer never came, say) is read from these.
import type { StoreView, Violation } from "./invariants";
import type { Workload } from "./workload";

export function history(w: Workload, view: StoreView, v: Violation): string[] {
  if (!v.op) return [];
  const iso = (t?: number) => (t ? new Date(t).toISOString().slice(11, 23) : "-");
  const mine = w.ops.filter((o) => o.user === v.op!.user && o !== v.op && (o.t0 ?? 0) <= (v.op!.t0 ?? 0));
  const ops = mine.slice(-6).map((o) => {
    const tries = o.attempts.map((a) => `${a.status}${a.code ? ` ${a.code}` : ""}`).join(",");
    return `      before: ${o.kind} key=${o.key ?? "-"} ${iso(o.t0)}..${iso(o.t1)} final=${o.final} [${tries}]`;
  });
  const reqs = view.requests
    .filter((r) => r.ecosystemId === v.op!.user || String(r._path ?? "").includes(`users/${v.op!.user}/`))
    .map((r) => `      stored request ${r.requestId} key=${r.idempotencyKey} status=${r.status} created=${r.createdAt}`);
  return [...ops, ...reqs];
}

