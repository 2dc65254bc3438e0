// auth.ts - bearer tokens for the mode under test, so the test files never
// change between modes (FIN_TOKEN_MODE):
//   dev      (default) the mock format of baseline §3.2: memory mode, and
//            the AWS dev-token fallback
//   cognito  RS256 ID tokens signed with the emulator pool's key (moto
//            signs every pool's tokens with one published key): the server
//            verifies them against the pool's JWKS like real Cognito tokens.
//            Needs FIN_COGNITO_JWK (file with the private JWK: n, e, d, kid),
//            FIN_COGNITO_POOL, FIN_COGNITO_CLIENT, AWS_REGION.
//   firebase-emulator  the Auth emulator's token format (unsigned, alg
//            "none", custom claims at the top level) for GCLOUD_PROJECT;
//            the server accepts it only when it runs with the emulator.
import { createHash } from "crypto";
import { readFileSync } from "fs";

export function tok(ecosystemId: string, role = "user", extra: Record<string, unknown> = {}): string {
  const mode = process.env.FIN_TOKEN_MODE ?? "dev";
  if (mode === "cognito") return `Bearer ${cognitoToken(ecosystemId, role, extra)}`;
  if (mode === "firebase-emulator") return `Bearer ${firebaseEmulatorToken(ecosystemId, role, extra)}`;
  if (mode !== "dev") throw new Error(`token mode ${mode} is not implemented`);
  const payload = Buffer.from(JSON.stringify({ ecosystemId, role, ...extra })).toString("base64");
  return `Bearer mock.${payload}.sig`;
}

export const ADMIN = () => tok("admin-001", "admin");

// ---- cognito ----
const b64url = (b: Buffer) => b.toString("base64url");
const big = (s: string) => BigInt("0x" + Buffer.from(s, "base64url").toString("hex"));

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

let key: { n: bigint; d: bigint; kid: string; bytes: number } | undefined;
function signingKey() {
  if (key) return key;
  const jwk = JSON.parse(readFileSync(process.env.FIN_COGNITO_JWK!, "utf8"));
  const k = jwk.keys ? jwk.keys[0] : jwk;
  const n = big(k.n);
  key = { n, d: big(k.d), kid: k.kid, bytes: Buffer.from(k.n, "base64url").length };
  return key;
}

// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2): the published key has no
// CRT parameters, which node's JWK import wants, so the math is done here.
function rs256(input: string): string {
  const k = signingKey();
  const digestInfo = Buffer.concat([
    Buffer.from("3031300d060960864801650304020105000420", "hex"),
    createHash("sha256").update(input).digest(),
  ]);
  const pad = Buffer.alloc(k.bytes - digestInfo.length - 3, 0xff);
  const em = Buffer.concat([Buffer.from([0, 1]), pad, Buffer.from([0]), digestInfo]);
  const s = modPow(BigInt("0x" + em.toString("hex")), k.d, k.n).toString(16).padStart(k.bytes * 2, "0");
  return b64url(Buffer.from(s, "hex"));
}

export function cognitoToken(ecosystemId: string, role: string, extra: Record<string, unknown> = {}): string {
  const pool = process.env.FIN_COGNITO_POOL!;
  const region = process.env.AWS_REGION ?? "us-east-1";
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "RS256", kid: signingKey().kid, typ: "JWT" };
  const { email, ...rest } = extra as { email?: string };
  const payload: Record<string, unknown> = {
    sub: ecosystemId,
    "cognito:username": ecosystemId,
    iss: `https://cognito-idp.${region}.amazonaws.com/${pool}`,
    aud: process.env.FIN_COGNITO_CLIENT,
    token_use: "id",
    auth_time: now,
    iat: now,
    exp: now + 3600,
    "custom:ecosystemId": ecosystemId,
    "custom:role": role,
    ...(email ? { email } : {}),
    ...rest,
  };
  const input = `${b64url(Buffer.from(JSON.stringify(header)))}.${b64url(Buffer.from(JSON.stringify(payload)))}`;
  return `${input}.${rs256(input)}`;
}

// ---- Firebase Auth emulator ----
export function firebaseEmulatorToken(uid: string, role: string, extra: Record<string, unknown> = {}): string {
  const project = process.env.GCLOUD_PROJECT ?? "demo-acme";
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://securetoken.google.com/${project}`,
    aud: project,
    auth_time: now,
    user_id: uid,
    sub: uid,
    iat: now,
    exp: now + 3600,
    firebase: { identities: {}, sign_in_provider: "custom" },
    role,
    ecosystemId: uid,
    ...extra,
  };
  const enc = (o: unknown) => b64url(Buffer.from(JSON.stringify(o)));
  return `${enc({ alg: "none", typ: "JWT" })}.${enc(payload)}.`;
}
