// indexes.test.ts - firestore.indexes.json holds every index the Firestore
// adapter's queries need on real Firestore (the emulator needs none, so
// nothing else would notice a missing one before production). A recording
// proxy between the adapter and the emulator collects every runQuery that
// the repository conformance suite and a tour of the API's list endpoints
// send; each query's index need (indexes.ts) must be met by the file.
import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "bun";
import { dev, http } from "../contract/support/direct";
import { startServer } from "../contract/support/server";
import { uid } from "../contract/support/ids";
import { lowPort } from "../contract/support/ports";
import { missing, needOf } from "./indexes";

process.env.FIN_SERVER_MODE = "firebase";
const upstream = process.env.FIRESTORE_EMULATOR_HOST ?? "127.0.0.1:8080";
const queries: any[] = [];

const proxy = Bun.serve({
  hostname: "127.0.0.1",
  port: lowPort(),
  async fetch(req) {
    const url = new URL(req.url);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
    if (url.pathname.endsWith(":runQuery") && body)
      queries.push(JSON.parse(new TextDecoder().decode(body)).structuredQuery);
    const headers = new Headers(req.headers);
    headers.delete("host");
    const r = await fetch(`http://${upstream}${url.pathname}${url.search}`, { method: req.method, headers, body });
    return new Response(await r.arrayBuffer(), { status: r.status, headers: r.headers });
  },
});
afterAll(() => proxy.stop(true));
const viaProxy = `127.0.0.1:${proxy.port}`;

describe("the index checker", () => {
  // the checker itself, on queries with a known answer
  const file = {
    indexes: [{ collectionGroup: "t", queryScope: "COLLECTION", fields: [
      { fieldPath: "type", order: "ASCENDING" }, { fieldPath: "at", order: "DESCENDING" }] }],
    fieldOverrides: [{ collectionGroup: "r", fieldPath: "status", indexes: [{ order: "ASCENDING", queryScope: "COLLECTION_GROUP" }] }],
  };
  const eq = (field: string) => ({ fieldFilter: { field: { fieldPath: field }, op: "EQUAL", value: {} } });
  const order = (field: string, direction = "ASCENDING") => ({ field: { fieldPath: field }, direction });
  const q = (from: string, group: boolean, where: any[], orderBy: any[]) => ({
    from: [{ collectionId: from, allDescendants: group }],
    ...(where.length ? { where: { compositeFilter: { op: "AND", filters: where } } } : {}),
    ...(orderBy.length ? { orderBy } : {}),
  });
  test("finds what is there and names what is not", () => {
    const ok = [
      q("t", false, [eq("type")], [order("at", "DESCENDING"), order("__name__", "DESCENDING")]),
      q("t", false, [], [order("at", "DESCENDING")]),
      q("t", false, [eq("a"), eq("b")], []),
      q("r", true, [eq("status")], []),
      q("r", true, [], []),
    ];
    for (const x of ok) expect(missing(needOf(x), file)).toBeNull();
    expect(missing(needOf(q("t", false, [eq("type")], [order("at")])), file)).toContain("no composite index (type ==, at ASCENDING)");
    expect(missing(needOf(q("t", true, [eq("type")], [order("at", "DESCENDING")])), file)).toContain("collection group t: no composite");
    expect(missing(needOf(q("r", true, [eq("kind")], [])), file)).toContain("no COLLECTION_GROUP ASCENDING single-field index on kind");
    expect(missing(needOf(q("u", false, [eq("a")], [order("b"), order("c")])), file)).toContain("collection u");
  });
});

describe("firestore.indexes.json", () => {
  test("meets the index need of every query the adapter sends", async () => {
    // every repository method, through the proxy
    const conf = spawn(["build/san/conformance", "lua/firebase.lua"], {
      env: { ...process.env, FIRESTORE_EMULATOR_HOST: viaProxy, FIRESTORE_DATABASE: `indexes-${uid("c")}`,
        ASAN_OPTIONS: "detect_leaks=0" },
      stdout: "pipe", stderr: "pipe",
    });
    const out = await new Response(conf.stdout).text();
    expect(await conf.exited, out.slice(-3000)).toBe(0);
    // and the list endpoints, as a client pages them
    const base = await startServer({ FIRESTORE_EMULATOR_HOST: viaProxy, FIN_DEV_AUTH: "true" });
    const admin = dev("admin-001", "admin");
    const eco = uid("ix");
    expect((await http(base, "POST", "/v1/users", dev(eco), {})).status).toBe(201);
    const score = await http(base, "PATCH", `/v1/admin/users/${eco}/score`, admin, { score: 720, reason: "setup" }, uid("k"));
    expect(score.status).toBe(200);
    const req = await http(base, "POST", "/v1/cards/requests", dev(eco), { productId: "prod-standard" }, uid("k"));
    expect(req.status).toBe(201);
    const card = req.body.request.card.cardId as string;
    for (let i = 0; i < 3; i++) {
      const buy = await http(base, "POST", `/v1/cards/${card}/transactions/purchases`, dev(eco),
        { amount: 10, merchant: "m", category: "food" }, uid("k"));
      expect(buy.status).toBe(201);
    }
    const page = await http(base, "GET", `/v1/cards/${card}/transactions?limit=1`, dev(eco));
    expect(page.status).toBe(200);
    const cursor = page.body.pagination?.nextCursor;
    expect(typeof cursor).toBe("string");
    for (const query of [`limit=1&cursor=${encodeURIComponent(cursor)}`, "type=purchase&limit=1", `type=purchase&limit=1&cursor=${encodeURIComponent(cursor)}`])
      expect((await http(base, "GET", `/v1/cards/${card}/transactions?${query}`, dev(eco))).status).toBe(200);
    for (const status of ["pending", "approved", "rejected"])
      for (const sort of ["newest", "oldest"])
        expect((await http(base, "GET", `/v1/admin/card-requests?status=${status}&sort=${sort}&limit=1`, admin)).status).toBe(200);
    expect((await http(base, "GET", "/v1/dashboard", dev(eco))).status).toBe(200);
    expect((await http(base, "GET", `/v1/admin/users/${eco}/score`, admin)).status).toBe(200);

    const needs = queries.map(needOf);
    const file = JSON.parse(await Bun.file("firestore.indexes.json").text());
    const problems = [...new Set(needs.map((n) => missing(n, file)).filter((m) => m != null))];
    expect(problems).toEqual([]);
    // the tour reached the queries that need an index of the file
    expect(queries.length).toBeGreaterThan(50);
    const kinds = new Set(needs.map((n) => `${n.kind} ${n.scope} ${n.collection}`));
    expect(kinds).toContain("composite COLLECTION transactions");
    expect(kinds).toContain("composite COLLECTION outbox");
    expect(kinds).toContain("single COLLECTION_GROUP cardRequests");
  }, 120000);
});
