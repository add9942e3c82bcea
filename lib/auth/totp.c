/*
 * lib/auth/totp.c - TOTP (RFC 6238) second factor: enrolment with an
 * otpauth:// URI, confirmation, a +-1 step window with replays refused
 * (the last accepted step is kept and only later ones pass), hashed
 * single-use recovery codes, and disabling after re-authentication.
 */
#include <stdio.h>

#include "auth_private.h"

#define TOTP_PERIOD 30
#define TOTP_DIGITS 6

/* ---- the pure parts ---- */

static size_t hmac_any(unsigned char *out, tc_totp_alg alg,
                       const unsigned char *key, size_t key_len,
                       const unsigned char msg[8]) {
  if (alg == TC_TOTP_SHA256) {
    crypto_auth_hmacsha256_state s;
    crypto_auth_hmacsha256_init(&s, key, key_len);
    crypto_auth_hmacsha256_update(&s, msg, 8);
    crypto_auth_hmacsha256_final(&s, out);
    sodium_memzero(&s, sizeof(s));
    return 32;
  }
  if (alg == TC_TOTP_SHA512) {
    crypto_auth_hmacsha512_state s;
    crypto_auth_hmacsha512_init(&s, key, key_len);
    crypto_auth_hmacsha512_update(&s, msg, 8);
    crypto_auth_hmacsha512_final(&s, out);
    sodium_memzero(&s, sizeof(s));
    return 64;
  }
  tc__hmac_sha1(out, key, key_len, msg, 8);
  return TC__SHA1_LEN;
}

int tc_auth_totp_code(char *out, size_t out_size, tc_totp_alg alg,
                      const unsigned char *key, size_t key_len, int64_t unix_s,
                      int period, int digits) {
  if (!period) period = TOTP_PERIOD;
  if (!digits) digits = TOTP_DIGITS;
  if (!out || !key || key_len == 0 || period < 1 || digits < 6 || digits > 8 ||
      out_size < (size_t)digits + 1 || unix_s < 0 || alg < TC_TOTP_SHA1 ||
      alg > TC_TOTP_SHA512)
    return TC_EINVAL;
  uint64_t counter = (uint64_t)(unix_s / period);
  unsigned char msg[8], mac[64];
  for (int i = 7; i >= 0; i--) {
    msg[i] = (unsigned char)(counter & 0xff);
    counter >>= 8;
  }
  size_t n = hmac_any(mac, alg, key, key_len, msg);
  /* Dynamic truncation, RFC 4226 section 5.3. */
  size_t off = mac[n - 1] & 0x0f;
  uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 |
                 (uint32_t)mac[off + 1] << 16 | (uint32_t)mac[off + 2] << 8 |
                 (uint32_t)mac[off + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; i++) mod *= 10;
  snprintf(out, out_size, "%0*u", digits, bin % mod);
  sodium_memzero(mac, sizeof(mac));
  return TC_OK;
}

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int tc_auth_base32_encode(char *out, size_t out_size, const unsigned char *in,
                          size_t n) {
  if (!out || (!in && n) || out_size < (n * 8 + 4) / 5 + 1) return TC_EINVAL;
  size_t o = 0;
  uint32_t buf = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    buf = (buf << 8) | in[i];
    bits += 8;
    while (bits >= 5) {
      out[o++] = B32[(buf >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out[o++] = B32[(buf << (5 - bits)) & 31];
  out[o] = '\0';
  return TC_OK;
}

int tc_auth_base32_decode(unsigned char *out, size_t out_size, size_t *n,
                          const char *in) {
  if (!out || !n || !in) return TC_EINVAL;
  size_t o = 0;
  uint32_t buf = 0;
  int bits = 0;
  for (const char *p = in; *p; p++) {
    char c = *p;
    if (c == '=' || c == ' ' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    const char *at = strchr(B32, c);
    if (!at || !c) return TC_EINVAL;
    buf = (buf << 5) | (uint32_t)(at - B32);
    bits += 5;
    if (bits >= 8) {
      if (o == out_size) return TC_EINVAL;
      out[o++] = (unsigned char)(buf >> (bits - 8));
      bits -= 8;
    }
  }
  *n = o;
  return TC_OK;
}

/* ---- stored state ---- */

typedef struct {
  unsigned char secret[64];
  size_t secret_len;
  tc_totp_alg alg;
  int digits, period;
  bool confirmed;
  int64_t last_step;
} mfa_row;

static int read_mfa(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  mfa_row *r = payload;
  const char *hex = tc__col_text(&cols[0]);
  size_t len = strlen(hex) / 2;
  if (len > sizeof(r->secret) || tc__auth_unhex(r->secret, len, hex)) len = 0;
  r->secret_len = len;
  r->alg = (tc_totp_alg)tc__col_int(&cols[1]);
  r->digits = (int)tc__col_int(&cols[2]);
  r->period = (int)tc__col_int(&cols[3]);
  r->confirmed = !tc__col_null(&cols[4]);
  r->last_step = tc__col_int(&cols[5]);
  return 0;
}

static int load_mfa(tc_ctx *ctx, const char *user_id, mfa_row *r) {
  memset(r, 0, sizeof(*r));
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  int rc = tc__db_row(ctx,
                      "SELECT secret, alg, digits, period, confirmed_at, "
                      "last_step FROM auth_mfa WHERE user_id = ?",
                      p, 1, read_mfa, r);
  if (rc == TC_OK && r->secret_len == 0)
    rc =
        tc__seterr(ctx, TC_ECORRUPT, NULL, "the stored TOTP secret is damaged");
  return rc;
}

int tc__auth_mfa_on(tc_ctx *ctx, const char *user_id, bool *on) {
  mfa_row r;
  int rc = load_mfa(ctx, user_id, &r);
  *on = rc == TC_OK && r.confirmed;
  sodium_memzero(&r, sizeof(r));
  return rc == TC_ENOTFOUND ? TC_OK : rc;
}

int tc_auth_mfa_status(tc_ctx *ctx, const tc_principal *who,
                       const char *user_id, bool *on) {
  if (!ctx || !on) return TC_EINVAL;
  tc__clearerr(ctx);
  *on = false;
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (!rc) rc = tc__authorize(ctx, who, "auth", TC__ACT_READ, user_id);
  return rc ? rc : tc__auth_mfa_on(ctx, user_id, on);
}

/* Lower-case, without '-' and spaces: how recovery codes are hashed. */
static void normalize_code(char *out, size_t size, const char *in) {
  size_t o = 0;
  for (; *in && o + 1 < size; in++) {
    char c = *in;
    if (c == '-' || c == ' ') continue;
    out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  out[o] = '\0';
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return n > 0;
}

static int check_totp(tc_ctx *ctx, const char *user_id, const mfa_row *r,
                      const char *code) {
  int64_t now_s = tc__now_ms(ctx) / 1000;
  int64_t step = now_s / r->period, matched = -1;
  char want[16];
  /* Every candidate is computed and compared, so timing shows nothing. */
  for (int64_t s = step - 1; s <= step + 1; s++) {
    if (s < 0) continue;
    tc_auth_totp_code(want, sizeof(want), r->alg, r->secret, r->secret_len,
                      s * r->period, r->period, r->digits);
    if (sodium_memcmp(want, code, (size_t)r->digits) == 0) matched = s;
  }
  sodium_memzero(want, sizeof(want));
  if (matched < 0)
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, "code", "the code is wrong");
  int64_t changed = 0;
  tc_value p[] = {TC_VAL_INT(matched), TC_VAL_TEXT(user_id),
                  TC_VAL_INT(matched)};
  int rc = tc__db_exec(ctx,
                       "UPDATE auth_mfa SET last_step = ? WHERE user_id = ? "
                       "AND last_step < ?",
                       p, 3, NULL, NULL, &changed);
  if (rc == TC_OK && !changed)
    rc = tc__seterr(ctx, TC_EUNAUTHENTICATED, "code",
                    "the code was already used; wait for the next one");
  return rc;
}

static int check_recovery(tc_ctx *ctx, const char *user_id, const char *code) {
  char norm[32], hash[TC__AUTH_HASH_HEX];
  normalize_code(norm, sizeof(norm), code);
  tc__auth_hash_hex(hash, norm);
  sodium_memzero(norm, sizeof(norm));
  int64_t changed = 0;
  tc_value p[] = {TC_VAL_INT(tc__now_ms(ctx)), TC_VAL_TEXT(user_id),
                  TC_VAL_TEXT(hash)};
  int rc = tc__db_exec(ctx,
                       "UPDATE auth_recovery_codes SET used_at = ? WHERE "
                       "user_id = ? AND code_hash = ? AND used_at IS NULL",
                       p, 3, NULL, NULL, &changed);
  if (rc == TC_OK && !changed)
    rc = tc__seterr(ctx, TC_EUNAUTHENTICATED, "code", "the code is wrong");
  return rc;
}

int tc__auth_mfa_check(tc_ctx *ctx, const char *user_id, const char *code,
                       bool allow_recovery, bool confirmed_only) {
  if (!code || !*code)
    return tc__seterr(ctx, TC_EINVAL, "code", "code is required");
  size_t n = strnlen(code, 33);
  if (n > 32) return tc__seterr(ctx, TC_EINVAL, "code", "code is too long");
  mfa_row r;
  int rc = load_mfa(ctx, user_id, &r);
  if (rc == TC_ENOTFOUND || (rc == TC_OK && confirmed_only && !r.confirmed))
    rc = tc__seterr(ctx, TC_ESTATE, NULL, "MFA is not enabled");
  if (rc == TC_OK) {
    if (all_digits(code, n) && n == (size_t)r.digits)
      rc = check_totp(ctx, user_id, &r, code);
    else if (allow_recovery && r.confirmed)
      rc = check_recovery(ctx, user_id, code);
    else
      rc = tc__seterr(ctx, TC_EUNAUTHENTICATED, "code",
                      "the code must be %d digits", r.digits);
  }
  sodium_memzero(&r, sizeof(r));
  return rc;
}

/* ---- enrolment ---- */

static void pct(char *out, size_t size, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (; *s && o + 4 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == '@') {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
}

static const char *alg_label(tc_totp_alg a) {
  return a == TC_TOTP_SHA512   ? "SHA512"
         : a == TC_TOTP_SHA256 ? "SHA256"
                               : "SHA1";
}

static const char SQL_MFA_PENDING[] =
    "INSERT INTO auth_mfa (user_id, secret, alg, digits, period, "
    "confirmed_at, last_step, created_at) VALUES (?, ?, ?, ?, ?, NULL, 0, ?) "
    "ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, "
    "alg = excluded.alg, digits = excluded.digits, period = excluded.period, "
    "last_step = 0, created_at = excluded.created_at "
    "WHERE auth_mfa.confirmed_at IS NULL";

static int copy_login(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  tc__col_copy(payload, TC__EMAIL_MAX + 1, &cols[0]);
  return 0;
}

int tc_auth_mfa_enroll(tc_auth_mfa_enrolment *out, tc_ctx *ctx,
                       const tc_principal *who, const char *user_id) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_WRITE, user_id)))
    return rc;
  /* The label shows the login e-mail when the user has one. */
  char login[TC__EMAIL_MAX + 1] = "";
  tc_value lp[] = {TC_VAL_TEXT(user_id)};
  rc = tc__db_row(ctx, "SELECT login FROM auth_credentials WHERE user_id = ?",
                  lp, 1, copy_login, login);
  if (rc && rc != TC_ENOTFOUND) return rc;
  tc__clearerr(ctx);
  const char *label = login[0] ? login : user_id;

  size_t keylen = st->totp_alg == TC_TOTP_SHA512   ? 64
                  : st->totp_alg == TC_TOTP_SHA256 ? 32
                                                   : 20;
  unsigned char secret[64];
  char hex[129];
  tc__random(ctx, secret, keylen);
  tc__auth_hex(hex, secret, keylen);
  tc_auth_base32_encode(out->secret, sizeof(out->secret), secret, keylen);
  out->alg = st->totp_alg;
  out->digits = TOTP_DIGITS;
  out->period = TOTP_PERIOD;
  char iss[200], lab[800];
  pct(iss, sizeof(iss), st->totp_issuer);
  pct(lab, sizeof(lab), label);
  int ulen = snprintf(out->uri, sizeof(out->uri),
                      "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=%s"
                      "&digits=%d&period=%d",
                      iss, lab, out->secret, iss, alg_label(out->alg),
                      out->digits, out->period);
  if (ulen < 0 || (size_t)ulen >= sizeof(out->uri))
    return tc__seterr(ctx, TC_EINVAL, "email", "the e-mail is too long");
  int64_t changed = 0;
  tc_value p[] = {TC_VAL_TEXT(user_id),    TC_VAL_TEXT(hex),
                  TC_VAL_INT(out->alg),    TC_VAL_INT(out->digits),
                  TC_VAL_INT(out->period), TC_VAL_INT(tc__now_ms(ctx))};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE)) == TC_OK) {
    rc = tc__db_exec(ctx, SQL_MFA_PENDING, p, 6, NULL, NULL, &changed);
    if (rc == TC_OK && !changed)
      rc = tc__seterr(ctx, TC_ESTATE, NULL,
                      "MFA is already enabled; disable it first");
    rc = tc__txn_end(ctx, rc);
  }
  sodium_memzero(secret, sizeof(secret));
  sodium_memzero(hex, sizeof(hex));
  if (rc) sodium_memzero(out, sizeof(*out));
  return rc;
}

/* 10 characters without look-alikes (no 0/o, 1/l/i). */
static void recovery_code(tc_ctx *ctx, char out[16]) {
  static const char alpha[] = "abcdefghjkmnpqrstuvwxyz23456789";
  size_t o = 0;
  while (o < 11) {
    if (o == 5) {
      out[o++] = '-';
      continue;
    }
    unsigned char b;
    tc__random(ctx, &b, 1);
    if (b >= 248) continue; /* 248 = 31 * 8: no modulo bias */
    out[o++] = alpha[b % 31];
  }
  out[o] = '\0';
}

static int confirm_txn(tc_ctx *ctx, const char *user_id, const char *code,
                       tc_auth_recovery_codes *out) {
  mfa_row r;
  int rc = load_mfa(ctx, user_id, &r);
  bool confirmed = r.confirmed;
  sodium_memzero(&r, sizeof(r));
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ESTATE, NULL, "no MFA enrolment is pending");
  if (rc) return rc;
  if (confirmed)
    return tc__seterr(ctx, TC_ESTATE, NULL, "MFA is already enabled");
  if ((rc = tc__auth_mfa_check(ctx, user_id, code, false, false))) return rc;
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {TC_VAL_INT(now), TC_VAL_TEXT(user_id)};
  rc = tc__db_exec(ctx,
                   "UPDATE auth_mfa SET confirmed_at = ? WHERE user_id = ? "
                   "AND confirmed_at IS NULL",
                   p, 2, NULL, NULL, NULL);
  tc_value u[] = {TC_VAL_TEXT(user_id)};
  if (rc == TC_OK)
    rc = tc__db_exec(ctx, "DELETE FROM auth_recovery_codes WHERE user_id = ?",
                     u, 1, NULL, NULL, NULL);
  for (int i = 0; rc == TC_OK && i < TC_AUTH_RECOVERY_CODES; i++) {
    char norm[32], hash[TC__AUTH_HASH_HEX];
    recovery_code(ctx, out->codes[i]);
    normalize_code(norm, sizeof(norm), out->codes[i]);
    tc__auth_hash_hex(hash, norm);
    tc_value q[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(hash)};
    rc = tc__db_exec(ctx,
                     "INSERT INTO auth_recovery_codes (user_id, code_hash) "
                     "VALUES (?, ?)",
                     q, 2, NULL, NULL, NULL);
  }
  const char *kv[] = {"method", "totp", NULL};
  if (rc == TC_OK) rc = tc__auth_audit(ctx, "auth.mfa_enrolled", user_id, kv);
  return rc;
}

int tc_auth_mfa_confirm(tc_auth_recovery_codes *out, tc_ctx *ctx,
                        const tc_principal *who, const char *user_id,
                        const char *code) {
  if (!ctx || !out) return TC_EINVAL;
  tc__clearerr(ctx);
  memset(out, 0, sizeof(*out));
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_WRITE, user_id)))
    return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__txn_end(ctx, confirm_txn(ctx, user_id, code, out));
  if (rc) sodium_memzero(out, sizeof(*out));
  return rc;
}

static const char *const SQL_MFA_OFF[] = {
    "DELETE FROM auth_mfa WHERE user_id = ?",
    "DELETE FROM auth_recovery_codes WHERE user_id = ?",
    "DELETE FROM auth_mfa_challenges WHERE user_id = ?",
};

int tc_auth_mfa_disable(tc_ctx *ctx, const tc_principal *who,
                        const char *user_id, const char *password,
                        const char *code) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_WRITE, user_id)))
    return rc;
  bool self = who->kind == TC_PRINCIPAL_USER && !strcmp(who->user_id, user_id);
  bool on = false;
  if ((rc = tc__auth_mfa_on(ctx, user_id, &on))) return rc;
  if (!on) return tc__seterr(ctx, TC_ESTATE, NULL, "MFA is not enabled");
  if (self || password || code) {
    if (!password)
      return tc__seterr(ctx, TC_EINVAL, "password",
                        "password is required to disable MFA");
    rc = tc__auth_password_verify(ctx, user_id, password, false);
    if (rc == TC_EUNAUTHENTICATED)
      return tc__seterr(ctx, rc, "password", "the password is wrong");
    if (rc) return rc;
  }
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  if (self || code) rc = tc__auth_mfa_check(ctx, user_id, code, true, true);
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  for (size_t i = 0;
       rc == TC_OK && i < sizeof(SQL_MFA_OFF) / sizeof(*SQL_MFA_OFF); i++)
    rc = tc__db_exec(ctx, SQL_MFA_OFF[i], p, 1, NULL, NULL, NULL);
  const char *kv[] = {"actor", self ? user_id : "staff", NULL};
  if (rc == TC_OK) rc = tc__auth_audit(ctx, "auth.mfa_disabled", user_id, kv);
  return tc__txn_end(ctx, rc);
}
