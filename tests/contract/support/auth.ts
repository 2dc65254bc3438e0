// auth.ts - bearer tokens for the mode under test. Memory mode uses the dev
// token format of the original (baseline §3.2); other modes plug in here
// (FIN_TOKEN_MODE) so the test files never change.
export function tok(ecosystemId: string, role = "user", extra: Record<string, unknown> = {}): string {
  const mode = process.env.FIN_TOKEN_MODE ?? "dev";
  if (mode !== "dev") throw new Error(`token mode ${mode} is not implemented yet`);
  const payload = Buffer.from(JSON.stringify({ ecosystemId, role, ...extra })).toString("base64");
  return `Bearer mock.${payload}.sig`;
}

export const ADMIN = () => tok("admin-001", "admin");
