/* Money in integer minor units and the ISO 4217 currency table. */
#include <stdio.h>

#include "internal.h"

typedef struct currency {
  char code[4];
  int digits;
} currency;

/* Active ISO 4217 codes with their minor-unit digits (list one, 2024/2025),
 * sorted by code for binary search. Codes whose minor unit is "N.A."
 * (precious metals, XDR, XXX...) are left out: they cannot be amounts of
 * minor units. ANG stays beside its successor XCG while both circulate. */
static const currency currencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2},
    {"ARS", 2}, {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2},
    {"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2},
    {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2},
    {"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2},
    {"CHW", 2}, {"CLF", 4}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2},
    {"CRC", 2}, {"CUC", 2}, {"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0},
    {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2},
    {"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2},
    {"GIP", 2}, {"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2},
    {"HNL", 2}, {"HTG", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2},
    {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0},
    {"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0},
    {"KWD", 3}, {"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2},
    {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2}, {"MDL", 2}, {"MGA", 2},
    {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2},
    {"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2},
    {"NAD", 2}, {"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2},
    {"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2}, {"PKR", 2},
    {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2},
    {"RWF", 0}, {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2},
    {"SGD", 2}, {"SHP", 2}, {"SLE", 2}, {"SLL", 2}, {"SOS", 2}, {"SRD", 2},
    {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2},
    {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2},
    {"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"USN", 2},
    {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2}, {"VED", 2}, {"VES", 2},
    {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2},
    {"XOF", 0}, {"XPF", 0}, {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

#define NCURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

/* For the test of the table itself: the code at index i, NULL past the end
 * (digits in *digits when not NULL). Not part of any header on purpose. */
const char *tc__currency_at(size_t i, int *digits);
const char *tc__currency_at(size_t i, int *digits) {
  if (i >= NCURRENCIES) return NULL;
  if (digits) *digits = currencies[i].digits;
  return currencies[i].code;
}

static const currency *lookup(const char *code) {
  if (!code) return NULL;
  for (int i = 0; i < 3; i++)
    if (code[i] < 'A' || code[i] > 'Z') return NULL; /* also an early NUL */
  if (code[3] != '\0') return NULL;
  size_t lo = 0, hi = NCURRENCIES;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = memcmp(code, currencies[mid].code, 3);
    if (c == 0) return &currencies[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

/* The currency of a money value, which may come from anywhere: the field
 * is read only within its 4 bytes. */
static const currency *money_currency(const tc_money *m) {
  if (!m || memchr(m->currency, '\0', sizeof(m->currency)) == NULL) return NULL;
  return lookup(m->currency);
}

int tc_currency_check(const char *code) {
  return lookup(code) ? TC_OK : TC_EINVAL;
}

int tc_currency_digits(const char *code) {
  const currency *c = lookup(code);
  return c ? c->digits : -1;
}

int tc_money_make(tc_money *out, int64_t amount, const char *currency_code) {
  const currency *c = lookup(currency_code);
  if (!out || !c) return TC_EINVAL;
  out->amount = amount;
  memcpy(out->currency, c->code, sizeof(out->currency));
  return TC_OK;
}

/* Both known and the same currency. */
static const currency *same_currency(const tc_money *a, const tc_money *b) {
  const currency *ca = money_currency(a), *cb = money_currency(b);
  return ca && ca == cb ? ca : NULL;
}

int tc_money_add(tc_money *out, const tc_money *a, const tc_money *b) {
  const currency *c = same_currency(a, b);
  if (!out || !c) return TC_EINVAL;
  int64_t r;
  if (__builtin_add_overflow(a->amount, b->amount, &r)) return TC_EOVERFLOW;
  out->amount = r;
  memcpy(out->currency, c->code, sizeof(out->currency));
  return TC_OK;
}

int tc_money_sub(tc_money *out, const tc_money *a, const tc_money *b) {
  const currency *c = same_currency(a, b);
  if (!out || !c) return TC_EINVAL;
  int64_t r;
  if (__builtin_sub_overflow(a->amount, b->amount, &r)) return TC_EOVERFLOW;
  out->amount = r;
  memcpy(out->currency, c->code, sizeof(out->currency));
  return TC_OK;
}

int tc_money_mul(tc_money *out, const tc_money *a, int64_t factor) {
  const currency *c = money_currency(a);
  if (!out || !c) return TC_EINVAL;
  int64_t r;
  if (__builtin_mul_overflow(a->amount, factor, &r)) return TC_EOVERFLOW;
  out->amount = r;
  memcpy(out->currency, c->code, sizeof(out->currency));
  return TC_OK;
}

int tc_money_cmp(int *cmp, const tc_money *a, const tc_money *b) {
  if (!cmp || !same_currency(a, b)) return TC_EINVAL;
  *cmp = (a->amount > b->amount) - (a->amount < b->amount);
  return TC_OK;
}

static const uint64_t pow10_table[] = {1, 10, 100, 1000, 10000};

int tc_money_format(char *buf, size_t size, const tc_money *m) {
  if (!buf) return TC_EINVAL;
  if (size > 0) buf[0] = '\0';
  const currency *c = money_currency(m);
  if (!c) return TC_EINVAL;
  /* The magnitude as unsigned, so INT64_MIN needs no special case. */
  uint64_t mag = m->amount < 0 ? 0 - (uint64_t)m->amount : (uint64_t)m->amount;
  uint64_t scale = pow10_table[c->digits];
  char tmp[64];
  int n;
  if (c->digits == 0)
    n = snprintf(tmp, sizeof(tmp), "%s%llu %s", m->amount < 0 ? "-" : "",
                 (unsigned long long)mag, c->code);
  else
    n = snprintf(tmp, sizeof(tmp), "%s%llu.%0*llu %s", m->amount < 0 ? "-" : "",
                 (unsigned long long)(mag / scale), c->digits,
                 (unsigned long long)(mag % scale), c->code);
  if (n < 0 || (size_t)n >= size) return TC_EINVAL;
  memcpy(buf, tmp, (size_t)n + 1);
  return TC_OK;
}

int tc_money_parse(tc_money *out, const char *text, const char *currency_code) {
  const currency *c = lookup(currency_code);
  if (!out || !text || !c) return TC_EINVAL;
  const char *p = text;
  int negative = 0;
  if (*p == '-') {
    negative = 1;
    p++;
  }
  /* digits [ '.' digits ]: at least one digit on each side of a point. */
  if (*p < '0' || *p > '9') return TC_EINVAL;
  uint64_t mag = 0;
  int overflow = 0;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (__builtin_mul_overflow(mag, 10u, &mag) ||
        __builtin_add_overflow(mag, (uint64_t)(*p - '0'), &mag))
      overflow = 1; /* keep scanning: bad syntax wins over overflow */
  }
  int decimals = 0;
  uint64_t frac = 0;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9') return TC_EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
      if (++decimals > c->digits) return TC_EINVAL;
      frac = frac * 10 + (uint64_t)(*p - '0');
    }
  }
  if (*p != '\0') return TC_EINVAL;
  if (overflow) return TC_EOVERFLOW;
  for (int i = decimals; i < c->digits; i++) frac *= 10;
  uint64_t scale = pow10_table[c->digits];
  if (__builtin_mul_overflow(mag, scale, &mag) ||
      __builtin_add_overflow(mag, frac, &mag))
    return TC_EOVERFLOW;
  /* Negative amounts reach one further than positive ones (INT64_MIN). */
  uint64_t limit = (uint64_t)INT64_MAX + (negative ? 1u : 0u);
  if (mag > limit) return TC_EOVERFLOW;
  out->amount = negative ? (int64_t)(0 - mag) : (int64_t)mag;
  memcpy(out->currency, c->code, sizeof(out->currency));
  return TC_OK;
}
