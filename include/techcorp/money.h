/*
 * techcorp/money.h - money as integer minor units with an ISO 4217 currency.
 *
 * Amounts are never floating point: 12.34 BRL is {1234, "BRL"}. Arithmetic
 * refuses to mix currencies (TC_EINVAL) and to overflow (TC_EOVERFLOW);
 * on any error *out is left untouched.
 *
 * Thread rules: pure functions over constant tables, safe from any thread.
 */
#ifndef TECHCORP_MONEY_H
#define TECHCORP_MONEY_H

#include "common.h"

TC_BEGIN_DECL

/** An amount of one currency. A value struct. */
typedef struct tc_money {
  int64_t amount;   /**< minor units (cents); may be negative */
  char currency[4]; /**< ISO 4217 alphabetic code, upper case, NUL-ended */
} tc_money;

/**
 * TC_OK when code is an active ISO 4217 currency ("BRL", "USD", "JPY"...),
 * TC_EINVAL otherwise (NULL, lower case, unknown, wrong length).
 */
TC_EXTERN int tc_currency_check(const char *code);

/** Digits after the decimal point of code (2 for BRL, 0 for JPY, 3 for
 *  KWD), or -1 for an unknown currency. */
TC_EXTERN int tc_currency_digits(const char *code);

/** Set *out to amount of currency; TC_EINVAL for an unknown currency. */
TC_EXTERN int tc_money_make(tc_money *out, int64_t amount,
                            const char *currency);

/** *out = a + b. TC_EINVAL when currencies differ, TC_EOVERFLOW. */
TC_EXTERN int tc_money_add(tc_money *out, const tc_money *a, const tc_money *b);

/** *out = a - b. TC_EINVAL when currencies differ, TC_EOVERFLOW. */
TC_EXTERN int tc_money_sub(tc_money *out, const tc_money *a, const tc_money *b);

/** *out = a * factor (a quantity). TC_EOVERFLOW when it does not fit. */
TC_EXTERN int tc_money_mul(tc_money *out, const tc_money *a, int64_t factor);

/** Compare amounts of the same currency: <0, 0, >0 in *cmp; TC_EINVAL
 *  when currencies differ. */
TC_EXTERN int tc_money_cmp(int *cmp, const tc_money *a, const tc_money *b);

/**
 * Write "12.34 BRL" (the currency's own number of decimals, '-' first when
 * negative) into buf of size bytes. TC_EINVAL when buf is too small or the
 * currency unknown; buf is then "" (if size > 0).
 */
TC_EXTERN int tc_money_format(char *buf, size_t size, const tc_money *m);

/**
 * Parse a decimal text ("12.34", "-0.5", "100") in currency into minor
 * units. More decimals than the currency has, a missing digit, spaces,
 * exponents and out-of-range values are refused (TC_EINVAL/TC_EOVERFLOW).
 */
TC_EXTERN int tc_money_parse(tc_money *out, const char *text,
                             const char *currency);

TC_END_DECL

#endif
