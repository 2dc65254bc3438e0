// client.ts - HTTP helpers: every response body is checked against the
// project's openapi.yaml (validate.ts) before a test sees it.
import { baseUrl } from "./server";
import { validateResponse } from "./validate";

export interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface Opts {
  auth?: string;
  key?: string; // Idempotency-Key
  headers?: Record<string, string>;
  body?: unknown; // JSON-encoded unless `raw` is given
  raw?: string;
  contentType?: string;
  skipValidation?: boolean;
}

export async function call(method: string, path: string, o: Opts = {}): Promise<Res> {
  const base = await baseUrl();
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.auth) headers["Authorization"] = o.auth;
  if (o.key !== undefined) headers["Idempotency-Key"] = o.key;
  let body: string | undefined;
  if (o.raw !== undefined) body = o.raw;
  else if (o.body !== undefined) body = JSON.stringify(o.body);
  if (body !== undefined) headers["Content-Type"] = o.contentType ?? "application/json";
  const r = await fetch(base + path, { method, headers, body });
  const text = await r.text();
  let parsed: any = undefined;
  if (text.length > 0 && (r.headers.get("content-type") ?? "").includes("json")) parsed = JSON.parse(text);
  const res = { status: r.status, headers: r.headers, body: parsed, text };
  if (!o.skipValidation) validateResponse(method, path, res);
  return res;
}

export const get = (p: string, o?: Opts) => call("GET", p, o);
export const post = (p: string, o?: Opts) => call("POST", p, o);
export const patch = (p: string, o?: Opts) => call("PATCH", p, o);
