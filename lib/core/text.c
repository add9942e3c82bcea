/*
 * lib/core/text.c - text checks and quoting shared by every module (see
 * text.h), so that a rule about text is written once.
 */
#include "internal.h"

void tc__quote_n(char *dst, size_t size, const char *s, size_t max) {
  if (!size) return;
  if (!s) s = "";
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), i = 0, o = 0;
  if (size < 4)
    max = 0;
  else if (max > size - 4)
    max = size - 4; /* room for "..." and NUL */
  while (i < n) {
    size_t len = tc__utf8_seq(s + i, n - i);
    size_t out = len ? len : 1;
    if (o + out > max) break;
    if (!len || p[i] < 0x20 || p[i] == 0x7F) {
      dst[o++] = '?';
    } else {
      memcpy(dst + o, p + i, len);
      o += len;
    }
    i += out;
  }
  if (i < n && size >= 4) {
    memcpy(dst + o, "...", 3);
    o += 3;
  }
  dst[o] = '\0';
}

void tc__quote(char *dst, size_t size, const char *s) {
  tc__quote_n(dst, size, s, TC__QUOTE_MAX);
}

void tc__text_copy(char *dst, size_t size, const char *src) {
  if (!size) return;
  size_t n = src ? strlen(src) : 0;
  if (n >= size) {
    n = size - 1;
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
  }
  if (n) memcpy(dst, src, n);
  dst[n] = '\0';
}

int tc__oom(tc_ctx *ctx) {
  return tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory");
}
