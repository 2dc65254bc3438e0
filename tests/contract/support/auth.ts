// auth.ts - bearer tokens for the mode under test, so the test files never
// change between modes (FIN_TOKEN_MODE):
//   dev      (default) the mock format of behaviour.md §3.2: memory mode, and
//            the AWS dev-token fallback
//   cognito  RS256 ID tokens signed with the emulator pool's key (moto
//            signs every pool's tokens with one published key): the server
//            verifies them against the pool's JWKS like real Cognito tokens.
//            Needs FIN_COGNITO_JWK (file with the private JWK: n, e, d, kid),
//            FIN_COGNITO_POOL, FIN_COGNITO_CLIENT, AWS_REGION.
//   firebase-emulator  ID tokens of the Auth emulator (unsigned, alg
//            "none", custom claims at the top level) for GCLOUD_PROJECT:
//            with FIREBASE_AUTH_EMULATOR_HOST set, real ones (the user is
//            signed in there with a custom token carrying role and
//            ecosystemId, and given the email dev tokens imply,
//            <id>@test.local unless extra.email); else minted in the same
//            format. The server accepts them only when it runs with the
//            emulator.
import { createHash } from "crypto";
import { readFileSync } from "fs";

export function tok(ecosystemId: string, role = "user", extra: Record<string, unknown> = {}): string {
  const mode = process.env.FIN_TOKEN_MODE ?? "dev";
  if (mode === "cognito") return `Bearer ${cognitoToken(ecosystemId, role, extra)}`;
  if (mode === "firebase-emulator") {
    const host = process.env.FIREBASE_AUTH_EMULATOR_HOST;
    const t = host ? emulatorIdToken(host, ecosystemId, role, extra) : firebaseEmulatorToken(ecosystemId, role, extra);
    return `Bearer ${t}`;
  }
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

// Real tokens from the Auth emulator. tok() is synchronous (the test files
// build headers inline), so the three REST calls run through curl; tokens
// are cached per identity for their hour of validity.
const emulatorTokens = new Map<string, string>();

export function emulatorCall(url: string, body: unknown, admin = false): any {
  const args = ["curl", "-s", "-m", "10", "-X", "POST", url, "-H", "Content-Type: application/json", "-d", JSON.stringify(body)];
  if (admin) args.push("-H", "Authorization: Bearer owner");
  const r = Bun.spawnSync(args);
  const out = JSON.parse(r.stdout.toString() || "{}");
  if (r.exitCode !== 0 || out.error) throw new Error(`auth emulator ${url}: ${r.stdout.toString() || r.exitCode}`);
  return out;
}

export function emulatorIdToken(host: string, uid: string, role: string, extra: Record<string, unknown> = {}): string {
  const cacheKey = JSON.stringify([uid, role, extra]);
  const cached = emulatorTokens.get(cacheKey);
  if (cached) return cached;
  const project = process.env.GCLOUD_PROJECT ?? "demo-acme";
  const base = `http://${host}/identitytoolkit.googleapis.com/v1`;
  const { email = `${uid}@test.local`, ...claims } = extra as { email?: string };
  const enc = (o: unknown) => b64url(Buffer.from(JSON.stringify(o)));
  const custom = `${enc({ alg: "none", typ: "JWT" })}.${enc({
    uid,
    claims: { role, ecosystemId: uid, ...claims },
    aud: "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit",
  })}.`;
  const signIn = () => emulatorCall(`${base}/accounts:signInWithCustomToken?key=any`, { token: custom, returnSecureToken: true });
  signIn();
  emulatorCall(`${base}/projects/${project}/accounts:update`, { localId: uid, email }, true);
  const t: string = signIn().idToken;
  emulatorTokens.set(cacheKey, t);
  return t;
}
