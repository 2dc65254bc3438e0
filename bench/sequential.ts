// sequential.ts - requests one after another on one keep-alive connection,
// for bench/instructions.sh (a count, not a rate, is what it needs).
//   bun bench/sequential.ts BASE setup FILE      a user with a card -> FILE (JSON)
//   bun bench/sequential.ts BASE liveness N FILE
//   bun bench/sequential.ts BASE dashboard N FILE
//   bun bench/sequential.ts BASE purchase N FILE
// Exits non-zero at the first answer that is not 2xx.
const [base, kind, a, b] = process.argv.slice(2);

function token(eco: string) {
  return "Bearer mock." + Buffer.from(JSON.stringify({ ecosystemId: eco, role: "user" })).toString("base64") + ".sig";
}

async function must(r: Response, what: string) {
  if (r.status < 200 || r.status > 299) throw new Error(`${what}: HTTP ${r.status} ${await r.text()}`);
  return r.json() as any;
}

if (kind === "setup") {
  const eco = `insn-${Math.random().toString(36).slice(2, 10)}`;
  const auth = token(eco);
  await must(await fetch(`${base}/v1/users`, { method: "POST", headers: { Authorization: auth } }), "register");
  const body = await must(
    await fetch(`${base}/v1/cards/requests`, {
      method: "POST",
      headers: { Authorization: auth, "Idempotency-Key": `card-${eco}`, "Content-Type": "application/json" },
      body: JSON.stringify({ productId: "bench" }),
    }),
    "card request",
  );
  const card = body?.request?.card?.cardId;
  if (!card) throw new Error("card request: no card in the answer");
  await Bun.write(a, JSON.stringify({ auth, card }));
} else {
  const n = Number(a);
  const { auth, card } = JSON.parse(await Bun.file(b).text());
  const run = Math.random().toString(36).slice(2, 10);
  for (let i = 0; i < n; i++) {
    const r =
      kind === "liveness"
        ? await fetch(`${base}/health/liveness`)
        : kind === "dashboard"
        ? await fetch(`${base}/v1/dashboard`, { headers: { Authorization: auth } })
        : await fetch(`${base}/v1/cards/${card}/transactions/purchases`, {
            method: "POST",
            headers: { Authorization: auth, "Content-Type": "application/json", "Idempotency-Key": `i-${run}-${i}` },
            body: '{"amount":0.01,"merchant":"bench"}',
          });
    await must(r, `${kind} ${i}`);
  }
}
