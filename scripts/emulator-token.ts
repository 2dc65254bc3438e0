// An ID token from the Firebase Auth emulator for curl and scripts:
//   bun run --silent token:emulator <ecosystemId> [user|admin] [email]
// The user is signed in with a custom token carrying the role and
// ecosystemId claims (created on first use) and given the email.
import { emulatorIdToken } from "../tests/contract/support/auth";

const [eco, role = "user", email] = process.argv.slice(2);
if (!eco) {
  console.error("usage: bun run token:emulator <ecosystemId> [user|admin] [email]");
  process.exit(2);
}
const host = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? "127.0.0.1:9099";
process.env.GCLOUD_PROJECT ??= "demo-acme";
console.log(emulatorIdToken(host, eco, role, email ? { email } : {}));
