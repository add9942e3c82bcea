/* Time-ordered ids: UUIDv7 (RFC 9562) with a per-process sequence. */
#include <stdatomic.h>

#include "internal.h"

/* The last (millisecond << 12 | sequence) handed out by this process. The
 * 12-bit rand_a field carries a sequence so that ids made in the same
 * millisecond still sort in the order they were made (RFC 9562 section
 * 6.2, method 1). One word updated by compare-and-swap keeps it lock-free
 * and correct across threads. */
static _Atomic uint64_t last_stamp;

#define TS_MAX ((int64_t)0xffffffffffff) /* 48 bits of milliseconds */
#define SEQ_BITS 12
#define SEQ_MASK ((uint64_t)0xfff)

/* The next stamp after the last one for a clock reading of now_ms. A new
 * millisecond starts its sequence at seed (< 2048, leaving room to count up);
 * within the same millisecond, or when the clock went backwards, the
 * sequence counts on from the last stamp, spilling into the next
 * millisecond when it runs out, so order always holds. */
static uint64_t next_stamp(int64_t now_ms, uint64_t seed) {
  if (now_ms < 0) now_ms = 0;
  if (now_ms > TS_MAX) now_ms = TS_MAX;
  uint64_t fresh = ((uint64_t)now_ms << SEQ_BITS) | seed;
  uint64_t old = atomic_load(&last_stamp);
  uint64_t next;
  do {
    if ((uint64_t)now_ms > (old >> SEQ_BITS))
      next = fresh;
    else
      next = old + 1;
    /* At the end of the 48-bit range, stay there rather than wrap. */
    if ((next >> SEQ_BITS) > (uint64_t)TS_MAX) next = old;
  } while (!atomic_compare_exchange_weak(&last_stamp, &old, next));
  return next;
}

static const char hex[] = "0123456789abcdef";

void tc__uuid7(char out[TC_ID_STRLEN + 1], int64_t now_ms,
               const tc_random *random) {
  if (!random || !random->fill) random = &tc__sodium_random;
  unsigned char rnd[10];
  random->fill(random->self, rnd, sizeof(rnd));
  uint64_t seed = ((uint64_t)(rnd[8] & 0x07) << 8) | rnd[9];
  uint64_t stamp = next_stamp(now_ms, seed);
  uint64_t ms = stamp >> SEQ_BITS;
  uint64_t seq = stamp & SEQ_MASK;

  unsigned char b[16];
  for (int i = 0; i < 6; i++) b[i] = (unsigned char)(ms >> (8 * (5 - i)));
  b[6] = (unsigned char)(0x70 | (seq >> 8)); /* version 7 */
  b[7] = (unsigned char)(seq & 0xff);
  b[8] = (unsigned char)(0x80 | (rnd[0] & 0x3f)); /* variant 10 */
  memcpy(b + 9, rnd + 1, 7);                      /* 62 random bits */

  size_t o = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = hex[b[i] >> 4];
    out[o++] = hex[b[i] & 0x0f];
  }
  out[o] = '\0';
}

void tc_id_generate(tc_id *out, int64_t now_ms, const tc_random *random) {
  if (!out) return;
  tc__uuid7(out->str, now_ms, random);
}

int tc_id_new(tc_id *out, tc_ctx *ctx) {
  if (!out) return TC_EINVAL;
  if (!ctx) {
    tc__uuid7(out->str, tc__system_clock.now_ms(NULL), NULL);
    return TC_OK;
  }
  tc__uuid7(out->str, tc__now_ms(ctx), &ctx->random);
  return TC_OK;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int tc_id_check(const char *text) {
  if (!text) return TC_EINVAL;
  for (size_t i = 0; i < TC_ID_STRLEN; i++) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return TC_EINVAL;
    } else if (hexval(c) < 0) {
      return TC_EINVAL; /* also stops at an early NUL */
    }
  }
  if (text[TC_ID_STRLEN] != '\0') return TC_EINVAL;
  if (text[14] != '7') return TC_EINVAL;
  if (text[19] != '8' && text[19] != '9' && text[19] != 'a' && text[19] != 'b')
    return TC_EINVAL;
  return TC_OK;
}

int64_t tc_id_time_ms(const char *text) {
  if (tc_id_check(text) != TC_OK) return -1;
  int64_t ms = 0;
  for (size_t i = 0; i < 13; i++) {
    if (i == 8) continue;
    ms = (ms << 4) | hexval(text[i]);
  }
  return ms;
}
