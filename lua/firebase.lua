-- lua/firebase.lua - the Firebase wiring: Firestore and Firebase Auth.
--
-- Selected by `--wiring lua/firebase.lua`, INFRA_MODE=firebase or
-- FIRESTORE_EMULATOR_HOST (core/lua/mode.h). Same container slots as
-- lua/memory.lua; only the adapters differ.
--
-- Environment (the names the Firebase tools use):
--   FIRESTORE_EMULATOR_HOST      host:port of the Firestore emulator; unset:
--                                Google's Firestore, authenticated by the first
--                                of: FIN_FIRESTORE_TOKEN (an OAuth access
--                                token, sent as it is),
--                                GOOGLE_APPLICATION_CREDENTIALS (a
--                                service-account key: tokens minted and
--                                renewed), FIN_GOOGLE_METADATA=true or
--                                GCE_METADATA_HOST (the metadata server of
--                                Cloud Run / GCE)
--   FIREBASE_AUTH_EMULATOR_HOST  host:port of the Auth emulator: its unsigned
--                                tokens are accepted (logged at start, and a
--                                readiness warning), only when that host is
--                                loopback and Firestore is the emulator too;
--                                unset: only RS256 tokens signed by Google
--   FIN_INSECURE_AUTH_EMULATOR   "true" lifts both conditions (an emulator in
--                                another container); never in production
--   FIN_DEV_AUTH                 "true" (or "auto", as dev:aws sets it): also
--                                accept the dev tokens of memory mode ("mock.",
--                                what the earlier web frontend sends), beside
--                                the Auth emulator's tokens; only when Firestore
--                                and the Auth emulator are both on loopback
--                                (FIN_INSECURE_AUTH_EMULATOR does not lift
--                                this); logged, and readiness says so.
--                                Unset or "false": off
--   GCLOUD_PROJECT               project id (default demo-acme)
--   FIRESTORE_DATABASE           database id (default "(default)"); tests
--                                give each dedicated server its own
--   FIN_FIRESTORE_TIMEOUT_MS     per call (default 3000)
--   FIN_AUTH_STATUS_TTL_S        seconds an account's disabled status is kept
--                                (default 30; 0: asked on every request)
--   WPP_BASE_URL, WPP_SECRET_KEY, WPP_SESSION_NAME, ADMIN_PHONE_1/2,
--   WEBHOOK_SECRET, NODE_ENV     as in memory mode
--
-- Events are published in-process, as the original's Firebase modes did
-- (no Pub/Sub); the rule numbers are the defaults plus the environment
-- overrides, as in memory mode.
--
-- Runs once at start-up; no Lua runs while requests are served.

local firebase = require "fin.firebase"
local mem = require "fin.memory"
local shared = require "shared"  -- lua/shared.lua
local env = shared.env

local project = env("GCLOUD_PROJECT") or "demo-acme"

-- Unsigned emulator tokens are tokens anyone can make: a leftover
-- FIREBASE_AUTH_EMULATOR_HOST must not open a real Firestore to them.
local auth_emulator = env("FIREBASE_AUTH_EMULATOR_HOST")
local insecure_emulator = env("FIN_INSECURE_AUTH_EMULATOR") == "true"
if auth_emulator and not env("FIRESTORE_EMULATOR_HOST") and not insecure_emulator then
  error("FIREBASE_AUTH_EMULATOR_HOST is set but Firestore is not the emulator: refusing unsigned " ..
        "emulator tokens against a real Firestore (unset it, or FIN_INSECURE_AUTH_EMULATOR=true)", 0)
end

local db = firebase.firestore{
  project = project,
  database = env("FIRESTORE_DATABASE"),  -- default "(default)"
  emulator_host = env("FIRESTORE_EMULATOR_HOST"),
  token = env("FIN_FIRESTORE_TOKEN"),
  key_file = env("GOOGLE_APPLICATION_CREDENTIALS"),
  metadata_host = env("GCE_METADATA_HOST"),
  metadata = env("FIN_GOOGLE_METADATA") == "true",
  timeout_ms = tonumber(env("FIN_FIRESTORE_TIMEOUT_MS") or "3000"),
}

local auth = firebase.auth{ project = project, emulator_host = auth_emulator,
                            allow_remote_emulator = insecure_emulator,
                            -- accounts:lookup (disabled accounts) off the emulator
                            -- carries the Firestore credentials' OAuth token
                            firestore = db,
                            status_ttl_s = shared.status_ttl_s() }

-- FIN_DEV_AUTH: an explicit switch, so a value that is neither on nor off is
-- a mistake to report, not a guess. dev_auth_fallback checks the emulators
-- actually wired (db, auth) and raises unless both are loopback.
local dev_auth = env("FIN_DEV_AUTH")
if dev_auth == "true" or dev_auth == "auto" then
  auth = firebase.dev_auth_fallback{ firestore = db, auth = auth }
elseif dev_auth and dev_auth ~= "false" then
  error("FIN_DEV_AUTH must be true, auto or false (got " .. dev_auth .. ")", 0)
end

return shared.container(db, {
  mode = "firebase",

  auth      = auth,
  publisher = mem.publisher(),
  config    = mem.config(shared.default_rules()),
  clock     = mem.clock(),
  messenger = shared.messenger(),

  whatsapp = shared.whatsapp(),
})
