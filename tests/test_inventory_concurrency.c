/*
 * tests/test_inventory_concurrency.c - no oversell, ever: many threads
 * (each with its own context) and many processes reserving the same SKU on
 * one SQLite file; a sweep raced by several processes; and a hammer mixing
 * reserve, confirm, release, adjust and sweep, after which the invariants
 * (ledger = levels, on_hand >= reserved >= 0) must hold.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_inventory_fixture.h"

static char dir[4096];
static tc_ctx *ctx;

static void setup(void) {
  ctx = tt_ctx_new(dir, sizeof(dir), NULL);
  ti_setup(ctx);
}

static void teardown(void) {
  tt_ctx_free(ctx, dir);
  ctx = NULL;
}

static void assert_verified(void) {
  size_t problems = 99;
  int rc = tc_inventory_verify(ctx, tt_sys(), &problems);
  ck_assert_msg(rc == TC_OK, "verify: %s", tc_errmsg(ctx));
  ck_assert_uint_eq(problems, 0);
}

/* ---- threads ---------------------------------------------------------- */

#define NTHREADS 12
#define KUNITS 5

typedef struct {
  int index;
  int rc;
} racer;

static pthread_barrier_t start_line;

static void *race_one(void *arg) {
  racer *r = arg;
  tc_ctx *c = ti_ctx_on(dir, NULL, NULL);
  char key[32];
  snprintf(key, sizeof(key), "t-%d", r->index);
  tc_inventory_line l = {"SKU-A", 1};
  tc_reservation *res = NULL;
  pthread_barrier_wait(&start_line);
  r->rc = tc_inventory_reserve(&res, c, tt_sys(), key, key, &l, 1, 0);
  tc_inventory_reservation_free(c, res);
  ti_ctx_close(c);
  return NULL;
}

START_TEST(threads_never_oversell) {
  /* K units spread over both warehouses */
  ti_stock(ctx, "SKU-A", "SP", 2);
  ti_stock(ctx, "SKU-A", "RJ", KUNITS - 2);
  pthread_t th[NTHREADS];
  racer rs[NTHREADS];
  pthread_barrier_init(&start_line, NULL, NTHREADS);
  for (int i = 0; i < NTHREADS; i++) {
    rs[i].index = i;
    rs[i].rc = 99;
    ck_assert_int_eq(pthread_create(&th[i], NULL, race_one, &rs[i]), 0);
  }
  int ok = 0, short_ = 0;
  for (int i = 0; i < NTHREADS; i++) {
    pthread_join(th[i], NULL);
    if (rs[i].rc == TC_OK)
      ok++;
    else if (rs[i].rc == TC_EINSUFFICIENT)
      short_++;
    else
      ck_abort_msg("thread %d: %s", i, tc_strerror(rs[i].rc));
  }
  pthread_barrier_destroy(&start_line);
  ck_assert_int_eq(ok, KUNITS); /* min(N, K) */
  ck_assert_int_eq(short_, NTHREADS - KUNITS);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").reserved, 2);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "RJ").reserved, KUNITS - 2);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 0);
  assert_verified();
}
END_TEST

START_TEST(threads_fewer_than_stock) {
  /* N < K: every one of them gets its unit */
  ti_stock(ctx, "SKU-A", "SP", 100);
  pthread_t th[NTHREADS];
  racer rs[NTHREADS];
  pthread_barrier_init(&start_line, NULL, NTHREADS);
  for (int i = 0; i < NTHREADS; i++) {
    rs[i].index = i;
    ck_assert_int_eq(pthread_create(&th[i], NULL, race_one, &rs[i]), 0);
  }
  for (int i = 0; i < NTHREADS; i++) {
    pthread_join(th[i], NULL);
    ck_assert_int_eq(rs[i].rc, TC_OK);
  }
  pthread_barrier_destroy(&start_line);
  ck_assert_int_eq(ti_available(ctx, "SKU-A"), 100 - NTHREADS);
  assert_verified();
}
END_TEST

/* ---- processes --------------------------------------------------------- */

#define NPROCS 6
#define KPROC 3

/* In a child: its own store and context on the same file. Exit 0 when the
 * reservation was made, 1 when short of stock, 2 on anything else. */
static void child_reserve(int i, int go_fd) {
  char b;
  tc_ctx *c = ti_ctx_on(dir, NULL, NULL);
  if (read(go_fd, &b, 1) != 1) _exit(3);
  char key[32];
  snprintf(key, sizeof(key), "p-%d", i);
  tc_inventory_line l = {"SKU-A", 1};
  tc_reservation *res = NULL;
  int rc = tc_inventory_reserve(&res, c, tt_sys(), key, key, &l, 1, 0);
  tc_inventory_reservation_free(c, res);
  ti_ctx_close(c);
  _exit(rc == TC_OK ? 0 : rc == TC_EINSUFFICIENT ? 1 : 2);
}

START_TEST(processes_never_oversell) {
  ti_stock(ctx, "SKU-A", "RJ", KPROC);
  int go[2];
  ck_assert_int_eq(pipe(go), 0);
  pid_t pids[NPROCS];
  for (int i = 0; i < NPROCS; i++) {
    pids[i] = fork();
    ck_assert_int_ge(pids[i], 0);
    if (pids[i] == 0) {
      close(go[1]);
      child_reserve(i, go[0]);
    }
  }
  close(go[0]);
  /* let them all go at once */
  char bytes[NPROCS];
  memset(bytes, 'g', sizeof(bytes));
  ck_assert_int_eq(write(go[1], bytes, sizeof(bytes)), NPROCS);
  close(go[1]);
  int ok = 0, short_ = 0;
  for (int i = 0; i < NPROCS; i++) {
    int st = 0;
    ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
    ck_assert(WIFEXITED(st));
    if (WEXITSTATUS(st) == 0)
      ok++;
    else if (WEXITSTATUS(st) == 1)
      short_++;
    else
      ck_abort_msg("child %d exited %d", i, WEXITSTATUS(st));
  }
  ck_assert_int_eq(ok, KPROC);
  ck_assert_int_eq(short_, NPROCS - KPROC);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "RJ").reserved, KPROC);
  assert_verified();
}
END_TEST

/* Several processes sweep the same expired reservations: each one is
 * expired exactly once (the counts add up to the number due). */
START_TEST(processes_sweep_once) {
  ti_stock(ctx, "SKU-A", "SP", 50);
  for (int i = 0; i < 30; i++) {
    char key[16];
    snprintf(key, sizeof(key), "s-%d", i);
    tc_inventory_line l = {"SKU-A", 1};
    tc_reservation *r = NULL;
    ck_assert_int_eq(
        tc_inventory_reserve(&r, ctx, tt_sys(), key, key, &l, 1, 1000), TC_OK);
    tc_inventory_reservation_free(ctx, r);
  }
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  pid_t pids[4];
  int64_t later = tc_ctx_now_ms(ctx) + 3600 * 1000;
  for (int i = 0; i < 4; i++) {
    pids[i] = fork();
    ck_assert_int_ge(pids[i], 0);
    if (pids[i] == 0) {
      close(fds[0]);
      tc_ctx *c = ti_ctx_on(dir, NULL, NULL);
      size_t total = 0, n = 0;
      int rc;
      do {
        rc = tc_inventory_sweep(c, later, 3, &n);
        total += n;
      } while (rc == TC_OK && n > 0);
      ti_ctx_close(c);
      unsigned char t = (unsigned char)total;
      if (write(fds[1], &t, 1) != 1) _exit(3);
      _exit(rc == TC_OK ? 0 : 2);
    }
  }
  close(fds[1]);
  int sum = 0;
  for (int i = 0; i < 4; i++) {
    int st = 0;
    unsigned char t = 0;
    ck_assert_int_eq(read(fds[0], &t, 1), 1);
    sum += t;
    ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  close(fds[0]);
  ck_assert_int_eq(sum, 30);
  ck_assert_int_eq(ti_level_of(ctx, "SKU-A", "SP").reserved, 0);
  assert_verified();
}
END_TEST

/* ---- hammer ------------------------------------------------------------ */

#define HTHREADS 6
#define HOPS 80

typedef struct {
  int index;
  int bad; /* unexpected results */
  char why[256];
} hammer_t;

static void *hammer_one(void *arg) {
  hammer_t *h = arg;
  tc_ctx *c = ti_ctx_on(dir, NULL, NULL);
  uint32_t seed = (uint32_t)h->index * 2654435761u + 1;
  char held[HOPS][TC_ID_STRLEN + 1];
  int nheld = 0;
  const char *skus[] = {"SKU-A", "SKU-B"};
  const char *whs[] = {"SP", "RJ"};
  for (int op = 0; op < HOPS; op++) {
    seed = seed * 1103515245u + 12345u;
    uint32_t pick = (seed >> 16) % 10;
    int rc;
    if (pick < 4) { /* reserve 1..3 of one or both SKUs */
      tc_inventory_line l[2] = {{skus[seed % 2], 1 + (seed >> 8) % 3},
                                {skus[(seed + 1) % 2], 1}};
      char key[48];
      snprintf(key, sizeof(key), "h-%d-%d", h->index, op);
      tc_reservation *r = NULL;
      rc = tc_inventory_reserve(&r, c, tt_sys(), key, key, l,
                                1 + (seed >> 4) % 2, (seed >> 12) % 2 ? 0 : 1);
      if (rc == TC_OK) memcpy(held[nheld++], r->id, TC_ID_STRLEN + 1);
      tc_inventory_reservation_free(c, r);
      if (rc != TC_OK && rc != TC_EINSUFFICIENT) goto bad;
    } else if (pick < 6 && nheld) { /* confirm one */
      rc = tc_inventory_confirm(c, tt_sys(), held[--nheld]);
      if (rc != TC_OK && rc != TC_EEXPIRED) goto bad;
    } else if (pick < 7 && nheld) { /* release one */
      rc = tc_inventory_release(c, tt_sys(), held[--nheld]);
      if (rc != TC_OK) goto bad;
    } else if (pick < 9) { /* receive or take away stock */
      int64_t delta = (seed >> 5) % 3 ? 2 : -1;
      rc = tc_inventory_adjust(
          NULL, c, tt_sys(), skus[(seed >> 3) % 2], whs[(seed >> 7) % 2], delta,
          delta > 0 ? TC_STOCK_RECEIPT : TC_STOCK_ADJUSTMENT, "hammer", NULL);
      if (rc != TC_OK && rc != TC_EINSUFFICIENT) goto bad;
    } else { /* sweep whatever is due (1 ms TTLs are) */
      size_t n = 0;
      rc = tc_inventory_sweep(c, tc_ctx_now_ms(c) + 10, 20, &n);
      if (rc != TC_OK) goto bad;
    }
    continue;
  bad:
    h->bad++;
    snprintf(h->why, sizeof(h->why), "op %d: %s (%s)", op, tc_strerror(rc),
             tc_errmsg(c));
  }
  ti_ctx_close(c);
  return NULL;
}

START_TEST(hammer_keeps_invariants) {
  ti_stock(ctx, "SKU-A", "SP", 10);
  ti_stock(ctx, "SKU-A", "RJ", 10);
  ti_stock(ctx, "SKU-B", "RJ", 8);
  pthread_t th[HTHREADS];
  hammer_t hs[HTHREADS];
  for (int i = 0; i < HTHREADS; i++) {
    memset(&hs[i], 0, sizeof(hs[i]));
    hs[i].index = i;
    ck_assert_int_eq(pthread_create(&th[i], NULL, hammer_one, &hs[i]), 0);
  }
  for (int i = 0; i < HTHREADS; i++) {
    pthread_join(th[i], NULL);
    ck_assert_msg(hs[i].bad == 0, "thread %d: %d bad, last %s", i, hs[i].bad,
                  hs[i].why);
  }
  assert_verified();
  const char *skus[] = {"SKU-A", "SKU-B"}, *whs[] = {"SP", "RJ"};
  for (int s = 0; s < 2; s++)
    for (int w = 0; w < 2; w++) {
      ti_level l = ti_level_of(ctx, skus[s], whs[w]);
      ck_assert_int_ge(l.reserved, 0);
      ck_assert_int_ge(l.on_hand, l.reserved);
    }
  /* after the last sweep nothing is held by an expired reservation */
  size_t n = 0;
  ck_assert_int_eq(
      tc_inventory_sweep(ctx, tc_ctx_now_ms(ctx) + 3600000, 10000, &n), TC_OK);
  assert_verified();
}
END_TEST

static Suite *concurrency_suite(void) {
  Suite *s = suite_create("inventory_concurrency");
  TCase *tc = tcase_create("no_oversell");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, threads_never_oversell);
  tcase_add_test(tc, threads_fewer_than_stock);
  tcase_add_test(tc, processes_never_oversell);
  tcase_add_test(tc, processes_sweep_once);
  tcase_add_test(tc, hammer_keeps_invariants);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tt_run(concurrency_suite());
}
