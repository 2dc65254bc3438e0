/* main.c - the financial-api command line.
 *
 *   financial-api serve [--wiring FILE] [--port N] [--bind ADDR] [--port-file F]
 *   financial-api run SCRIPT.lua [args...]
 *   financial-api check-wiring FILE
 *   financial-api provision [MANIFEST] [--check]
 *   financial-api version
 *   financial-api --help
 *
 * Exit status: 0 ok, 1 runtime failure, 2 usage or wiring error (with one
 * line on stderr).
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <lua.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth_guard.h"
#include "app/container.h"
#include "app/outbox_worker.h"
#include "app/routes.h"
#include "app/seed.h"
#include "http/server.h"
#include "lua/host.h"
#include "lua/mode.h"
#include "lua/version.h"
#include "util/allocator.h"
#include "util/log.h"

#define EXIT_USAGE 2

static const char USAGE[] =
    "usage: financial-api <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [--wiring FILE] [--port N] [--bind ADDR] [--port-file F]\n"
    "        serve the HTTP API. The wiring file comes from --wiring, else\n"
    "        FIN_WIRING, else the mode: INFRA_MODE=memory|aws|firebase,\n"
    "        USE_INMEMORY=true, USE_AWS=true or AWS_ENDPOINT_URL,\n"
    "        FIRESTORE_EMULATOR_HOST, else memory (lua/<mode>.lua).\n"
    "        Port: --port, else PORT, else 3000; 0 = any free port, written\n"
    "        to F once listening. Bind: --bind, else 0.0.0.0 (127.0.0.1 when\n"
    "        the auth accepts unsigned tokens: dev or emulator tokens are\n"
    "        served off loopback only with FIN_INSECURE_DEV_TOKENS=true).\n"
    "  run SCRIPT.lua [args...]\n"
    "        run a Lua script with the fin modules (arg table like lua).\n"
    "  check-wiring FILE\n"
    "        load FILE and check its container; exit 0, or 2 with one line.\n"
    "  provision [MANIFEST] [--check]\n"
    "        create the AWS resources of MANIFEST (localstack/manifest.json)\n"
    "        that are missing, at AWS_ENDPOINT_URL; --check only compares.\n"
    "  version\n"
    "        print the version.\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "financial-api: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(see financial-api --help)\n");
  va_end(ap);
  return EXIT_USAGE;
}

/* 0..65535 (0: the OS picks) or -1. */
static int parse_port(const char *s) {
  if (s == NULL || *s == '\0') return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0 || v > 65535) return -1;
  return (int)v;
}

static void stop_worker(void *arg) {
  (void)arg;
  fin_outbox_worker_stop();
}

static int cmd_serve(int argc, char **argv) {
  const char *wiring = NULL, *port_arg = NULL, *bind_addr = NULL, *port_file = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char **dst = strcmp(a, "--wiring") == 0      ? &wiring
                       : strcmp(a, "--port") == 0      ? &port_arg
                       : strcmp(a, "--bind") == 0      ? &bind_addr
                       : strcmp(a, "--port-file") == 0 ? &port_file
                                                       : NULL;
    if (dst == NULL) return usage_error("serve: unknown option '%s'", a);
    if (i + 1 >= argc) return usage_error("serve: %s needs a value", a);
    *dst = argv[++i];
  }
  const char *port_src = port_arg != NULL ? port_arg : getenv("PORT");
  int port = port_src != NULL && *port_src != '\0' ? parse_port(port_src) : 3000;
  if (port < 0) {
    fprintf(stderr, "financial-api: invalid port '%s' (expected 0..65535, from %s)\n", port_src,
            port_arg != NULL ? "--port" : "PORT");
    return EXIT_USAGE;
  }

  char err[1024];
  struct fin_mode_decision d;
  if (fin_mode_decide(wiring, &d, err, sizeof err) != 0) {
    fprintf(stderr, "financial-api: %s\n", err);
    return EXIT_USAGE;
  }
  char m[64], w[512], r[512];
  fin_log("info", "startup_decision",
          "\"mode\":\"%s\",\"wiring\":\"%s\",\"reason\":\"%s\",\"malloc\":\"%s\"",
          fin_log_esc(d.mode, m, sizeof m), fin_log_esc(d.wiring, w, sizeof w),
          fin_log_esc(d.reason, r, sizeof r), fin_allocator());

  struct fin_container c;
  memset(&c, 0, sizeof c);
  if (fin_host_load_container(d.wiring, &c, err, sizeof err) != 0) {
    fprintf(stderr, "financial-api: %s\n", err);
    return EXIT_USAGE;
  }
  fin_log("info", "container_loaded", "\"mode\":\"%s\",\"wiring\":\"%s\",\"messenger\":%s",
          fin_log_esc(c.mode, m, sizeof m), w, c.messenger.ops != NULL ? "true" : "false");
  if (c.whatsapp.webhook_secret == NULL || c.whatsapp.webhook_secret[0] == '\0')
    fin_log("warn", "webhook_disabled", "\"reason\":\"WEBHOOK_SECRET is not set\"");

  int status = 1;
  if (fin_auth_guard_bind(&c, bind_addr, &bind_addr, err, sizeof err) != 0) {
    fprintf(stderr, "financial-api: %s\n", err);
    status = EXIT_USAGE;
    goto done;
  }
  if (fin_seed_users(&c) != 0) {
    fprintf(stderr, "financial-api: seeding the users of %s failed\n", d.wiring);
    goto done;
  }
  if (fin_outbox_worker_start(&c) != 0) {
    fprintf(stderr, "financial-api: cannot start the outbox worker\n");
    goto done;
  }
  fin_server_on_stop(stop_worker, NULL);
  fin_server_set_port_file(port_file);
  struct fin_http_app app = fin_app_http(&c);
  int rc = fin_server_run(&app, port, bind_addr);
  fin_outbox_worker_stop(); /* safe when the stop hook already ran */
  if (rc != 0)
    fprintf(stderr, "financial-api: cannot serve on %s:%d\n", bind_addr, port);
  else
    status = 0;
done:
  fin_container_destroy(&c);
  return status;
}

static int cmd_check_wiring(int argc, char **argv) {
  if (argc != 1) return usage_error("check-wiring: expected one FILE");
  struct fin_container c;
  memset(&c, 0, sizeof c);
  char err[1024];
  if (fin_host_load_container(argv[0], &c, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return EXIT_USAGE;
  }
  printf("ok: %s (mode %s)\n", argv[0], c.mode);
  fin_container_destroy(&c);
  return 0;
}

/* provision: lua/provision.lua (found like the wiring files) does the work. */
static int cmd_provision(int argc, char **argv) {
  char script[4096];
  if (fin_resolve_path("lua/provision.lua", script, sizeof script) != 0) {
    fprintf(stderr, "financial-api: lua/provision.lua not found\n");
    return EXIT_USAGE;
  }
  return fin_host_run_script(script, argc, argv);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(USAGE, stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(USAGE, stdout);
    return 0;
  }
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("financial-api %s (%s, jansson %s, libcurl %s, malloc: %s)\n", FIN_VERSION, LUA_RELEASE,
           JANSSON_VERSION, curl_version_info(CURLVERSION_NOW)->version, fin_allocator());
    return 0;
  }

  /* before any thread exists (jansson's hash seed, libcurl's globals) */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "financial-api: curl_global_init failed\n");
    return 1;
  }
  json_object_seed(0);
  (void)fin_install_root(); /* computed once, before threads */

  int status;
  if (strcmp(cmd, "serve") == 0) {
    status = cmd_serve(argc - 2, argv + 2);
  } else if (strcmp(cmd, "run") == 0) {
    if (argc < 3)
      status = usage_error("run: expected SCRIPT.lua");
    else
      status = fin_host_run_script(argv[2], argc - 3, argv + 3);
  } else if (strcmp(cmd, "provision") == 0) {
    status = cmd_provision(argc - 2, argv + 2);
  } else if (strcmp(cmd, "check-wiring") == 0) {
    status = cmd_check_wiring(argc - 2, argv + 2);
  } else {
    status = usage_error("unknown command '%s'", cmd);
  }
  curl_global_cleanup();
  return status;
}
