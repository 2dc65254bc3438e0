// validate.ts - every response body against openapi.yaml: the status must be
// documented for the matched path and method, and a JSON body must match the
// documented schema (ajv, strict about required keys and types).
import Ajv from "ajv";
import { readFileSync } from "fs";
import { parse } from "yaml";

// FIN_SKIP_OPENAPI=1 only while openapi.yaml is being written; CI never sets it.
const skip = process.env.FIN_SKIP_OPENAPI === "1";
const spec: any = skip
  ? { paths: {} }
  : parse(readFileSync(new URL("../../../openapi.yaml", import.meta.url), "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true, nullable: true } as any);
ajv.addSchema({ $id: "openapi.json", components: spec.components ?? {} });

type Route = { re: RegExp; path: string };
const routes: Route[] = Object.keys(spec.paths).map((p) => ({
  path: p,
  re: new RegExp("^" + p.replace(/\{[^}]+\}/g, "[^/]+") + "/?$", "i"),
}));

function rewriteRefs(s: any): any {
  if (Array.isArray(s)) return s.map(rewriteRefs);
  if (s && typeof s === "object") {
    const out: any = {};
    for (const [k, v] of Object.entries(s)) {
      out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? "openapi.json" + v : rewriteRefs(v);
    }
    return out;
  }
  return s;
}

const cache = new Map<string, any>();

// Routes the document does not list still answer with the error envelope
// (404 Route not found, or 401/403 from the middleware that runs first).
let envelope: any;
function checkEnvelope(id: string, res: { body: any; text: string }) {
  envelope ??= ajv.compile({ $ref: "openapi.json#/components/schemas/ErrorEnvelope" });
  if (!envelope(res.body))
    throw new Error(`openapi: ${id} error body does not match: ${ajv.errorsText(envelope.errors)}\n${res.text.slice(0, 500)}`);
}

export function validateResponse(method: string, url: string, res: { status: number; body: any; text: string }) {
  if (skip) return;
  const path = url.split("?")[0];
  const m = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
  const route = routes.find((r) => r.re.test(path));
  if (!route) {
    if (res.status === 404 || res.status === 401 || res.status === 403)
      return checkEnvelope(`${method} ${path} ${res.status}`, res); // unmatched routes
    throw new Error(`openapi: no path documents ${method} ${path} (status ${res.status})`);
  }
  if (m === "options" || res.status === 304) return;
  const op = spec.paths[route.path][m];
  if (!op) {
    if (res.status === 404 || res.status === 401 || res.status === 403)
      return checkEnvelope(`${method} ${route.path} ${res.status}`, res);
    throw new Error(`openapi: ${method} ${route.path} is not documented`);
  }
  const doc = op.responses[String(res.status)] ?? op.responses.default;
  if (!doc) throw new Error(`openapi: status ${res.status} is not documented for ${method} ${route.path}`);
  const content = doc.content?.["application/json"];
  if (!content || res.body === undefined) return;
  const id = `${m} ${route.path} ${res.status}`;
  let fn = cache.get(id);
  if (!fn) {
    fn = ajv.compile(rewriteRefs(content.schema));
    cache.set(id, fn);
  }
  if (!fn(res.body))
    throw new Error(`openapi: ${id} body does not match: ${ajv.errorsText(fn.errors)}\n${res.text.slice(0, 500)}`);
}
