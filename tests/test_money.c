/* Money and the ISO 4217 table (techcorp/money.h). */
#include <stdio.h>

#include "testutil.h"

/* lib/core/money.c: the table, for the sanity test. */
const char *tc__currency_at(size_t i, int *digits);

START_TEST(table_sane) {
  size_t n = 0;
  const char *prev = NULL;
  int digits;
  for (const char *code; (code = tc__currency_at(n, &digits)); n++) {
    ck_assert_uint_eq(strlen(code), 3);
    for (int i = 0; i < 3; i++) ck_assert(code[i] >= 'A' && code[i] <= 'Z');
    if (prev) ck_assert_msg(strcmp(prev, code) < 0, "%s before %s", prev, code);
    ck_assert(digits >= 0 && digits <= 4);
    ck_assert_int_eq(tc_currency_check(code), TC_OK);
    ck_assert_int_eq(tc_currency_digits(code), digits);
    prev = code;
  }
  ck_assert_uint_ge(n, 150);
  ck_assert_uint_le(n, 180);
}
END_TEST

START_TEST(digits) {
  struct {
    const char *code;
    int digits;
  } cases[] = {{"BRL", 2}, {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"JPY", 0},
               {"KRW", 0}, {"CLP", 0}, {"ISK", 0}, {"VND", 0}, {"KWD", 3},
               {"BHD", 3}, {"JOD", 3}, {"OMR", 3}, {"TND", 3}, {"CLF", 4},
               {"UYW", 4}, {"XOF", 0}, {"CHF", 2}, {"AED", 2}, {"ZWG", 2}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ck_assert_msg(tc_currency_digits(cases[i].code) == cases[i].digits, "%s",
                  cases[i].code);
    ck_assert_int_eq(tc_currency_check(cases[i].code), TC_OK);
  }
  const char *bad[] = {NULL,  "",    "brl", "Brl", "BR",  "BRLL",
                       "XXX", "XAU", "HRK", "AAA", "B1L", "BR\xc3"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_int_eq(tc_currency_check(bad[i]), TC_EINVAL);
    ck_assert_int_eq(tc_currency_digits(bad[i]), -1);
  }
}
END_TEST

START_TEST(make) {
  tc_money m = {99, "ZZZ"};
  ck_assert_int_eq(tc_money_make(&m, -1234, "BRL"), TC_OK);
  ck_assert_int_eq(m.amount, -1234);
  ck_assert_str_eq(m.currency, "BRL");
  ck_assert_int_eq(tc_money_make(&m, 5, "brl"), TC_EINVAL);
  ck_assert_int_eq(m.amount, -1234); /* untouched */
  ck_assert_int_eq(tc_money_make(NULL, 5, "BRL"), TC_EINVAL);
}
END_TEST

START_TEST(arithmetic_overflow) {
  tc_money max = {INT64_MAX, "USD"}, min = {INT64_MIN, "USD"};
  tc_money one = {1, "USD"}, neg = {-1, "USD"}, out = {42, "USD"};
  ck_assert_int_eq(tc_money_add(&out, &max, &one), TC_EOVERFLOW);
  ck_assert_int_eq(tc_money_sub(&out, &min, &one), TC_EOVERFLOW);
  ck_assert_int_eq(tc_money_sub(&out, &max, &neg), TC_EOVERFLOW);
  ck_assert_int_eq(tc_money_add(&out, &min, &neg), TC_EOVERFLOW);
  ck_assert_int_eq(tc_money_mul(&out, &min, -1), TC_EOVERFLOW);
  ck_assert_int_eq(tc_money_mul(&out, &max, 2), TC_EOVERFLOW);
  ck_assert_int_eq(out.amount, 42); /* never written on failure */
  ck_assert_int_eq(tc_money_add(&out, &max, &neg), TC_OK);
  ck_assert_int_eq(out.amount, INT64_MAX - 1);
  ck_assert_int_eq(tc_money_sub(&out, &min, &neg), TC_OK);
  ck_assert_int_eq(out.amount, INT64_MIN + 1);
  ck_assert_int_eq(tc_money_mul(&out, &max, -1), TC_OK);
  ck_assert_int_eq(out.amount, -INT64_MAX);
  tc_money price = {1999, "BRL"};
  ck_assert_int_eq(tc_money_mul(&out, &price, 3), TC_OK);
  ck_assert_int_eq(out.amount, 5997);
  ck_assert_str_eq(out.currency, "BRL");
  ck_assert_int_eq(tc_money_mul(&out, &price, 0), TC_OK);
  ck_assert_int_eq(out.amount, 0);
  /* The output may alias an input. */
  tc_money acc = {100, "EUR"}, step = {50, "EUR"};
  ck_assert_int_eq(tc_money_add(&acc, &acc, &step), TC_OK);
  ck_assert_int_eq(acc.amount, 150);
}
END_TEST

START_TEST(currency_mismatch) {
  tc_money brl = {100, "BRL"}, usd = {100, "USD"}, out = {7, "BRL"};
  tc_money junk;
  memset(&junk, 'A', sizeof(junk)); /* no NUL in the currency field */
  int cmp = 9;
  ck_assert_int_eq(tc_money_add(&out, &brl, &usd), TC_EINVAL);
  ck_assert_int_eq(tc_money_sub(&out, &brl, &usd), TC_EINVAL);
  ck_assert_int_eq(tc_money_cmp(&cmp, &brl, &usd), TC_EINVAL);
  ck_assert_int_eq(tc_money_add(&out, &brl, &junk), TC_EINVAL);
  ck_assert_int_eq(tc_money_mul(&out, &junk, 2), TC_EINVAL);
  tc_money unknown = {1, "ABC"};
  ck_assert_int_eq(tc_money_add(&out, &unknown, &unknown), TC_EINVAL);
  ck_assert_int_eq(tc_money_add(&out, NULL, &brl), TC_EINVAL);
  ck_assert_int_eq(tc_money_add(NULL, &brl, &brl), TC_EINVAL);
  ck_assert_int_eq(tc_money_cmp(NULL, &brl, &brl), TC_EINVAL);
  ck_assert_int_eq(out.amount, 7);
  ck_assert_int_eq(cmp, 9);
}
END_TEST

START_TEST(compare) {
  tc_money a = {100, "BRL"}, b = {250, "BRL"}, c = {INT64_MIN, "BRL"};
  int cmp = 0;
  ck_assert_int_eq(tc_money_cmp(&cmp, &a, &b), TC_OK);
  ck_assert_int_lt(cmp, 0);
  ck_assert_int_eq(tc_money_cmp(&cmp, &b, &a), TC_OK);
  ck_assert_int_gt(cmp, 0);
  ck_assert_int_eq(tc_money_cmp(&cmp, &a, &a), TC_OK);
  ck_assert_int_eq(cmp, 0);
  ck_assert_int_eq(tc_money_cmp(&cmp, &c, &a), TC_OK);
  ck_assert_int_lt(cmp, 0);
}
END_TEST

static void fmt_eq(int64_t amount, const char *cur, const char *want) {
  tc_money m = {amount, ""};
  snprintf(m.currency, sizeof(m.currency), "%s", cur);
  char buf[64];
  ck_assert_int_eq(tc_money_format(buf, sizeof(buf), &m), TC_OK);
  ck_assert_str_eq(buf, want);
}

START_TEST(format) {
  fmt_eq(1234, "BRL", "12.34 BRL");
  fmt_eq(-1234, "BRL", "-12.34 BRL");
  fmt_eq(5, "BRL", "0.05 BRL");
  fmt_eq(-5, "BRL", "-0.05 BRL");
  fmt_eq(0, "USD", "0.00 USD");
  fmt_eq(100, "USD", "1.00 USD");
  fmt_eq(1234, "JPY", "1234 JPY");
  fmt_eq(-7, "JPY", "-7 JPY");
  fmt_eq(0, "JPY", "0 JPY");
  fmt_eq(1234, "KWD", "1.234 KWD");
  fmt_eq(-1, "KWD", "-0.001 KWD");
  fmt_eq(12345, "CLF", "1.2345 CLF");
  fmt_eq(INT64_MAX, "USD", "92233720368547758.07 USD");
  fmt_eq(INT64_MIN, "USD", "-92233720368547758.08 USD");
  fmt_eq(INT64_MIN, "JPY", "-9223372036854775808 JPY");
}
END_TEST

START_TEST(format_errors) {
  tc_money m = {1234, "BRL"};
  char buf[16];
  /* "12.34 BRL" needs 10 bytes with its NUL. */
  memset(buf, 'x', sizeof(buf));
  ck_assert_int_eq(tc_money_format(buf, 9, &m), TC_EINVAL);
  ck_assert_str_eq(buf, "");
  ck_assert_int_eq(tc_money_format(buf, 10, &m), TC_OK);
  ck_assert_str_eq(buf, "12.34 BRL");
  buf[0] = 'x';
  ck_assert_int_eq(tc_money_format(buf, 0, &m), TC_EINVAL);
  ck_assert_int_eq(buf[0], 'x'); /* size 0: nothing written */
  tc_money bad = {1, "XYZ"};
  ck_assert_int_eq(tc_money_format(buf, sizeof(buf), &bad), TC_EINVAL);
  ck_assert_str_eq(buf, "");
  ck_assert_int_eq(tc_money_format(buf, sizeof(buf), NULL), TC_EINVAL);
  ck_assert_int_eq(tc_money_format(NULL, 10, &m), TC_EINVAL);
}
END_TEST

static void parse_ok(const char *text, const char *cur, int64_t want) {
  tc_money m = {0, ""};
  int rc = tc_money_parse(&m, text, cur);
  ck_assert_msg(rc == TC_OK, "'%s' %s: rc %d", text, cur, rc);
  ck_assert_msg(m.amount == want, "'%s' %s: %lld", text, cur,
                (long long)m.amount);
  ck_assert_str_eq(m.currency, cur);
}

static void parse_bad(const char *text, const char *cur, int code) {
  tc_money m = {77, "USD"};
  int rc = tc_money_parse(&m, text, cur);
  ck_assert_msg(rc == code, "'%s' %s: rc %d, want %d", text ? text : "NULL",
                cur ? cur : "NULL", rc, code);
  ck_assert_int_eq(m.amount, 77);
  ck_assert_str_eq(m.currency, "USD");
}

START_TEST(parse) {
  parse_ok("12.34", "BRL", 1234);
  parse_ok("12.3", "BRL", 1230);
  parse_ok("12", "BRL", 1200);
  parse_ok("0.05", "BRL", 5);
  parse_ok("-0.5", "BRL", -50);
  parse_ok("-0", "BRL", 0);
  parse_ok("0", "JPY", 0);
  parse_ok("007", "JPY", 7);
  parse_ok("100", "JPY", 100);
  parse_ok("1.234", "KWD", 1234);
  parse_ok("1.2345", "CLF", 12345);
  parse_ok("92233720368547758.07", "USD", INT64_MAX);
  parse_ok("-92233720368547758.08", "USD", INT64_MIN);
  parse_ok("9223372036854775807", "JPY", INT64_MAX);
  parse_ok("-9223372036854775808", "JPY", INT64_MIN);
}
END_TEST

START_TEST(parse_refused) {
  parse_bad("", "BRL", TC_EINVAL);
  parse_bad("1.", "BRL", TC_EINVAL);
  parse_bad(".5", "BRL", TC_EINVAL);
  parse_bad("-.5", "BRL", TC_EINVAL);
  parse_bad("-", "BRL", TC_EINVAL);
  parse_bad("1.234", "BRL", TC_EINVAL); /* more decimals than BRL has */
  parse_bad("1.0", "JPY", TC_EINVAL);
  parse_bad("1.2345", "KWD", TC_EINVAL);
  parse_bad("+1", "BRL", TC_EINVAL);
  parse_bad(" 1", "BRL", TC_EINVAL);
  parse_bad("1 ", "BRL", TC_EINVAL);
  parse_bad("1e3", "BRL", TC_EINVAL);
  parse_bad("1,50", "BRL", TC_EINVAL);
  parse_bad("1.2.3", "BRL", TC_EINVAL);
  parse_bad("--1", "BRL", TC_EINVAL);
  parse_bad("0x10", "BRL", TC_EINVAL);
  parse_bad("1.5 BRL", "BRL", TC_EINVAL);
  parse_bad("12", "XYZ", TC_EINVAL);
  parse_bad("12", NULL, TC_EINVAL);
  parse_bad(NULL, "BRL", TC_EINVAL);
  /* Out of range. */
  parse_bad("92233720368547758.08", "USD", TC_EOVERFLOW);
  parse_bad("-92233720368547758.09", "USD", TC_EOVERFLOW);
  parse_bad("9223372036854775808", "JPY", TC_EOVERFLOW);
  parse_bad("92233720368547759", "USD", TC_EOVERFLOW);
  parse_bad("99999999999999999999999999999999", "BRL", TC_EOVERFLOW);
  parse_bad("-99999999999999999999999999999999.99", "BRL", TC_EOVERFLOW);
  /* Bad syntax is reported as such even in a huge number. */
  parse_bad("99999999999999999999999999999999x", "BRL", TC_EINVAL);
  ck_assert_int_eq(tc_money_parse(NULL, "1", "BRL"), TC_EINVAL);
}
END_TEST

START_TEST(format_parse_round_trip) {
  const char *curs[] = {"BRL", "JPY", "KWD", "CLF"};
  int64_t amounts[] = {0,    1,         -1,        99,       100,
                       -100, 123456789, INT64_MAX, INT64_MIN};
  for (size_t c = 0; c < 4; c++) {
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
      tc_money m, back;
      char buf[64];
      ck_assert_int_eq(tc_money_make(&m, amounts[i], curs[c]), TC_OK);
      ck_assert_int_eq(tc_money_format(buf, sizeof(buf), &m), TC_OK);
      *strchr(buf, ' ') = '\0'; /* the number alone */
      ck_assert_int_eq(tc_money_parse(&back, buf, curs[c]), TC_OK);
      ck_assert_int_eq(back.amount, amounts[i]);
    }
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("money");
  TCase *tc = tcase_create("money");
  tcase_add_test(tc, table_sane);
  tcase_add_test(tc, digits);
  tcase_add_test(tc, make);
  tcase_add_test(tc, arithmetic_overflow);
  tcase_add_test(tc, currency_mismatch);
  tcase_add_test(tc, compare);
  tcase_add_test(tc, format);
  tcase_add_test(tc, format_errors);
  tcase_add_test(tc, parse);
  tcase_add_test(tc, parse_refused);
  tcase_add_test(tc, format_parse_round_trip);
  suite_add_tcase(s, tc);
  return tt_run(s);
}
