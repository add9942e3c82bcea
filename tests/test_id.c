/* UUIDv7 ids (techcorp/id.h). The sequence state is per process; Check
 * runs each test in its own process, and the tests below also use growing
 * times in file order so they hold with CK_FORK=no too. */
#include <pthread.h>
#include <stdio.h>

#include "testutil.h"

/* A random source that repeats one byte. */
static void fill_byte(void *self, void *buf, size_t n) {
  memset(buf, *(unsigned char *)self, n);
}

static tc_random byte_random(unsigned char *b) {
  tc_random r = {TC_RANDOM_VERSION, b, fill_byte};
  return r;
}

static void assert_shape(const char *s) {
  ck_assert_uint_eq(strlen(s), 36);
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      ck_assert_int_eq(s[i], '-');
    else
      ck_assert_msg(strchr("0123456789abcdef", s[i]) != NULL, "char %d of %s",
                    i, s);
  }
  ck_assert_int_eq(s[14], '7');
  ck_assert_ptr_nonnull(strchr("89ab", s[19]));
  ck_assert_int_eq(tc_id_check(s), TC_OK);
}

START_TEST(known_bits) {
  unsigned char zero = 0x00, ones = 0xff;
  tc_random r0 = byte_random(&zero), r1 = byte_random(&ones);
  tc_id id;
  /* The example time of the header; a fresh millisecond with an all-zero
   * random source starts its sequence at 0. */
  tc_id_generate(&id, 0x0190c9e28a6b, &r0);
  ck_assert_str_eq(id.str, "0190c9e2-8a6b-7000-8000-000000000000");
  tc_id_generate(&id, 0x0190c9e28a6c, &r1);
  ck_assert_str_eq(id.str, "0190c9e2-8a6c-77ff-bfff-ffffffffffff");
  assert_shape(id.str);
  ck_assert_int_eq(tc_id_time_ms(id.str), 0x0190c9e28a6c);
}
END_TEST

START_TEST(default_random) {
  tc_id a, b;
  tc_id_generate(&a, 1700000000000, NULL);
  tc_id_generate(&b, 1700000000000, NULL);
  assert_shape(a.str);
  assert_shape(b.str);
  ck_assert_str_ne(a.str, b.str);
  ck_assert_int_lt(strcmp(a.str, b.str), 0);
  /* 62 random bits: two ids differ past the sequence too (by chance
   * equal with probability 2^-62). */
  ck_assert_str_ne(a.str + 19, b.str + 19);
}
END_TEST

START_TEST(check_rejects) {
  const char *good = "0190c9e2-8a6b-7c3d-9e4f-0123456789ab";
  ck_assert_int_eq(tc_id_check(good), TC_OK);
  const char *bad[] = {
      NULL,
      "",
      "0190C9E2-8A6B-7C3D-9E4F-0123456789AB",  /* upper case */
      "0190c9e2-8a6b-7c3d-9e4f-0123456789aB",  /* one upper */
      "0190c9e2-8a6b-7c3d-9e4f-0123456789a",   /* short */
      "0190c9e2-8a6b-7c3d-9e4f-0123456789abc", /* long */
      "0190c9e2-8a6b-4c3d-9e4f-0123456789ab",  /* version 4 */
      "0190c9e2-8a6b-7c3d-ce4f-0123456789ab",  /* variant 110 */
      "0190c9e2-8a6b-7c3d-7e4f-0123456789ab",  /* variant 0 */
      "0190c9e28-a6b-7c3d-9e4f-0123456789ab",  /* hyphen moved */
      "0190c9e2-8a6b-7c3d-9e4f+0123456789ab",  /* not a hyphen */
      "0190c9e2-8a6b-7c3d-9e4f-0123456789ag",  /* not hex */
      "{190c9e2-8a6b-7c3d-9e4f-0123456789ab}",
      "garbage",
      "0190c9e28a6b7c3d9e4f0123456789ab", /* no hyphens */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_msg(tc_id_check(bad[i]) == TC_EINVAL, "accepted %s",
                  bad[i] ? bad[i] : "NULL");
    ck_assert_int_eq(tc_id_time_ms(bad[i]), -1);
  }
  /* Text with a NUL in the middle is short. */
  char nul[37];
  memcpy(nul, good, 37);
  nul[20] = '\0';
  ck_assert_int_eq(tc_id_check(nul), TC_EINVAL);
}
END_TEST

START_TEST(time_extraction) {
  int64_t times[] = {1750000001000, 1750000002345, 1800000000000};
  for (size_t i = 0; i < 3; i++) {
    tc_id id;
    tc_id_generate(&id, times[i], NULL);
    ck_assert_int_eq(tc_id_time_ms(id.str), times[i]);
  }
  ck_assert_int_eq(tc_id_time_ms("0190c9e2-8a6b-7c3d-9e4f-0123456789ab"),
                   0x0190c9e28a6b);
  ck_assert_int_eq(tc_id_time_ms("ffffffff-ffff-7fff-bfff-ffffffffffff"),
                   0xffffffffffff);
}
END_TEST

START_TEST(same_ms_strictly_increasing) {
  enum { N = 100000 };
  const int64_t ms = 1900000000000;
  char(*ids)[TC_ID_STRLEN + 1] = malloc(N * sizeof(*ids));
  ck_assert_ptr_nonnull(ids);
  int unordered = 0;
  for (int i = 0; i < N; i++) {
    tc_id id;
    tc_id_generate(&id, ms, NULL);
    memcpy(ids[i], id.str, sizeof(id.str));
    if (i > 0 && strcmp(ids[i - 1], ids[i]) >= 0) unordered++;
  }
  ck_assert_int_eq(unordered, 0);
  /* The first is in the clock's millisecond; once 4096 per ms are used
   * up, the stamp runs ahead instead of breaking the order. */
  ck_assert_int_eq(tc_id_time_ms(ids[0]), ms);
  ck_assert_int_ge(tc_id_time_ms(ids[N - 1]), ms);
  assert_shape(ids[N - 1]);
  free(ids);
}
END_TEST

START_TEST(clock_backwards_keeps_order) {
  tc_id a, b, c;
  tc_id_generate(&a, 2000000005000, NULL);
  tc_id_generate(&b, 2000000004000, NULL); /* the clock stepped back */
  tc_id_generate(&c, 2000000006000, NULL);
  ck_assert_int_lt(strcmp(a.str, b.str), 0);
  ck_assert_int_lt(strcmp(b.str, c.str), 0);
  ck_assert_int_eq(tc_id_time_ms(b.str), 2000000005000);
  ck_assert_int_eq(tc_id_time_ms(c.str), 2000000006000);
}
END_TEST

#define THREADS 4
#define PER_THREAD 20000

typedef struct gen {
  char (*ids)[TC_ID_STRLEN + 1];
  int unordered; /* ids not above the previous one of the same thread */
} gen;

static void *gen_worker(void *arg) {
  gen *g = arg;
  for (int i = 0; i < PER_THREAD; i++) {
    tc_id id;
    tc_id_generate(&id, 2100000000000, NULL);
    memcpy(g->ids[i], id.str, sizeof(id.str));
    if (i > 0 && strcmp(g->ids[i - 1], g->ids[i]) >= 0) g->unordered++;
  }
  return NULL;
}

static int cmp_id(const void *a, const void *b) {
  return strcmp(a, b);
}

START_TEST(threads_unique) {
  char(*all)[TC_ID_STRLEN + 1] = malloc(THREADS * PER_THREAD * sizeof(*all));
  ck_assert_ptr_nonnull(all);
  pthread_t th[THREADS];
  gen g[THREADS];
  for (int i = 0; i < THREADS; i++) {
    g[i] = (gen){all + i * PER_THREAD, 0};
    ck_assert_int_eq(pthread_create(&th[i], NULL, gen_worker, &g[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    ck_assert_int_eq(g[i].unordered, 0);
  }
  qsort(all, THREADS * PER_THREAD, sizeof(*all), cmp_id);
  int dups = 0;
  for (int i = 1; i < THREADS * PER_THREAD; i++)
    if (strcmp(all[i - 1], all[i]) == 0) dups++;
  ck_assert_int_eq(dups, 0);
  free(all);
}
END_TEST

START_TEST(from_context) {
  tt_clock clk;
  tt_clock_init(&clk, 2200000000000);
  char dir[256];
  tc_ctx *ctx = tt_ctx_new(dir, sizeof(dir), &clk);
  tc_id a, b;
  ck_assert_int_eq(tc_id_new(&a, ctx), TC_OK);
  clk.now += 1;
  ck_assert_int_eq(tc_id_new(&b, ctx), TC_OK);
  assert_shape(a.str);
  ck_assert_int_eq(tc_id_time_ms(a.str), 2200000000000);
  ck_assert_int_eq(tc_id_time_ms(b.str), 2200000000001);
  ck_assert_int_eq(tc_id_new(NULL, ctx), TC_EINVAL);
  tt_ctx_free(ctx, dir);
}
END_TEST

int main(void) {
  Suite *s = suite_create("id");
  TCase *tc = tcase_create("uuid7");
  tcase_add_test(tc, known_bits);
  tcase_add_test(tc, default_random);
  tcase_add_test(tc, check_rejects);
  tcase_add_test(tc, time_extraction);
  tcase_add_test(tc, same_ms_strictly_increasing);
  tcase_add_test(tc, clock_backwards_keeps_order);
  tcase_add_test(tc, threads_unique);
  tcase_add_test(tc, from_context);
  suite_add_tcase(s, tc);
  return tt_run(s);
}
