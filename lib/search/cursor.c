/*
 * lib/search/cursor.c - opaque keyset cursors: base64url of
 * "<kind>|<a>|<b>|<id>" where kind names the sort, a and b its key (a
 * score's bits in hex, an amount, a time) and id the last row's id.
 * Decoding checks every part, so a forged cursor is only ever TC_EINVAL.
 */
#include <sodium.h>
#include <stdio.h>

#include "search_priv.h"

#define CURSOR_MAX 256

int srch_cursor_encode(tc_ctx *ctx, char **out, char kind, const char *a,
                       const char *b, const char *id) {
  char raw[CURSOR_MAX];
  int n = snprintf(raw, sizeof(raw), "%c|%s|%s|%s", kind, a, b, id);
  if (n < 0 || n >= (int)sizeof(raw))
    return tc__seterr(ctx, TC_ERROR, NULL, "cursor too long");
  size_t len = sodium_base64_ENCODED_LEN(
      (size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  *out = tc__malloc(ctx, len);
  if (!*out) return tc__oom(ctx);
  sodium_bin2base64(*out, len, (const unsigned char *)raw, (size_t)n,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return TC_OK;
}

static bool is_uuid(const char *s) {
  if (strlen(s) != TC_ID_STRLEN) return false;
  for (size_t i = 0; i < TC_ID_STRLEN; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = s[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

static bool copy_part(char *dst, size_t size, const char *s, size_t n) {
  if (n >= size) return false;
  memcpy(dst, s, n);
  dst[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (!((dst[i] >= '0' && dst[i] <= '9') ||
          (dst[i] >= 'a' && dst[i] <= 'f') || dst[i] == '-'))
      return false;
  return true;
}

int srch_cursor_decode(tc_ctx *ctx, const char *cursor, char kind, char a[64],
                       char b[64], char id[TC_ID_STRLEN + 1]) {
  unsigned char raw[CURSOR_MAX];
  size_t n = 0;
  size_t clen = strlen(cursor);
  if (clen == 0 || clen > CURSOR_MAX ||
      sodium_base642bin(raw, sizeof(raw) - 1, cursor, clen, NULL, &n, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
  raw[n] = '\0';
  const char *s = (const char *)raw;
  const char *p1 = n > 2 ? strchr(s + 2, '|') : NULL;
  const char *p2 = p1 ? strchr(p1 + 1, '|') : NULL;
  if (n < 2 || s[1] != '|' || !p1 || !p2 || strlen(s) != n)
    return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
  if (s[0] != kind)
    return tc__seterr(ctx, TC_EINVAL, "cursor",
                      "cursor belongs to another sort order or search");
  if (!copy_part(a, 64, s + 2, (size_t)(p1 - s - 2)) ||
      !copy_part(b, 64, p1 + 1, (size_t)(p2 - p1 - 1)) ||
      !copy_part(id, TC_ID_STRLEN + 1, p2 + 1, strlen(p2 + 1)) || !is_uuid(id))
    return tc__seterr(ctx, TC_EINVAL, "cursor", "cursor is not valid");
  return TC_OK;
}
