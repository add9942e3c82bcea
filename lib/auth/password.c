/*
 * lib/auth/password.c - password credentials: the NIST SP 800-63B policy
 * (length only, plus a list of common passwords), Argon2id hashes through
 * crypto_pwhash_str, and rehashing on login when the limits changed.
 */
#include <stdio.h>

#include "auth_private.h"

/* Longest entry we compare against the list; longer is never common. */
#define COMMON_MAX 64

static int cmp_entry(const void *key, const void *elem) {
  return strcmp((const char *)key, *(const char *const *)elem);
}

bool tc__auth_password_is_common(const char *password) {
  char low[COMMON_MAX + 1];
  size_t n = strnlen(password, COMMON_MAX + 1);
  if (n > COMMON_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char c = password[i];
    low[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  low[n] = '\0';
  bool found =
      bsearch(low, tc__auth_common_passwords, tc__auth_common_password_count,
              sizeof(char *), cmp_entry) != NULL;
  sodium_memzero(low, sizeof(low));
  return found;
}

static size_t utf8_chars(const char *s, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
  return c;
}

static int policy(tc_ctx *ctx, tc__auth_state *st, const char *field,
                  const char *password) {
  if (!password)
    return tc__seterr(ctx, TC_EINVAL, field, "%s is missing", field);
  /* 4 bytes per character at most: bound the scan. */
  size_t n = strnlen(password, st->pw_max * 4 + 1);
  if (!tc__utf8_valid(password, n))
    return tc__seterr(ctx, TC_EINVAL, field, "%s is not valid UTF-8", field);
  size_t chars = utf8_chars(password, n);
  if (chars < st->pw_min)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be at least %zu characters", field, st->pw_min);
  if (chars > st->pw_max || n > st->pw_max * 4)
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s must be at most %zu characters", field, st->pw_max);
  if (tc__auth_password_is_common(password))
    return tc__seterr(ctx, TC_EINVAL, field,
                      "%s is too common; choose another one", field);
  return TC_OK;
}

int tc_auth_password_check(tc_ctx *ctx, const char *password) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  return policy(ctx, st, "password", password);
}

static int hash_password(tc_ctx *ctx, tc__auth_state *st,
                         char out[crypto_pwhash_STRBYTES],
                         const char *password) {
  if (crypto_pwhash_str(out, password, strlen(password), st->opslimit,
                        st->memlimit) != 0)
    return tc__seterr(ctx, TC_ENOMEM, NULL,
                      "out of memory hashing the password (memlimit %zu)",
                      st->memlimit);
  return TC_OK;
}

static const char SQL_CRED_UPSERT[] =
    "INSERT INTO auth_credentials (user_id, pwhash, updated_at) "
    "VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
    "pwhash = excluded.pwhash, updated_at = excluded.updated_at";
/* A whole credential: the login comes with it. */
static const char SQL_CRED_PUT[] =
    "INSERT INTO auth_credentials (user_id, pwhash, updated_at, login) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
    "pwhash = excluded.pwhash, updated_at = excluded.updated_at, "
    "login = excluded.login";
static const char SQL_CRED_GET[] =
    "SELECT pwhash FROM auth_credentials WHERE user_id = ?";
static const char SQL_CRED_REHASH[] =
    "UPDATE auth_credentials SET pwhash = ?, updated_at = ? "
    "WHERE user_id = ? AND pwhash = ?";

/* Store password's hash for user_id; with_login: set the login too (NULL:
 * none), else keep it. */
static int put_password(tc_ctx *ctx, const char *user_id, const char *password,
                        bool with_login, const char *login) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = policy(ctx, st, "password", password))) return rc;
  char hash[crypto_pwhash_STRBYTES];
  /* Hash before taking the write lock: it takes tens of milliseconds. */
  if ((rc = hash_password(ctx, st, hash, password))) return rc;
  tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(hash),
                  TC_VAL_INT(tc__now_ms(ctx)),
                  login ? TC_VAL_TEXT(login) : TC_VAL_NULL};
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE)) == TC_OK) {
    rc = tc__db_exec(ctx, with_login ? SQL_CRED_PUT : SQL_CRED_UPSERT, p,
                     with_login ? 4 : 3, NULL, NULL, NULL);
    if (rc == TC_ECONFLICT)
      rc = tc__seterr(ctx, rc, "email", "email is already someone's login");
    rc = tc__txn_end(ctx, rc);
  }
  sodium_memzero(hash, sizeof(hash));
  return rc;
}

int tc__auth_set_password(tc_ctx *ctx, const char *user_id,
                          const char *password) {
  return put_password(ctx, user_id, password, false, NULL);
}

/* login normalised into norm (or NULL when login is NULL). */
static int login_arg(tc_ctx *ctx, const char *login, char *norm, size_t size,
                     const char **out) {
  *out = NULL;
  if (!login) return TC_OK;
  int rc = tc__email_normalize(ctx, login, norm, size);
  if (rc == TC_OK) *out = norm;
  return rc;
}

int tc_auth_credential_set(tc_ctx *ctx, const tc_principal *who,
                           const char *user_id, const char *login,
                           const char *password) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__authorize(ctx, who, "auth", TC__ACT_ADMIN, NULL);
  char norm[TC__EMAIL_MAX + 1];
  const char *l = NULL;
  if (!rc) rc = login_arg(ctx, login, norm, sizeof(norm), &l);
  return rc ? rc : put_password(ctx, user_id, password, true, l);
}

int tc_auth_credential_set_login(tc_ctx *ctx, const tc_principal *who,
                                 const char *user_id, const char *login) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__authorize(ctx, who, "auth", TC__ACT_ADMIN, NULL);
  if (!rc) rc = tc__check_id(ctx, "user_id", user_id);
  char norm[TC__EMAIL_MAX + 1];
  const char *l = NULL;
  if (!rc) rc = login_arg(ctx, login, norm, sizeof(norm), &l);
  if (rc) return rc;
  tc_value p[] = {l ? TC_VAL_TEXT(l) : TC_VAL_NULL, TC_VAL_INT(tc__now_ms(ctx)),
                  TC_VAL_TEXT(user_id)};
  int64_t changed = 0;
  rc = tc__db_exec(ctx,
                   "UPDATE auth_credentials SET login = ?, updated_at = ? "
                   "WHERE user_id = ?",
                   p, 3, NULL, NULL, &changed);
  if (rc == TC_ECONFLICT)
    return tc__seterr(ctx, rc, "email", "email is already someone's login");
  if (rc == TC_OK && changed == 0)
    return tc__seterr(ctx, TC_ENOTFOUND, "user_id", "user %s has no credential",
                      user_id);
  return rc;
}

static int copy_hash(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  tc__col_copy(payload, crypto_pwhash_STRBYTES, &cols[0]);
  return 0;
}

/* Verify against the dummy hash so an unknown user costs a real check. */
static void burn_dummy(tc_ctx *ctx, tc__auth_state *st, const char *password) {
  if (!st->dummy_hash[0]) {
    char rnd[TC_AUTH_OPAQUE_MAX];
    tc__auth_opaque(ctx, rnd);
    if (crypto_pwhash_str(st->dummy_hash, rnd, strlen(rnd), st->opslimit,
                          st->memlimit) != 0)
      st->dummy_hash[0] = '\0';
    sodium_memzero(rnd, sizeof(rnd));
  }
  if (st->dummy_hash[0] &&
      crypto_pwhash_str_verify(st->dummy_hash, password, strlen(password)) == 0)
    st->dummy_hash[0] = '\0'; /* guessed a random password: make another */
}

int tc__auth_password_verify(tc_ctx *ctx, const char *user_id,
                             const char *password, bool rehash) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  if (!password) password = "";
  size_t plen = strnlen(password, st->pw_max * 4 + 1);
  char hash[crypto_pwhash_STRBYTES] = "";
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  int rc = user_id && *user_id
               ? tc__db_row(ctx, SQL_CRED_GET, p, 1, copy_hash, hash)
               : TC_ENOTFOUND;
  if (rc && rc != TC_ENOTFOUND) return rc;
  if (rc == TC_ENOTFOUND || plen > st->pw_max * 4) {
    burn_dummy(ctx, st, password);
    tc__clearerr(ctx);
    return TC_EUNAUTHENTICATED;
  }
  if (crypto_pwhash_str_verify(hash, password, plen) != 0)
    return TC_EUNAUTHENTICATED;
  if (rehash &&
      crypto_pwhash_str_needs_rehash(hash, st->opslimit, st->memlimit) != 0) {
    char fresh[crypto_pwhash_STRBYTES];
    if (hash_password(ctx, st, fresh, password) == TC_OK) {
      tc_value u[] = {TC_VAL_TEXT(fresh), TC_VAL_INT(tc__now_ms(ctx)),
                      TC_VAL_TEXT(user_id), TC_VAL_TEXT(hash)};
      /* Conditional on the old hash: a concurrent change wins. */
      if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE)) == TC_OK)
        rc = tc__txn_end(
            ctx, tc__db_exec(ctx, SQL_CRED_REHASH, u, 4, NULL, NULL, NULL));
      if (rc) return rc;
    }
    sodium_memzero(fresh, sizeof(fresh));
  }
  return TC_OK;
}

int tc_auth_verify_password(tc_ctx *ctx, const tc_principal *who,
                            const char *user_id, const char *password) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_WRITE, user_id)))
    return rc;
  rc = tc__auth_password_verify(ctx, user_id, password, false);
  if (rc == TC_EUNAUTHENTICATED)
    return tc__seterr(ctx, rc, "password", "the password is wrong");
  return rc;
}

int tc_auth_change_password(tc_ctx *ctx, const tc_principal *who,
                            const char *user_id, const char *current,
                            const char *new_password) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "auth", TC__ACT_WRITE, user_id)))
    return rc;
  bool staff = who->kind == TC_PRINCIPAL_SYSTEM || (who->roles & TC_ROLE_ADMIN);
  bool self = who->kind == TC_PRINCIPAL_USER && !strcmp(who->user_id, user_id);
  if (self || current) {
    if (!current)
      return tc__seterr(ctx, TC_EINVAL, "current_password",
                        "current_password is required");
    rc = tc__auth_password_verify(ctx, user_id, current, false);
    if (rc == TC_EUNAUTHENTICATED)
      return tc__seterr(ctx, rc, "current_password",
                        "current_password is wrong");
    if (rc) return rc;
  } else if (!staff) {
    return tc__seterr(ctx, TC_EDENIED, NULL, "not allowed");
  }
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  if ((rc = policy(ctx, st, "new_password", new_password))) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__auth_set_password(ctx, user_id, new_password);
  /* Other sessions may belong to whoever knew the old password. */
  if (rc == TC_OK)
    rc = tc__auth_revoke_sessions(ctx, user_id, self ? who->session_id : "",
                                  "password changed", NULL);
  const char *kv[] = {"actor", self ? user_id : "staff", NULL};
  if (rc == TC_OK)
    rc = tc__auth_audit(ctx, "auth.password_changed", user_id, kv);
  rc = tc__txn_end(ctx, rc);
  return rc;
}

int tc_auth_reset_password(tc_ctx *ctx, const tc_principal *who,
                           const char *user_id, const char *password) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__authorize(ctx, who, "auth", TC__ACT_ADMIN, NULL);
  if (rc || (rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__auth_set_password(ctx, user_id, password);
  if (rc == TC_OK)
    rc = tc__auth_revoke_sessions(ctx, user_id, "", "password reset", NULL);
  if (rc == TC_OK)
    rc = tc__auth_audit(ctx, "auth.password_reset", user_id, NULL);
  return tc__txn_end(ctx, rc);
}
