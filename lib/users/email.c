/* E-mail normalisation and the lookups other modules make by e-mail/id. */
#include <ctype.h>
#include <stdio.h>

#include "users/users_priv.h"

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

int tc__users_normalize_email(tc_ctx *ctx, const char *email, char *out,
                              size_t out_size) {
  if (out && out_size) out[0] = '\0';
  if (!email) return tc__seterr(ctx, TC_EINVAL, "email", "email is required");
  const char *s = email;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  const char *at = n ? memchr(s, '@', n) : NULL;
  bool ok = at && n <= TC_USERS_EMAIL_MAX &&
            !memchr(at + 1, '@', n - (size_t)(at - s) - 1) &&
            valid_local(s, (size_t)(at - s)) &&
            valid_domain(at + 1, n - (size_t)(at - s) - 1);
  if (!ok)
    return tc__seterr(ctx, TC_EINVAL, "email",
                      "email is not a valid address (name@example.com, at "
                      "most %d bytes, ASCII)",
                      TC_USERS_EMAIL_MAX);
  if (!out || out_size <= n)
    return tc__seterr(ctx, TC_EINVAL, "email", "email buffer too small");
  for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)s[i]);
  out[n] = '\0';
  return TC_OK;
}

static int id_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  tc__col_copy(payload, TC_ID_STRLEN + 1, &cols[0]);
  return 0;
}

int tc__users_find_by_email(tc_ctx *ctx, const char *email,
                            char user_id[TC_ID_STRLEN + 1]) {
  char norm[TC_USERS_EMAIL_MAX + 1];
  user_id[0] = '\0';
  if (tc__users_normalize_email(ctx, email, norm, sizeof(norm))) {
    /* Not an address: nobody has it; no message, as promised. */
    tc__clearerr(ctx);
    return TC_ENOTFOUND;
  }
  tc_value p[] = {TC__VAL_BUF(norm)};
  return tc__db_row(ctx,
                    "SELECT id FROM users_users WHERE email = ? AND status = "
                    "'active'",
                    p, 1, id_cb, user_id);
}

int tc__users_get_brief(tc_ctx *ctx, const char *user_id, tc__user_brief *out) {
  memset(out, 0, sizeof(*out));
  tc_user u;
  int rc = tc__users_load(ctx, user_id, &u);
  if (rc) return rc;
  snprintf(out->id, sizeof(out->id), "%s", u.id);
  snprintf(out->email, sizeof(out->email), "%s", u.email);
  snprintf(out->name, sizeof(out->name), "%s", u.name);
  /* Locales longer than the brief holds are cut (rare: "en-GB" fits). */
  snprintf(out->locale, sizeof(out->locale), "%.*s",
           (int)sizeof(out->locale) - 1, u.locale);
  out->email_verified = u.email_verified;
  out->active = u.status == TC_USER_ACTIVE;
  return TC_OK;
}
