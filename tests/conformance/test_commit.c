/* test_commit.c - store.commit (store.h) on rows that exist: every in-place
 * update, each failing condition leaving the whole batch unapplied, and
 * updates of missing rows creating nothing. Round trips and the
 * concurrency guarantees: test_store.c. */
#include <stdlib.h>

#include "conf.h"

/* ---- in-place updates ---- */
/* USER_SCORE: score, tier, updated_at, plus one history entry */
static void score_update_lands(const char *eco, fin_ms t0) {
  struct fin_score s = {.ecosystem_id = (char *)eco, /* borrowed */
                        .value = 550,
                        .previous_value = 500,
                        .delta = 50,
                        .reason = "payment_on_time",
                        .related_entity_type = "transaction",
                        .related_entity_id = "txn-1",
                        .timestamp = t0 + 5};
  new_id(s.score_id);
  strcpy(s.source, "system");
  struct fin_write w = {.kind = FIN_W_USER_SCORE};
  w.u.score.ecosystem_id = eco;
  w.u.score.score = 550;
  w.u.score.tier = "medium";
  w.u.score.updated_at = t0 + 5;
  w.u.score.entry = &s;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  struct fin_user u;
  assert_status(C.users.ops->get(C.users.self, eco, &u, NULL), FIN_OK);
  assert_int_equal(u.score, 550);
  assert_string_equal(u.tier, "medium");
  assert_true(u.updated_at == t0 + 5);
  fin_user_clear(&u);
  struct fin_score *hist = NULL;
  size_t n = 0;
  assert_status(C.scores.ops->list(C.scores.self, eco, 0, &hist, &n, NULL), FIN_OK);
  assert_int_equal(n, 1);
  assert_string_equal(hist[0].score_id, s.score_id);
  assert_int_equal(hist[0].value, 550);
  assert_int_equal(hist[0].previous_value, 500);
  assert_int_equal(hist[0].delta, 50);
  assert_string_equal(hist[0].reason, "payment_on_time");
  assert_string_equal(hist[0].source, "system");
  assert_null(hist[0].source_id);
  assert_string_equal(hist[0].related_entity_type, "transaction");
  assert_string_equal(hist[0].related_entity_id, "txn-1");
  fin_score_list_free(hist, n);
}

/* USER_SUMMARY: the summary and updated_at; the score set before stays */
static void summary_update_lands(const char *eco, fin_ms t0) {
  struct fin_write w = {.kind = FIN_W_USER_SUMMARY};
  w.u.summary.ecosystem_id = eco;
  w.u.summary.summary = (struct fin_card_summary){3, 125.5, 9000};
  w.u.summary.updated_at = t0 + 6;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  struct fin_user u;
  assert_status(C.users.ops->get(C.users.self, eco, &u, NULL), FIN_OK);
  assert_int_equal(u.summary.active_cards, 3);
  assert_true(u.summary.total_balance == 125.5 && u.summary.total_limit == 9000);
  assert_true(u.updated_at == t0 + 6);
  assert_int_equal(u.score, 550);
  fin_user_clear(&u);
}

/* CARD_BALANCE: money fields, version + 1, updated_at */
static void balance_update_lands(const char *eco, const char *card, fin_ms t0) {
  struct fin_write w = {.kind = FIN_W_CARD_BALANCE};
  w.u.balance.ecosystem_id = eco;
  w.u.balance.card_id = card;
  w.u.balance.expected_version = 1;
  w.u.balance.balance = 300;
  w.u.balance.available_credit = 700;
  w.u.balance.minimum_payment = 25;
  w.u.balance.updated_at = t0 + 7;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, eco, card, &c, NULL), FIN_OK);
  assert_true(c.balance == 300 && c.available_credit == 700 && c.minimum_payment == 25);
  assert_true(c.version == 2 && c.updated_at == t0 + 7 && c.limit == 1000);
  fin_card_clear(&c);
}

/* REQUEST_DECIDE: status, decision, resulting card, updated_at; only once */
static void decide_lands_once(const char *eco, const char *req, const char *card, fin_ms t0) {
  struct fin_decision d;
  fill_decision(&d, "approved", t0 + 8);
  struct fin_write w = {.kind = FIN_W_REQUEST_DECIDE};
  w.u.decide.ecosystem_id = eco;
  w.u.decide.request_id = req;
  w.u.decide.status = "approved";
  w.u.decide.decision = &d;
  w.u.decide.resulting_card_id = card;
  w.u.decide.updated_at = t0 + 8;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  struct fin_card_request r;
  assert_status(C.requests.ops->get_any(C.requests.self, req, &r, NULL), FIN_OK);
  assert_string_equal(r.status, "approved");
  assert_true(r.decision.present);
  assert_string_equal(r.decision.outcome, "approved");
  assert_string_equal(r.decision.source, "admin");
  assert_string_equal(r.decision.admin_id, "admin-conformance");
  assert_string_equal(r.decision.reason, "conformance decision");
  assert_true(r.decision.has_approved_limit && r.decision.approved_limit == 2000);
  assert_true(r.decision.decided_at == t0 + 8);
  assert_string_equal(r.resulting_card_id, card);
  assert_true(r.updated_at == t0 + 8 && r.created_at == t0);
  fin_card_request_clear(&r);
  /* a second decision is refused: the request is no longer pending */
  assert_status(commit(&w, 1, NULL), FIN_PRECONDITION);
}

/* In this order: the summary check sees the score update's score. */
static void commit_updates_rows_in_place(void **state) {
  char eco[64];
  new_key(eco, "conf-upd");
  make_user(eco, 500);
  fin_id card, req;
  make_card(eco, 1000, card);
  fin_ms t0 = now_ms();
  make_request(eco, t0, "pending", req);
  score_update_lands(eco, t0);
  summary_update_lands(eco, t0);
  balance_update_lands(eco, card, t0);
  decide_lands_once(eco, req, card, t0);
}

/* ---- a failing condition leaves nothing applied ---- */
struct batch {
  char eco[64], new_eco[64], target[64], hash[65];
  fin_id card;
  struct fin_score score;
  struct fin_user user;
  struct fin_card card_row;
  struct fin_card_request req;
  struct fin_txn txn;
  struct fin_event ev;
  struct fin_idem idem;
  struct fin_audit audit;
  struct fin_write w[FIN_MAX_WRITES];
  size_t n;
};

/* A commit touching every table: creates for a new user, updates of an
 * existing user and card. The failing write is appended by the caller. */
static void batch_init(struct batch *b) {
  memset(b, 0, sizeof *b);
  new_key(b->eco, "conf-batch");
  new_key(b->new_eco, "conf-batch-new");
  new_key(b->target, "conf-batch-target");
  make_user(b->eco, 600);
  make_card(b->eco, 1000, b->card);
  fin_ms t = now_ms();
  memset(b->hash, 'b', 64);
  memcpy(b->hash, b->new_eco + 15, 20);
  fill_user(&b->user, b->new_eco, 500);
  fill_card(&b->card_row, b->new_eco, 2000);
  fill_request(&b->req, b->new_eco, t, "pending");
  fill_txn(&b->txn, b->eco, b->card, "purchase", t);
  fill_event(&b->ev, b->new_eco, "transaction", b->txn.transaction_id, t);
  b->ev.event_type = "transaction.purchase";
  fill_idem(&b->idem, b->eco, b->hash, t, t + 60000);
  fill_audit(&b->audit, b->target, t);
  struct fin_write *w = b->w;
  w[0] = (struct fin_write){.kind = FIN_W_USER_CREATE, .u.user = &b->user};
  w[1] = (struct fin_write){.kind = FIN_W_CARD_CREATE, .u.card = &b->card_row};
  w[2] = (struct fin_write){.kind = FIN_W_REQUEST_CREATE, .u.request = &b->req};
  w[3] = (struct fin_write){.kind = FIN_W_TXN_PUT, .u.txn = &b->txn};
  w[4] = (struct fin_write){.kind = FIN_W_EVENT_APPEND, .u.event = &b->ev};
  w[5] = (struct fin_write){.kind = FIN_W_IDEM_PUT, .u.idem = {&b->idem, t}};
  w[6] = (struct fin_write){.kind = FIN_W_AUDIT_APPEND, .u.audit = &b->audit};
  w[7] = (struct fin_write){.kind = FIN_W_USER_SUMMARY};
  w[7].u.summary.ecosystem_id = b->eco;
  w[7].u.summary.summary = (struct fin_card_summary){9, 9, 9};
  w[7].u.summary.updated_at = t + 1;
  w[8] = (struct fin_write){.kind = FIN_W_CARD_BALANCE};
  w[8].u.balance.ecosystem_id = b->eco;
  w[8].u.balance.card_id = b->card;
  w[8].u.balance.expected_version = 1;
  w[8].u.balance.balance = 12.5;
  w[8].u.balance.available_credit = 987.5;
  w[8].u.balance.minimum_payment = 12.5;
  w[8].u.balance.updated_at = t + 1;
  w[9] = (struct fin_write){.kind = FIN_W_USER_SCORE};
  w[9].u.score.ecosystem_id = b->eco;
  w[9].u.score.score = 610;
  w[9].u.score.tier = "medium";
  w[9].u.score.updated_at = t + 1;
  b->score = (struct fin_score){.ecosystem_id = b->eco,
                                .value = 610,
                                .previous_value = 600,
                                .delta = 10,
                                .reason = "payment_on_time",
                                .timestamp = t + 1};
  new_id(b->score.score_id);
  strcpy(b->score.source, "system");
  w[9].u.score.entry = &b->score;
  b->n = 10;
}

/* Asserts that none (applied == false) or all of the batch is visible. */
static void batch_check(struct batch *b, bool applied) {
  enum fin_status want = applied ? FIN_OK : FIN_NOT_FOUND;
  struct fin_user u;
  assert_status(C.users.ops->get(C.users.self, b->new_eco, &u, NULL), want);
  fin_user_clear(&u);
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, b->new_eco, b->card_row.card_id, &c, NULL), want);
  fin_card_clear(&c);
  struct fin_card_request r;
  assert_status(C.requests.ops->get_any(C.requests.self, b->req.request_id, &r, NULL), want);
  fin_card_request_clear(&r);
  struct fin_txn x;
  assert_status(C.txns.ops->get(C.txns.self, b->eco, b->card, b->txn.transaction_id, &x, NULL),
                want);
  fin_txn_clear(&x);
  struct fin_event ev;
  assert_status(C.outbox.ops->get(C.outbox.self, b->ev.event_id, &ev, NULL), want);
  fin_event_clear(&ev);
  assert_int_equal(b->ev.sequence, applied ? 1 : 0); /* written back on success only */
  struct fin_idem i;
  assert_status(C.idem.ops->get(C.idem.self, b->eco, b->hash, now_ms(), &i, NULL), want);
  fin_idem_clear(&i);
  struct fin_audit *logs = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  assert_status(C.audit.ops->find_by_target(C.audit.self, "user", b->target, NULL, 10, &logs, &n,
                                            &page, NULL),
                FIN_OK);
  assert_int_equal(n, applied ? 1 : 0);
  fin_audit_list_free(logs, n);
  fin_page_clear(&page);
  assert_status(C.users.ops->get(C.users.self, b->eco, &u, NULL), FIN_OK);
  assert_int_equal(u.summary.active_cards, applied ? 9 : 1);
  assert_int_equal(u.score, applied ? 610 : 600);
  fin_user_clear(&u);
  assert_status(C.cards.ops->get(C.cards.self, b->eco, b->card, &c, NULL), FIN_OK);
  assert_int_equal(c.version, applied ? 2 : 1);
  assert_true(c.balance == (applied ? 12.5 : 0));
  fin_card_clear(&c);
}

/* Each kind of failing condition, as the last write of the batch. */
enum failing {
  F_USER_EXISTS,
  F_SCORE_NO_USER,
  F_SUMMARY_NO_USER,
  F_CARD_EXISTS,
  F_BALANCE_STALE,
  F_BALANCE_NO_CARD,
  F_REQUEST_EXISTS,
  F_DECIDE_MISSING,
  F_DECIDE_NOT_PENDING,
  F_IDEM_LIVE,
  F_COUNT
};

/* What a failing write refers to: kept until the batch is committed. */
struct failing_refs {
  char ghost[64];
  fin_id ghost_card, rid;
  struct fin_user dup_user;
  struct fin_card dup_card;
  struct fin_card_request dup_req;
  struct fin_idem live;
  struct fin_decision d;
};

/* Puts failing write f at b->w[b->n] (b->n unchanged); returns the status
 * the commit must fail with. */
static enum fin_status add_failing_write(struct batch *b, int f, struct failing_refs *r) {
  new_key(r->ghost, "conf-ghost");
  new_id(r->ghost_card);
  fin_ms t = now_ms();
  fill_decision(&r->d, "rejected", t);
  struct fin_write *x = &b->w[b->n];
  enum fin_status want = FIN_EXISTS;
  switch (f) {
  case F_USER_EXISTS:
    fill_user(&r->dup_user, b->eco, 1);
    *x = (struct fin_write){.kind = FIN_W_USER_CREATE, .u.user = &r->dup_user};
    break;
  case F_SCORE_NO_USER:
  case F_SUMMARY_NO_USER:
    *x = (struct fin_write){.kind = f == F_SCORE_NO_USER ? FIN_W_USER_SCORE : FIN_W_USER_SUMMARY};
    if (f == F_SCORE_NO_USER)
      x->u.score.ecosystem_id = r->ghost, x->u.score.tier = "low", x->u.score.entry = &b->score;
    else
      x->u.summary.ecosystem_id = r->ghost;
    want = FIN_NOT_FOUND;
    break;
  case F_CARD_EXISTS:
    fill_card(&r->dup_card, b->eco, 1);
    memcpy(r->dup_card.card_id, b->card, sizeof(fin_id));
    *x = (struct fin_write){.kind = FIN_W_CARD_CREATE, .u.card = &r->dup_card};
    break;
  case F_BALANCE_STALE:
  case F_BALANCE_NO_CARD:
    *x = (struct fin_write){.kind = FIN_W_CARD_BALANCE};
    x->u.balance.ecosystem_id = b->eco;
    x->u.balance.card_id = f == F_BALANCE_STALE ? b->card : r->ghost_card;
    x->u.balance.expected_version = f == F_BALANCE_STALE ? 7 : 1;
    want = FIN_VERSION_CONFLICT;
    break;
  case F_REQUEST_EXISTS:
    make_request(b->eco, t, "pending", r->rid);
    fill_request(&r->dup_req, b->eco, t, "pending");
    memcpy(r->dup_req.request_id, r->rid, sizeof(fin_id));
    *x = (struct fin_write){.kind = FIN_W_REQUEST_CREATE, .u.request = &r->dup_req};
    break;
  case F_DECIDE_MISSING:
  case F_DECIDE_NOT_PENDING:
    if (f == F_DECIDE_NOT_PENDING) make_request(b->eco, t, "approved", r->rid);
    *x = (struct fin_write){.kind = FIN_W_REQUEST_DECIDE};
    x->u.decide.ecosystem_id = b->eco;
    x->u.decide.request_id = f == F_DECIDE_NOT_PENDING ? r->rid : r->ghost;
    x->u.decide.status = "rejected";
    x->u.decide.decision = &r->d;
    x->u.decide.updated_at = t;
    want = f == F_DECIDE_NOT_PENDING ? FIN_PRECONDITION : FIN_NOT_FOUND;
    break;
  case F_IDEM_LIVE: {
    char h[65];
    memset(h, 'l', 64), h[64] = '\0';
    memcpy(h, r->ghost + 11, 20);
    fill_idem(&r->live, b->eco, h, t, t + 60000);
    struct fin_write first = {.kind = FIN_W_IDEM_PUT, .u.idem = {&r->live, t}};
    assert_status(commit(&first, 1, NULL), FIN_OK);
    *x = (struct fin_write){.kind = FIN_W_IDEM_PUT, .u.idem = {&r->live, t + 1}};
    break;
  }
  }
  return want;
}

/* The batch with its failing write fails with `want` at that write and
 * applies nothing; without it, everything lands. */
static void batch_fails_whole(struct batch *b, int f, const char *name, enum fin_status want) {
  const struct fin_write *x = &b->w[b->n];
  struct fin_err e = {0};
  enum fin_status st = commit(b->w, b->n + 1, &e);
  if (st != want)
    fail_msg("%s: commit -> %s (%s), want %s", name, fin_status_name(st), e.msg,
             fin_status_name(want));
  if (e.failed_write != (int)b->n)
    fail_msg("%s: failed_write %d, want %zu", name, e.failed_write, b->n);
  if (f == F_BALANCE_STALE || f == F_BALANCE_NO_CARD) {
    assert_string_equal(e.card_id, x->u.balance.card_id);
    assert_int_equal(e.expected_version, x->u.balance.expected_version);
    assert_int_equal(e.actual_version, f == F_BALANCE_STALE ? 1 : -1);
  }
  batch_check(b, false);
  assert_status(commit(b->w, b->n, NULL), FIN_OK);
  batch_check(b, true);
}

static void failing_conditions_apply_nothing(void **state) {
  static const char *const names[] = {"USER_CREATE exists",         "USER_SCORE no user",
                                      "USER_SUMMARY no user",       "CARD_CREATE exists",
                                      "CARD_BALANCE stale",         "CARD_BALANCE no card",
                                      "REQUEST_CREATE exists",      "REQUEST_DECIDE missing",
                                      "REQUEST_DECIDE not pending", "IDEM_PUT live"};
  for (int f = 0; f < F_COUNT; f++) {
    struct batch *b = calloc(1, sizeof *b);
    batch_init(b);
    struct failing_refs refs;
    enum fin_status want = add_failing_write(b, f, &refs);
    batch_fails_whole(b, f, names[f], want);
    free(b);
  }
}

/* ---- updates of missing rows: FIN_NOT_FOUND, and nothing is created ---- */
static void updates_on_missing_rows_create_nothing(void **state) {
  char ghost[64];
  new_key(ghost, "conf-missing");
  fin_ms t = now_ms();
  struct fin_score s = {.ecosystem_id = ghost, .value = 1, .reason = "x", .timestamp = t};
  new_id(s.score_id);
  strcpy(s.source, "system");
  struct fin_write w = {.kind = FIN_W_USER_SCORE};
  w.u.score.ecosystem_id = ghost;
  w.u.score.score = 1;
  w.u.score.tier = "low";
  w.u.score.entry = &s;
  assert_status(commit(&w, 1, NULL), FIN_NOT_FOUND);
  w = (struct fin_write){.kind = FIN_W_USER_SUMMARY};
  w.u.summary.ecosystem_id = ghost;
  assert_status(commit(&w, 1, NULL), FIN_NOT_FOUND);
  struct fin_user u;
  assert_status(C.users.ops->get(C.users.self, ghost, &u, NULL), FIN_NOT_FOUND);
  struct fin_score *hist = NULL;
  size_t n = 1;
  assert_status(C.scores.ops->list(C.scores.self, ghost, 0, &hist, &n, NULL), FIN_OK);
  assert_int_equal(n, 0);
  free(hist);

  w = (struct fin_write){.kind = FIN_W_CARD_BALANCE};
  w.u.balance.ecosystem_id = ghost;
  w.u.balance.card_id = ghost;
  w.u.balance.expected_version = 1;
  struct fin_err e = {0};
  assert_status(commit(&w, 1, &e), FIN_VERSION_CONFLICT);
  assert_int_equal(e.actual_version, -1);
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, ghost, ghost, &c, NULL), FIN_NOT_FOUND);
  struct fin_card *cards = NULL;
  assert_status(C.cards.ops->list_by_user(C.cards.self, ghost, NULL, &cards, &n, NULL), FIN_OK);
  assert_int_equal(n, 0);
  free(cards);

  struct fin_decision d;
  fill_decision(&d, "approved", t);
  w = (struct fin_write){.kind = FIN_W_REQUEST_DECIDE};
  w.u.decide.ecosystem_id = ghost;
  w.u.decide.request_id = ghost;
  w.u.decide.status = "approved";
  w.u.decide.decision = &d;
  assert_status(commit(&w, 1, NULL), FIN_NOT_FOUND);
  struct fin_card_request r;
  assert_status(C.requests.ops->get_any(C.requests.self, ghost, &r, NULL), FIN_NOT_FOUND);

  struct fin_event ev;
  assert_status(C.outbox.ops->mark_sent(C.outbox.self, ghost, t, NULL), FIN_NOT_FOUND);
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, ghost, "x", t, NULL), FIN_NOT_FOUND);
  assert_status(C.outbox.ops->mark_dead(C.outbox.self, ghost, "x", NULL), FIN_NOT_FOUND);
  assert_status(C.outbox.ops->get(C.outbox.self, ghost, &ev, NULL), FIN_NOT_FOUND);

  struct fin_wa_notification nt;
  assert_status(C.wa_notifications.ops->update_status(C.wa_notifications.self, ghost, "sent", "w",
                                                      NULL, t, NULL),
                FIN_NOT_FOUND);
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, ghost, &nt, NULL),
                FIN_NOT_FOUND);
  struct fin_pending_approval p;
  assert_status(C.approvals.ops->decide(C.approvals.self, ghost, "approved", "5511", t, NULL),
                FIN_NOT_FOUND);
  assert_status(C.approvals.ops->get(C.approvals.self, ghost, &p, NULL), FIN_NOT_FOUND);
}

const struct CMUnitTest conf_commit_tests[] = {
    conf_test(commit_updates_rows_in_place),
    conf_test(failing_conditions_apply_nothing),
    conf_test(updates_on_missing_rows_create_nothing),
};
const size_t conf_commit_count = sizeof conf_commit_tests / sizeof conf_commit_tests[0];
