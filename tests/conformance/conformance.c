/* conformance.c - the repository conformance suite: the semantics of
 * core/ports/repos.h and store.h, checked through a wired container only,
 * so the same program runs against the memory, DynamoDB or Firestore wiring.
 *
 *   build/san/conformance [WIRING_FILE]      (default lua/memory.lua)
 *
 * Environment: FIN_CONFORMANCE_NO_WIPE=1 skips the whole-table deletes
 * (test_wipe.c) when the store is shared with others. Exit status: the
 * number of failed tests, or 2 when the wiring cannot be loaded. */
#include <stdio.h>
#include <stdlib.h>

#include "../../core/lua/host.h"
#include "../../core/util/log.h"
#include "conf.h"

struct fin_container C;

int main(int argc, char **argv) {
  const char *wiring = argc > 1 ? argv[1] : "lua/memory.lua";
  fin_log_set_enabled(0);
  json_object_seed(0); /* before any thread (jansson) */
  char err[512];
  if (fin_host_load_container(wiring, &C, err, sizeof err) != 0) {
    fprintf(stderr, "conformance: %s\n", err);
    return 2;
  }
  printf("conformance: wiring %s (mode %s)\n", wiring, C.mode ? C.mode : "?");
  int failed = 0;
  failed += _cmocka_run_group_tests("store", conf_store_tests, conf_store_count, NULL, NULL);
  failed += _cmocka_run_group_tests("commit", conf_commit_tests, conf_commit_count, NULL, NULL);
  failed += _cmocka_run_group_tests("lists", conf_list_tests, conf_list_count, NULL, NULL);
  failed += _cmocka_run_group_tests("request lists", conf_request_list_tests,
                                    conf_request_list_count, NULL, NULL);
  failed += _cmocka_run_group_tests("repositories", conf_repo_tests, conf_repo_count, NULL, NULL);
  failed += _cmocka_run_group_tests("races", conf_race_tests, conf_race_count, NULL, NULL);
  const char *no_wipe = getenv("FIN_CONFORMANCE_NO_WIPE");
  if (no_wipe != NULL && no_wipe[0] != '\0' && strcmp(no_wipe, "0") != 0)
    printf("conformance: whole-table deletes skipped (FIN_CONFORMANCE_NO_WIPE)\n");
  else
    failed += _cmocka_run_group_tests("wipe", conf_wipe_tests, conf_wipe_count, NULL, NULL);
  fin_container_destroy(&C);
  return failed;
}
