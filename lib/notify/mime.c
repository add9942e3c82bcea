/*
 * lib/notify/mime.c - the pieces of an RFC 5322 / MIME message the SMTP
 * notifier needs: RFC 2047 encoded words, quoted-printable bodies, the
 * RFC 5322 date.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "notify_mime.h"

bool tc__mime_is_plain(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return false;
  return true;
}

/* Encoded words of at most 75 characters ("=?UTF-8?B?" + 60 + "?="), cut
 * on character boundaries, folded with CRLF SP (RFC 2047 section 2). */
int tc__mime_encode_words(tc_buf *out, const char *s) {
  if (tc__mime_is_plain(s)) return tc_buf_puts(out, s);
  size_t n = strlen(s), i = 0;
  int rc = TC_OK;
  bool first = true;
  while (i < n && rc == TC_OK) {
    size_t take = n - i < 45 ? n - i : 45;
    /* Back off to the start of a UTF-8 character. */
    while (take > 0 && i + take < n &&
           ((unsigned char)s[i + take] & 0xC0) == 0x80)
      take--;
    if (take == 0) take = n - i < 45 ? n - i : 45;
    char b64[64];
    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + i, take,
                      sodium_base64_VARIANT_ORIGINAL);
    if (!first) rc = tc_buf_puts(out, "\r\n ");
    if (rc == TC_OK) rc = tc_buf_puts(out, "=?UTF-8?B?");
    if (rc == TC_OK) rc = tc_buf_puts(out, b64);
    if (rc == TC_OK) rc = tc_buf_puts(out, "?=");
    first = false;
    i += take;
  }
  return rc;
}

/* Quoted-printable (RFC 2045 6.7): lines end in CRLF, no line longer than
 * 76 characters, trailing white space and '=' encoded. */
int tc__mime_qp(tc_buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  int rc = TC_OK;
  size_t col = 0;
  for (size_t i = 0; s[i] && rc == TC_OK; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\r' && s[i + 1] == '\n') continue;
    if (c == '\n') {
      rc = tc_buf_puts(out, "\r\n");
      col = 0;
      continue;
    }
    bool at_eol = s[i + 1] == '\0' || s[i + 1] == '\n' ||
                  (s[i + 1] == '\r' && s[i + 2] == '\n');
    bool lit = (c >= 33 && c <= 126 && c != '=') ||
               ((c == ' ' || c == '\t') && !at_eol);
    char enc[4] = {(char)c, 0, 0, 0};
    size_t w = 1;
    if (!lit) {
      enc[0] = '=';
      enc[1] = hex[c >> 4];
      enc[2] = hex[c & 15];
      w = 3;
    }
    if (col + w > 75) {
      rc = tc_buf_puts(out, "=\r\n");
      col = 0;
    }
    if (rc == TC_OK) rc = tc_buf_put(out, enc, w);
    col += w;
  }
  if (rc == TC_OK && col) rc = tc_buf_puts(out, "\r\n");
  return rc;
}

void tc__mime_date(char *out, size_t size, int64_t ms) {
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    snprintf(out, size, "Thu, 01 Jan 1970 00:00:00 +0000");
    return;
  }
  snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
           tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
}
