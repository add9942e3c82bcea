/*
 * lib/core/text.c - text checks and quoting shared by every module (see
 * text.h), so that a rule about text is written once.
 */
#include <ctype.h>

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

int tc__check_text(tc_ctx *ctx, const char *field, const char *s, size_t min,
                   size_t max, unsigned flags) {
  if (!s) {
    if (flags & TC__TEXT_NULL_OK) return TC_OK;
    return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  }
  size_t n = strnlen(s, max + 1);
  if (n < min && min == 1)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  if (n < min)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be at least %zu bytes long", field, min);
  if (n > max)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is longer than %zu bytes",
                      field, max);
  if (!tc__utf8_valid(s, n))
    return tc__seterr(ctx, TC_EINVAL, field, "%s is not valid UTF-8", field);
  bool blank = true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    bool line = c == '\n' || c == '\t' || c == '\r';
    if ((c < 0x20 || c == 0x7f) && !(flags & TC__TEXT_CONTROLS) &&
        !(line && (flags & TC__TEXT_LINES)))
      return tc__seterr(ctx, TC_EINVAL, field,
                        "%s contains a control character", field);
    if (c != ' ' && c != '\t') blank = false;
  }
  if (blank && (flags & TC__TEXT_NOT_BLANK))
    return tc__seterr(ctx, TC_EINVAL, field, "%s must not be blank", field);
  return TC_OK;
}

int tc__check_id(tc_ctx *ctx, const char *field, const char *id) {
  if (!id || !*id)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is required", field);
  if (tc_id_check(id) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is not a valid id", field);
  return TC_OK;
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

/* ---- e-mail addresses ---------------------------------------------------- */

static bool local_char(char c) {
  return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

static bool valid_local(const char *s, size_t n) {
  if (n < 1 || n > 64 || s[0] == '.' || s[n - 1] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '.') {
      if (s[i - 1] == '.') return false;
    } else if (!local_char(s[i])) {
      return false;
    }
  }
  return true;
}

/* Dot-separated labels of letters, digits and inner hyphens, at least two,
 * the last not all digits (that would be an IP address). */
static bool valid_domain(const char *s, size_t n) {
  size_t labels = 0, start = 0;
  bool digits_only = true;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      size_t len = i - start;
      if (len < 1 || len > 63 || s[start] == '-' || s[i - 1] == '-')
        return false;
      labels++;
      if (i < n) digits_only = true;
      start = i + 1;
    } else if (isalnum((unsigned char)s[i]) || s[i] == '-') {
      if (!isdigit((unsigned char)s[i])) digits_only = false;
    } else {
      return false;
    }
  }
  return labels >= 2 && !digits_only;
}

int tc__email_normalize(tc_ctx *ctx, const char *email, char *out,
                        size_t out_size) {
  if (out && out_size) out[0] = '\0';
  if (!email) return tc__seterr(ctx, TC_EINVAL, "email", "email is required");
  const char *s = email;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  const char *at = n ? memchr(s, '@', n) : NULL;
  bool ok = at && n <= TC__EMAIL_MAX &&
            !memchr(at + 1, '@', n - (size_t)(at - s) - 1) &&
            valid_local(s, (size_t)(at - s)) &&
            valid_domain(at + 1, n - (size_t)(at - s) - 1);
  if (!ok)
    return tc__seterr(ctx, TC_EINVAL, "email",
                      "email is not a valid address (name@example.com, at "
                      "most %d bytes, ASCII)",
                      TC__EMAIL_MAX);
  if (!out || out_size <= n)
    return tc__seterr(ctx, TC_EINVAL, "email", "email buffer too small");
  for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)s[i]);
  out[n] = '\0';
  return TC_OK;
}
