/* whatsapp_notify.h - the in-process subscribers that tell the admins about
 * pending card requests and payments over WhatsApp (behaviour.md §9.2, §9.3).
 *
 * Called by the outbox worker for each delivery of an event. Messages go out
 * only when a messenger is wired (c->messenger.ops) and
 * c->rules.wa_notifications_enabled; otherwise the event is skipped with no
 * record and no tracker.
 *
 * Re-delivery (the outbox retries an event whose publish failed) never sends a
 * message twice: each record's id is derived from (event id, admin phone), and
 * a record already `sent`/`delivered` is left alone. An existing tracker is
 * never overwritten (an admin may have answered meanwhile).
 */
#ifndef FIN_WHATSAPP_NOTIFY_H
#define FIN_WHATSAPP_NOTIFY_H

#include <stddef.h>

#include "../domain/model.h"
#include "container.h"

/* card.requested subscriber. FIN_OK when the event is handled (sent, skipped,
 * or a send failure recorded on the notification); a storage error otherwise,
 * which makes the outbox retry the event. */
enum fin_status fin_wa_on_card_requested(struct fin_container *c, const struct fin_event *ev,
                                         struct fin_err *e);
/* transaction.payment subscriber; same contract. */
enum fin_status fin_wa_on_payment(struct fin_container *c, const struct fin_event *ev,
                                  struct fin_err *e);

/* User-supplied text in a message is cut to this many characters. */
#define FIN_WA_TEXT_MAX 254

/* Message texts, byte-exact (lines joined with "\n"). Return a new string
 * (free()) or NULL on OOM. The email is cleaned (fin_text_clean) first.
 *   [Card Request #<short id>]
 *   Customer: <email> / Tier: <tier> / Score: <score> / "" /
 *   Reply: "y <SHORT>" to approve / Reply: "n <SHORT>" to reject */
char *fin_wa_card_request_text(const char *short_id, const char *email, const char *tier,
                               double score);
/* A random short id: 8 upper-case hex digits from the CSPRNG. 0, or -1 when
 * no randomness is available. */
int fin_wa_new_short_id(char out[FIN_SHORT_ID_MAX]);
/*   [Payment Received] / Card: **** <last 4 of card id> / Amount: <BRL> /
 *   Time: <dd/mm/yyyy, hh:mm local> / "" / (No action required) */
char *fin_wa_payment_text(const char *card_id, double amount, fin_ms at);

/* Intl.NumberFormat('pt-BR', {style:'currency', currency:'BRL'}):
 * "R$" U+00A0 "1.234,50" (half-up on exact ties, like ECMA-402). Writes at
 * most size bytes (NUL included); returns buf. size >= 64 is always enough
 * for |amount| < 1e21. */
char *fin_brl_format(double amount, char *buf, size_t size);

/* The deterministic notification id for (event, phone): a UUID v7 whose time
 * is the event's created_at and whose other bits come from SHA-256 of the
 * event id and the phone. buf >= 37 bytes; returns buf. */
char *fin_wa_notification_id(const struct fin_event *ev, const char *phone, char *buf);

#endif
