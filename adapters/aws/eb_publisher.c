/* eb_publisher.c - outbox events to EventBridge (see eb_publisher.h). */
#include "eb_publisher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/jsonout.h"
#include "../../core/util/timefmt.h"

struct eb {
  struct aws_client *aws;
  char *bus, *source;
};

static json_t *iso(fin_ms ms) {
  char buf[32];
  return json_string(fin_iso(ms, buf));
}

json_t *eb_event_detail(const struct fin_event *ev) {
  json_t *d = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:i, s:o, s:o}", "eventId", ev->event_id,
      "eventType", ev->event_type ? ev->event_type : "", "entityType",
      ev->entity_type ? ev->entity_type : "", "entityId", ev->entity_id ? ev->entity_id : "",
      "ecosystemId", ev->ecosystem_id ? ev->ecosystem_id : "", "sequenceNumber",
      (json_int_t)ev->sequence, "payload", ev->payload ? json_incref(ev->payload) : json_object(),
      "status", ev->status[0] ? ev->status : "pending", "retryCount", ev->retry_count,
      "nextRetryAt", iso(ev->next_retry_at ? ev->next_retry_at : ev->created_at), "createdAt",
      iso(ev->created_at));
  if (d != NULL && ev->last_error != NULL)
    json_object_set_new(d, "lastError", json_string(ev->last_error));
  if (d != NULL && ev->sent_at != 0) json_object_set_new(d, "sentAt", iso(ev->sent_at));
  return d;
}

/* PutEvents takes at most 10 entries a request. */
#define EB_MAX_ENTRIES 10

static json_t *entry_of(const struct eb *p, const struct fin_event *ev) {
  json_t *detail = eb_event_detail(ev);
  /* as JavaScript writes it (1234.56, not json_dumps' 1234.5599999999999):
   * consumers read the event the earlier service sent */
  char *text = detail ? fin_json_dump(detail, NULL) : NULL;
  json_decref(detail);
  if (text == NULL) return NULL;
  json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:I}", "EventBusName", p->bus, "Source",
                            p->source, "DetailType", ev->event_type ? ev->event_type : "", "Detail",
                            text, "Time", (json_int_t)(ev->created_at / 1000));
  free(text);
  return entry;
}

/* One PutEvents of evs[0..n), n <= EB_MAX_ENTRIES; errs[i] per event. */
static void put_events(struct eb *p, const struct fin_event *const *evs, size_t n,
                       struct fin_err *errs) {
  json_t *entries = json_array();
  for (size_t i = 0; entries != NULL && i < n; i++) {
    if (json_array_append_new(entries, entry_of(p, evs[i])) != 0) {
      json_decref(entries);
      entries = NULL;
    }
  }
  json_t *req = entries ? json_pack("{s:o}", "Entries", entries) : NULL;
  if (req == NULL) {
    for (size_t i = 0; i < n; i++)
      fin_err_set(&errs[i], FIN_NOMEM, "eventbridge PutEvents: out of memory");
    return;
  }
  json_t *resp = NULL;
  struct aws_err ae;
  int rc = aws_call(p->aws, "AWSEvents", "PutEvents", req, &resp, &ae);
  json_decref(req);
  if (rc != 0) {
    if (aws_err_to_fin(&ae, &errs[0]) == FIN_OK)
      fin_err_set(&errs[0], FIN_UNAVAILABLE, "eventbridge PutEvents failed");
    aws_err_clear(&ae);
    for (size_t i = 1; i < n; i++)
      errs[i] = errs[0];
    return;
  }
  /* the answer's entries follow the request's: an EventId, or an error */
  json_t *out = json_object_get(resp, "Entries");
  for (size_t i = 0; i < n; i++) {
    json_t *entry = json_array_get(out, i);
    const char *code = json_string_value(json_object_get(entry, "ErrorCode"));
    const char *msg = json_string_value(json_object_get(entry, "ErrorMessage"));
    if (entry == NULL || code != NULL ||
        json_string_value(json_object_get(entry, "EventId")) == NULL)
      fin_err_set(&errs[i], FIN_UNAVAILABLE, "EventBridge publish failed: %s (%s)",
                  code ? code : "no entry", msg ? msg : "");
    else
      errs[i].code = FIN_OK;
  }
  json_decref(resp);
}

static void eb_publish_many(void *self, const struct fin_event *const *evs, size_t n,
                            struct fin_err *errs) {
  for (size_t i = 0; i < n; i += EB_MAX_ENTRIES)
    put_events(self, evs + i, n - i < EB_MAX_ENTRIES ? n - i : EB_MAX_ENTRIES, errs + i);
}

static enum fin_status eb_publish(void *self, const struct fin_event *ev, struct fin_err *e) {
  struct fin_err one = {0};
  put_events(self, &ev, 1, &one);
  if (e != NULL) *e = one;
  return one.code;
}

static const char *eb_name(void *self) {
  return "eventbridge";
}

static enum fin_status eb_ping(void *self, struct fin_err *e) {
  struct eb *p = self;
  json_t *req = json_pack("{s:s}", "Name", p->bus);
  json_t *resp = NULL;
  struct aws_err ae;
  int rc = aws_call(p->aws, "AWSEvents", "DescribeEventBus", req, &resp, &ae);
  json_decref(req);
  json_decref(resp);
  if (rc == 0) return FIN_OK;
  enum fin_status st = aws_err_to_fin(&ae, e);
  aws_err_clear(&ae);
  return st == FIN_OK ? FIN_UNAVAILABLE : st;
}

static void eb_destroy(void *self) {
  struct eb *p = self;
  if (p == NULL) return;
  aws_client_free(p->aws);
  free(p->bus);
  free(p->source);
  free(p);
}

static const struct fin_publisher_ops eb_ops = {
    .publish = eb_publish,
    .publish_many = eb_publish_many,
    .name = eb_name,
    .ping = eb_ping,
    .destroy = eb_destroy,
};

struct fin_publisher eb_publisher_new(const struct eb_cfg *cfg, char *err, size_t err_size) {
  struct eb *p = calloc(1, sizeof *p);
  if (p == NULL) {
    snprintf(err, err_size, "out of memory");
    return (struct fin_publisher){NULL, NULL};
  }
  p->bus = strdup(cfg->bus ? cfg->bus : "acme-financial-events");
  p->source = strdup(cfg->source ? cfg->source : "acme.financial-api");
  if (p->bus == NULL || p->source == NULL) snprintf(err, err_size, "out of memory");
  if (p->bus != NULL && p->source != NULL)
    p->aws = aws_client_new(&cfg->aws, "events", err, err_size);
  if (p->aws == NULL) {
    eb_destroy(p);
    return (struct fin_publisher){NULL, NULL};
  }
  return (struct fin_publisher){&eb_ops, p};
}
