/* port_list.h - the ports of a container, listed once.
 *
 * Every other list is generated from these two X-macros: the fields of
 * struct fin_container (core/app/container.h) and their release order
 * (container.c), the slot checks of the wiring (core/lua/wiring.c), the
 * database-handle methods of every adapter module (core/lua/box.h) and the
 * slot names a wiring file iterates (fin.storage_slots, lua/shared.lua).
 *
 * X(field, type, slot, tname, required):
 *   field     member of struct fin_container; for storage ports also the
 *             adapters' constructor <prefix>_<field>_port(db)
 *   type      the port struct: struct <type> { const ops *; void *self; }
 *   slot      key in the Lua container table, and the database-handle method
 *   tname     the Lua type tag of the boxed port (box.h)
 *   required  0 when a wiring may leave the slot empty
 */
#ifndef FIN_PORT_LIST_H
#define FIN_PORT_LIST_H

#define FIN_T_USERS "fin.Users"
#define FIN_T_SCORES "fin.Scores"
#define FIN_T_CARDS "fin.Cards"
#define FIN_T_REQUESTS "fin.CardRequests"
#define FIN_T_TXNS "fin.Transactions"
#define FIN_T_IDEM "fin.Idempotency"
#define FIN_T_OUTBOX "fin.Outbox"
#define FIN_T_AUDIT "fin.AuditLogs"
#define FIN_T_WA_NOTIF "fin.WhatsAppNotifications"
#define FIN_T_WA_INBOUND "fin.WhatsAppInbound"
#define FIN_T_APPROVALS "fin.PendingApprovals"
#define FIN_T_STORE "fin.Store"
#define FIN_T_AUTH "fin.Auth"
#define FIN_T_PUBLISHER "fin.Publisher"
#define FIN_T_CONFIG "fin.Config"
#define FIN_T_CLOCK "fin.Clock"
#define FIN_T_MESSENGER "fin.Messenger"

/* Served together by one database handle, so a store commit spans them. */
#define FIN_STORAGE_PORTS(X)                                                                       \
  X(users, fin_users, "users", FIN_T_USERS, 1)                                                     \
  X(scores, fin_scores, "scores", FIN_T_SCORES, 1)                                                 \
  X(cards, fin_cards, "cards", FIN_T_CARDS, 1)                                                     \
  X(requests, fin_card_requests, "card_requests", FIN_T_REQUESTS, 1)                               \
  X(txns, fin_txns, "transactions", FIN_T_TXNS, 1)                                                 \
  X(idem, fin_idempotency, "idempotency", FIN_T_IDEM, 1)                                           \
  X(outbox, fin_outbox, "outbox", FIN_T_OUTBOX, 1)                                                 \
  X(audit, fin_audit_logs, "audit_logs", FIN_T_AUDIT, 1)                                           \
  X(wa_notifications, fin_wa_notifications, "wa_notifications", FIN_T_WA_NOTIF, 1)                 \
  X(wa_inbound, fin_wa_inbound_repo, "wa_inbound", FIN_T_WA_INBOUND, 1)                            \
  X(approvals, fin_pending_approvals, "pending_approvals", FIN_T_APPROVALS, 1)                     \
  X(store, fin_store, "store", FIN_T_STORE, 1)

/* Each made on its own by the wiring. */
#define FIN_SERVICE_PORTS(X)                                                                       \
  X(auth, fin_auth, "auth", FIN_T_AUTH, 1)                                                         \
  X(publisher, fin_publisher, "publisher", FIN_T_PUBLISHER, 1)                                     \
  X(config, fin_config, "config", FIN_T_CONFIG, 1)                                                 \
  X(clock, fin_clock, "clock", FIN_T_CLOCK, 1)                                                     \
  X(messenger, fin_messenger, "messenger", FIN_T_MESSENGER, 0) /* ops NULL: WhatsApp off */

#define FIN_ALL_PORTS(X) FIN_STORAGE_PORTS(X) FIN_SERVICE_PORTS(X)

#endif
