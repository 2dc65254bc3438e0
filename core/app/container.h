/* container.h - the wired dependencies and the rule numbers the services use.
 *
 * Built once at start-up from the Lua wiring file (core/lua/host.c), then read
 * by every request thread without locks. The container owns every port and
 * releases them in fin_container_destroy().
 */
#ifndef FIN_CONTAINER_H
#define FIN_CONTAINER_H

#include <stdbool.h>

#include "../domain/rules.h"
#include "../ports/port_list.h"
#include "../ports/repos.h"
#include "../ports/services.h"
#include "../ports/store.h"

/* Overrides r from the config port; unknown or unparsable values keep the
 * default and are reported through `warn` (may be NULL). */
void fin_rules_load(struct fin_rules *r, struct fin_config *cfg,
                    void (*warn)(const char *key, const char *why));

struct fin_container;
struct fin_rules_snapshot;
struct fin_bgprobe;

/* The rules in force now (never NULL; valid until fin_container_destroy). */
const struct fin_rules *fin_rules_of(const struct fin_container *c);
/* Re-reads the config port; publishes a new snapshot when what the port
 * says changed since the last read (the first read only records it).
 * Returns true when it published. Call from one thread (the outbox worker). */
bool fin_rules_refresh(struct fin_container *c);
/* Frees the snapshots (fin_container_destroy). */
void fin_rules_release(struct fin_container *c);

struct fin_whatsapp_settings {
  char *admin_phones[2]; /* digits; NULL when unset */
  char *webhook_secret;  /* NULL/"" = the webhook refuses every call */
  bool production;       /* NODE_ENV=production */
};

struct fin_seed_user {
  char *ecosystem_id;
  char *role;
  char *email;
  int score;
};

struct fin_container {
  char *mode;        /* "memory", "aws", "firebase" */
  char *wiring_file; /* for logs */

  /* One member per port of port_list.h: users, scores, cards, requests,
   * txns, idem, outbox, audit, wa_notifications, wa_inbound, approvals,
   * store, auth, publisher, config, clock, messenger (ops NULL when WhatsApp
   * sending is off). */
#define FIN_PORT_MEMBER_(field, type, slot, tname, req) struct type field;
  FIN_ALL_PORTS(FIN_PORT_MEMBER_)
#undef FIN_PORT_MEMBER_
  struct fin_bgprobe *readiness; /* health.c's background check; NULL until first used */

  /* The rules as loaded at start-up. Read them through fin_rules_of(): the
   * outbox worker re-reads the config port and publishes a new snapshot when
   * a value changed (SSM refresh); old snapshots live until destroy, so a
   * request holding one never sees it freed. */
  struct fin_rules rules;
  _Atomic(struct fin_rules *) live_rules; /* NULL: `rules` */
  struct fin_rules_snapshot *retired;
  struct fin_rules config_seen; /* what the config port said last (refresh) */
  bool config_seen_valid;
  struct fin_whatsapp_settings whatsapp;
  struct fin_seed_user *seeds;
  size_t n_seeds;
};

/* Releases every port and string; safe on a partly filled container. */
void fin_container_destroy(struct fin_container *c);

#endif
