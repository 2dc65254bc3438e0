// support.ts - a raw HTTP caller for the security suites: each file starts a
// dedicated memory-mode server (startServer) and calls it without the
// contract suite's response validation, since hostile input gets answers
// the contract does not list.
export type Raw = { status: number; text: string; body: any };

/** method path on base, with an Authorization header, a JSON (or raw string) body and a key. */
export async function rawCall(base: string, method: string, path: string, auth: string, body?: unknown, k?: string): Promise<Raw> {
  const headers: Record<string, string> = { Authorization: auth };
  if (k !== undefined) headers["Idempotency-Key"] = k;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const r = await fetch(base + path, { method, headers, body: payload });
  const text = await r.text();
  return { status: r.status, text, body: text ? JSON.parse(text) : undefined };
}
