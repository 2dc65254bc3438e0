/* test_request_lists.c - the admin lists of card requests (list_by_status):
 * the requests of one status, all users, ordered by (created_at,
 * request_id) either way, paged with the id of the last request as cursor,
 * with the total of that status; and the per-user reads of requests.
 * Other tests' requests share the store, so a walk checks the presence and
 * relative order of this test's requests and the total it saw itself. */
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"

/* (created_at, request_id) order: <0, 0, >0 */
static int key_cmp(fin_ms ca, const char *ia, fin_ms cb, const char *ib) {
  if (ca != cb) return ca < cb ? -1 : 1;
  return strcmp(ia, ib);
}

/* Walks every request of `status`; returns how many were seen and where
 * ours are (pos[i] = -1 when absent). Every id must appear once. */
static long walk_status(const char *status, enum fin_sort sort, int limit, fin_id *ours,
                        size_t nours, long *pos, long *total) {
  char *cursor = NULL;
  long index = 0;
  size_t cap = 64, nseen = 0;
  char(*seen)[40] = malloc(cap * sizeof *seen);
  *total = -2;
  for (size_t i = 0; i < nours; i++)
    pos[i] = -1;
  fin_ms prev_created = 0;
  const char *prev_id = "";
  for (;;) {
    struct fin_card_request *items = NULL;
    size_t n = 0;
    struct fin_page page = {0};
    assert_status(C.requests.ops->list_by_status(C.requests.self, status, sort, cursor, limit,
                                                 &items, &n, &page, NULL),
                  FIN_OK);
    assert_true(n <= (size_t)limit);
    if (*total == -2) *total = page.total_count;
    assert_int_equal(page.total_count, *total);
    for (size_t i = 0; i < n; i++, index++) {
      const struct fin_card_request *r = &items[i];
      assert_string_equal(r->status, status);
      /* ordered by (created_at, request_id) in the asked direction */
      if (index > 0) {
        int c = key_cmp(r->created_at, r->request_id, prev_created, prev_id);
        if (sort == FIN_SORT_NEWEST ? c > 0 : c < 0)
          fail_msg("%s request %s out of order", status, r->request_id);
      }
      for (size_t j = 0; j < nseen; j++)
        if (strcmp(seen[j], r->request_id) == 0) fail_msg("request %s seen twice", r->request_id);
      if (nseen == cap) seen = realloc(seen, (cap *= 2) * sizeof *seen);
      memcpy(seen[nseen++], r->request_id, sizeof(fin_id));
      prev_created = r->created_at;
      prev_id = seen[nseen - 1];
      for (size_t j = 0; j < nours; j++)
        if (strcmp(r->request_id, ours[j]) == 0) pos[j] = index;
    }
    free(cursor);
    cursor = NULL;
    if (page.has_more) {
      assert_int_equal(n, limit);
      cursor = strdup(page.next_cursor);
    } else {
      assert_null(page.next_cursor);
    }
    fin_card_request_list_free(items, n);
    fin_page_clear(&page);
    if (cursor == NULL) break;
  }
  free(seen);
  return index;
}

/* Sorts idx[0..n) by (created[i], ids[i]), oldest first. */
static void sort_oldest(int *idx, int n, const fin_ms *created, fin_id *ids) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0; j--) {
      int a = idx[j - 1], b = idx[j];
      if (key_cmp(created[b], ids[b], created[a], ids[a]) >= 0) break;
      idx[j - 1] = b, idx[j] = a;
    }
}

/* Every walk of `status` (several limits, both orders) sees ours[0..nlisted)
 * in the order `order` gives, and none of ours[nlisted..nours). */
static void check_walks(const char *status, fin_id *ours, size_t nours, const int *order,
                        int nlisted) {
  const int limits[] = {1, 2, 3, 100};
  long *pos = conf_hold(nours * sizeof *pos, NULL), total;
  for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
    for (int s = 0; s < 2; s++) {
      enum fin_sort sort = s ? FIN_SORT_NEWEST : FIN_SORT_OLDEST;
      long seen = walk_status(status, sort, limits[l], ours, nours, pos, &total);
      assert_int_equal(seen, total);
      for (size_t k = (size_t)nlisted; k < nours; k++)
        if (pos[k] != -1) fail_msg("request %s is listed as %s", ours[k], status);
      for (int k = 0; k < nlisted; k++)
        if (pos[order[k]] < 0) fail_msg("a %s request is missing from the walk", status);
      for (int k = 1; k < nlisted; k++) {
        long a = pos[order[k - 1]], b = pos[order[k]];
        if (sort == FIN_SORT_OLDEST ? a >= b : a <= b)
          fail_msg("%s requests out of order (sort %d, limit %d)", status, s, limits[l]);
      }
    }
  }
}

/* ---- the pending queue ---- */
enum { NREQ = 7 };

static void pending_requests_walk_both_orders(void **state) {
  char eco[3][64];
  fin_id ids[NREQ + 1];
  fin_ms t = now_ms() - 500000;
  /* created_at: ties on purpose (ids then decide: UUID v7 order) */
  const fin_ms created[NREQ] = {t + 30, t + 10, t + 10, t + 20, t + 10, t + 40, t + 0};
  for (int i = 0; i < 3; i++) {
    new_key(eco[i], "conf-pend");
    make_user(eco[i], 450);
  }
  for (int i = 0; i < NREQ; i++)
    make_request(eco[i % 3], created[i], "pending", ids[i]);
  make_request(eco[0], t + 15, "approved", ids[NREQ]); /* never listed as pending */
  int order[NREQ];
  for (int i = 0; i < NREQ; i++)
    order[i] = i;
  sort_oldest(order, NREQ, created, ids);
  check_walks("pending", ids, NREQ + 1, order, NREQ);
  long total, pos[NREQ + 1];
  walk_status("pending", FIN_SORT_OLDEST, 100, ids, NREQ + 1, pos, &total);
  /* deciding one takes it out; total_count follows */
  long before = total;
  struct fin_decision d;
  fill_decision(&d, "rejected", now_ms());
  struct fin_write w = {.kind = FIN_W_REQUEST_DECIDE};
  w.u.decide.ecosystem_id = eco[1 % 3];
  w.u.decide.request_id = ids[1];
  w.u.decide.status = "rejected";
  w.u.decide.decision = &d;
  w.u.decide.updated_at = now_ms();
  /* the wrong owner does not find it */
  w.u.decide.ecosystem_id = eco[2];
  assert_status(commit(&w, 1, NULL), FIN_NOT_FOUND);
  w.u.decide.ecosystem_id = eco[1];
  assert_status(commit(&w, 1, NULL), FIN_OK);
  assert_status(commit(&w, 1, NULL), FIN_PRECONDITION);
  walk_status("pending", FIN_SORT_OLDEST, 100, ids, NREQ + 1, pos, &total);
  assert_int_equal(pos[1], -1);
  assert_int_equal(total, before - 1);

  /* per-user reads */
  struct fin_card_request r;
  assert_status(C.requests.ops->find_pending_by_user(C.requests.self, eco[1], &r, NULL), FIN_OK);
  assert_string_equal(r.request_id, ids[4]); /* eco[1] had ids 1 and 4; 1 is decided */
  fin_card_request_clear(&r);
  assert_status(C.requests.ops->find_pending_by_user(C.requests.self, eco[0], &r, NULL), FIN_OK);
  /* eco[0] has ids 0 (t+30), 3 (t+20), 6 (t+0): the oldest is 6 */
  assert_string_equal(r.request_id, ids[6]);
  fin_card_request_clear(&r);
  char nobody[64];
  new_key(nobody, "conf-nobody");
  assert_status(C.requests.ops->find_pending_by_user(C.requests.self, nobody, &r, NULL),
                FIN_NOT_FOUND);
  struct fin_card_request *rej = NULL;
  size_t n = 0;
  assert_status(C.requests.ops->list_rejected_by_user(C.requests.self, eco[1],
                                                      w.u.decide.updated_at, &rej, &n, NULL),
                FIN_OK);
  assert_int_equal(n, 1);
  assert_string_equal(rej[0].request_id, ids[1]);
  assert_string_equal(rej[0].decision.outcome, "rejected");
  fin_card_request_list_free(rej, n);
  assert_status(C.requests.ops->list_rejected_by_user(C.requests.self, eco[1],
                                                      w.u.decide.updated_at + 1, &rej, &n, NULL),
                FIN_OK);
  assert_int_equal(n, 0);
  free(rej);
}

/* ---- every status ---- */
enum { NSTATUS = 3, PER = 4 };
static const char *const STATUSES[NSTATUS] = {"pending", "approved", "rejected"};

/* One status's requests as created by requests_listed_by_each_status. */
struct status_set {
  char eco[2][64];
  fin_id ids[NSTATUS * PER]; /* status s: ids[s * PER .. s * PER + PER) */
  fin_ms created[NSTATUS * PER];
};

/* Moves request k of set s (status pending) to `status` with a decision. */
static void decide(const struct status_set *s, int k, const char *status, fin_ms at) {
  struct fin_decision d;
  fill_decision(&d, status, at);
  struct fin_write w = {.kind = FIN_W_REQUEST_DECIDE};
  w.u.decide.ecosystem_id = s->eco[k % 2];
  w.u.decide.request_id = s->ids[k];
  w.u.decide.status = status;
  w.u.decide.decision = &d;
  w.u.decide.updated_at = at;
  assert_status(commit(&w, 1, NULL), FIN_OK);
}

/* The page after `cursor` in `sort` order holds only requests beyond the
 * cursor's (created_at, id), `want` among them and `absent` not. */
static void check_after(const char *status, enum fin_sort sort, const char *cursor,
                        fin_ms cursor_created, const char *want, const char *absent) {
  struct fin_card_request *items = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  assert_status(C.requests.ops->list_by_status(C.requests.self, status, sort, cursor, 100, &items,
                                               &n, &page, NULL),
                FIN_OK);
  bool found = false, bad_order = false, has_absent = false;
  for (size_t i = 0; i < n; i++) {
    int c = key_cmp(items[i].created_at, items[i].request_id, cursor_created, cursor);
    bad_order |= sort == FIN_SORT_NEWEST ? c >= 0 : c <= 0;
    found |= strcmp(items[i].request_id, want) == 0;
    has_absent |= strcmp(items[i].request_id, absent) == 0;
  }
  fin_card_request_list_free(items, n);
  fin_page_clear(&page);
  if (bad_order) fail_msg("%s page after %s starts at or before the cursor", status, cursor);
  if (!found) fail_msg("%s page after %s lacks %s", status, cursor, want);
  if (has_absent) fail_msg("%s page after %s holds %s", status, cursor, absent);
}

/* Two users, PER requests of each status; the statuses interleave in time
 * and in each, requests 1 and 2 tie. */
static void make_status_set(struct status_set *s) {
  for (int i = 0; i < 2; i++) {
    new_key(s->eco[i], "conf-status");
    make_user(s->eco[i], 450);
  }
  fin_ms t = now_ms() - 400000;
  for (int st = 0; st < NSTATUS; st++)
    for (int k = 0; k < PER; k++) {
      int i = st * PER + k;
      s->created[i] = t + 10 * (k == 2 ? 1 : k) + st;
      make_request(s->eco[k % 2], s->created[i], STATUSES[st], s->ids[i]);
    }
}

/* Each status lists its PER requests in order, and none of the others. */
static void check_walks_of_each_status(const struct status_set *s) {
  /* ours[0..PER) are the walked status's, the others must not show */
  fin_id ours[NSTATUS * PER];
  fin_ms created[NSTATUS * PER];
  for (int st = 0; st < NSTATUS; st++) {
    for (int k = 0; k < NSTATUS * PER; k++) { /* rotate: status st first */
      int from = (st * PER + k) % (NSTATUS * PER);
      memcpy(ours[k], s->ids[from], sizeof(fin_id));
      created[k] = s->created[from];
    }
    int order[PER] = {0, 1, 2, 3};
    sort_oldest(order, PER, created, ours);
    check_walks(STATUSES[st], ours, NSTATUS * PER, order, PER);
  }
}

/* Pending requests 1 (approved at `at`) and 2 (rejected) left pending and
 * show in their new status only. */
static void check_moved(const struct status_set *s) {
  fin_id moved[2];
  memcpy(moved[0], s->ids[1], sizeof(fin_id));
  memcpy(moved[1], s->ids[2], sizeof(fin_id));
  long pos[2], total;
  walk_status("pending", FIN_SORT_OLDEST, 100, moved, 2, pos, &total);
  assert_true(pos[0] == -1 && pos[1] == -1);
  walk_status("approved", FIN_SORT_OLDEST, 100, moved, 2, pos, &total);
  assert_true(pos[0] >= 0 && pos[1] == -1);
  walk_status("rejected", FIN_SORT_NEWEST, 100, moved, 2, pos, &total);
  assert_true(pos[0] == -1 && pos[1] >= 0);
}

/* The request approved at `at` (pending request 1) is listed with its
 * decision. */
static void check_listed_with_decision(const struct status_set *s, fin_ms at) {
  struct fin_card_request *items = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  /* the page after approved request 0 (created just before the moved one) */
  assert_status(C.requests.ops->list_by_status(C.requests.self, "approved", FIN_SORT_OLDEST,
                                               s->ids[PER], 100, &items, &n, &page, NULL),
                FIN_OK);
  const struct fin_card_request *got = NULL;
  for (size_t i = 0; i < n && got == NULL; i++)
    if (strcmp(items[i].request_id, s->ids[1]) == 0) got = &items[i];
  bool ok = got != NULL && got->decision.present &&
            strcmp(got->decision.outcome, "approved") == 0 && got->decision.has_approved_limit &&
            got->decision.approved_limit == 2000 && got->decision.decided_at == at &&
            got->updated_at == at;
  fin_card_request_list_free(items, n);
  fin_page_clear(&page);
  if (!ok) fail_msg("the approved request is not listed with its decision");
}

/* An unknown cursor means the first page (needs 2 rejected requests). */
static void unknown_cursor_gives_first_page(void) {
  struct fin_card_request *items = NULL, *first = NULL;
  size_t n = 0, nfirst = 0;
  struct fin_page page = {0}, fp = {0};
  assert_status(C.requests.ops->list_by_status(C.requests.self, "rejected", FIN_SORT_NEWEST, NULL,
                                               2, &first, &nfirst, &fp, NULL),
                FIN_OK);
  assert_status(C.requests.ops->list_by_status(C.requests.self, "rejected", FIN_SORT_NEWEST, "zzz",
                                               2, &items, &n, &page, NULL),
                FIN_OK);
  bool same = n == nfirst && n == 2 && page.total_count == fp.total_count;
  for (size_t i = 0; same && i < n; i++)
    same = strcmp(items[i].request_id, first[i].request_id) == 0;
  fin_card_request_list_free(items, n);
  fin_card_request_list_free(first, nfirst);
  fin_page_clear(&page);
  fin_page_clear(&fp);
  if (!same) fail_msg("an unknown cursor did not give the first page");
}

/* A status nobody has is empty. */
static void unknown_status_is_empty(void) {
  struct fin_card_request *items = NULL;
  /* not the values asserted: the call must set them */
  size_t n = 2;
  struct fin_page page = {.total_count = -1};
  assert_status(C.requests.ops->list_by_status(C.requests.self, "conf-none", FIN_SORT_OLDEST, NULL,
                                               5, &items, &n, &page, NULL),
                FIN_OK);
  assert_int_equal(n, 0);
  assert_int_equal(page.total_count, 0);
  assert_false(page.has_more);
  free(items);
  fin_page_clear(&page);
}

static void requests_listed_by_each_status(void **state) {
  struct status_set *s = conf_hold(sizeof *s, NULL);
  make_status_set(s);
  check_walks_of_each_status(s);

  /* decisions move pending requests 1 and 2 into the other lists */
  fin_ms at = now_ms();
  decide(s, 1, "approved", at);
  decide(s, 2, "rejected", at);
  check_moved(s);
  check_listed_with_decision(s, at);

  /* a cursor whose request changed status still places the next page:
   * pending 0 (t) is before the moved request 1 (t + 10), pending 3 after */
  check_after("pending", FIN_SORT_OLDEST, s->ids[1], s->created[1], s->ids[3], s->ids[0]);
  check_after("pending", FIN_SORT_NEWEST, s->ids[1], s->created[1], s->ids[0], s->ids[3]);

  unknown_cursor_gives_first_page();
  unknown_status_is_empty();
}

const struct CMUnitTest conf_request_list_tests[] = {
    conf_test(pending_requests_walk_both_orders),
    conf_test(requests_listed_by_each_status),
};
const size_t conf_request_list_count =
    sizeof conf_request_list_tests / sizeof conf_request_list_tests[0];
