/* eb_publisher.h - the event publisher of AWS mode: each outbox event goes
 * to EventBridge with PutEvents (docs/aws.md, "Events"): bus
 * `acme-financial-events`, Source `acme.financial-api`, DetailType = the
 * event type, Detail = the whole event as JSON (dates as ISO strings), Time =
 * its creation. FIN_OK only when the entry was accepted (FailedEntryCount 0),
 * so the outbox worker marks an event sent only after EventBridge took it.
 * A rule on the bus routes to SQS (the manifest); nothing is sent to SQS
 * directly, so an event is queued once. Thread-safe. */
#ifndef FIN_EB_PUBLISHER_H
#define FIN_EB_PUBLISHER_H

#include <jansson.h>
#include <stddef.h>

#include "../../core/ports/services.h"
#include "aws_http.h"

struct eb_cfg {
  struct aws_cfg aws;
  const char *bus;    /* NULL: "acme-financial-events" */
  const char *source; /* NULL: "acme.financial-api" */
};

/* A publisher port, or {NULL, NULL} with a message in err. */
struct fin_publisher eb_publisher_new(const struct eb_cfg *cfg, char *err, size_t err_size);

/* The Detail document of an event (new reference, NULL on OOM). */
json_t *eb_event_detail(const struct fin_event *ev);

#endif
