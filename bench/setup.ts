// setup.ts - creates N users with a card each and writes their tokens and
// card ids for the wrk scripts. Usage: bun bench/setup.ts BASE_URL N OUT
const [base, nArg, out] = process.argv.slice(2);
const n = Number(nArg);
const run = Math.random().toString(36).slice(2, 8);
const lines: string[] = [];
for (let i = 0; i < n; i++) {
  const id = `bench-${run}-${i}`;
  const auth = "Bearer mock." + Buffer.from(JSON.stringify({ ecosystemId: id, role: "user" })).toString("base64") + ".sig";
  let r = await fetch(`${base}/v1/users`, { method: "POST", headers: { Authorization: auth } });
  if (r.status !== 201) throw new Error(`register ${id}: ${r.status}`);
  r = await fetch(`${base}/v1/cards/requests`, {
    method: "POST",
    headers: { Authorization: auth, "Idempotency-Key": `card-${id}`, "Content-Type": "application/json" },
    body: JSON.stringify({ productId: "bench" }),
  });
  const body: any = await r.json();
  const card = body?.request?.card?.cardId;
  if (r.status !== 201 || !card) throw new Error(`card for ${id}: ${r.status}`);
  lines.push(`{auth=${JSON.stringify(auth)}, card=${JSON.stringify(card)}}`);
}
await Bun.write(out, `return {\n${lines.join(",\n")}\n}\n`);
