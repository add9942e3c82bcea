/*
 * lib/auth/state.c - the auth module's options and state on a context,
 * and the key ring (configured, or generated and kept in auth_keys so every
 * context and process on the same database signs with the same key).
 */
#include <stdio.h>

#include "auth_private.h"

#define MIB ((size_t)1 << 20)

static void state_free(tc_ctx *ctx, void *p) {
  sodium_memzero(p, sizeof(tc__auth_state));
  tc__free(ctx, p);
}

static void set_defaults(tc__auth_state *st) {
  st->opslimit = 2;
  st->memlimit = 19 * MIB;
  st->pw_min = 8;
  st->pw_max = 1024;
  st->alg = TC_AUTH_HS256;
  snprintf(st->issuer, sizeof(st->issuer), "techcorp");
  snprintf(st->audience, sizeof(st->audience), "techcorp-api");
  snprintf(st->totp_issuer, sizeof(st->totp_issuer), "TechCorp");
  st->access_ttl = 15 * 60 * 1000;
  st->leeway = 30 * 1000;
  st->refresh_idle = (int64_t)14 * 24 * 3600 * 1000;
  st->refresh_abs = (int64_t)30 * 24 * 3600 * 1000;
  st->mfa_ttl = 5 * 60 * 1000;
  st->code_ttl = 60 * 1000;
  st->sess_retention = (int64_t)30 * 24 * 3600 * 1000;
  st->thr_acct = 5;
  st->thr_ip = 20;
  st->thr_window = 15 * 60 * 1000;
  st->thr_base = 1000;
  st->thr_max = 15 * 60 * 1000;
  st->sess_cache_ttl = 30 * 1000;
  st->totp_alg = TC_TOTP_SHA1;
}

tc__auth_state *tc__auth_state_get(tc_ctx *ctx) {
  tc__auth_state *st = ctx->module_state[TC__SLOT_AUTH];
  if (st) return st;
  st = tc__calloc(ctx, 1, sizeof(*st));
  if (!st) {
    tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory for the auth module");
    return NULL;
  }
  set_defaults(st);
  ctx->module_state[TC__SLOT_AUTH] = st;
  ctx->module_state_free[TC__SLOT_AUTH] = state_free;
  return st;
}

static bool kid_ok(const char *kid) {
  size_t n = kid ? strnlen(kid, 65) : 0;
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; i++) {
    char c = kid[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/* Fill slot from secret (seed for EdDSA). */
static int slot_set(tc__auth_keyslot *k, tc_auth_alg alg, const char *kid,
                    const unsigned char *secret, size_t len) {
  memset(k, 0, sizeof(*k));
  snprintf(k->kid, sizeof(k->kid), "%s", kid);
  memcpy(k->secret, secret, len);
  k->secret_len = len;
  if (alg == TC_AUTH_EDDSA &&
      crypto_sign_seed_keypair(k->pk, k->sk, k->secret) != 0)
    return TC_ERROR;
  return TC_OK;
}

static int opt_ms(tc_ctx *ctx, int64_t *dst, int64_t v, const char *name) {
  if (v < 0)
    return tc__seterr(ctx, TC_EINVAL, name, "%s must not be negative", name);
  if (v) *dst = v;
  return TC_OK;
}

static int copy_str(tc_ctx *ctx, char *dst, size_t size, const char *v,
                    const char *name) {
  if (!v) return TC_OK;
  size_t n = strnlen(v, size);
  if (n == 0 || n >= size || !tc__utf8_valid(v, n))
    return tc__seterr(ctx, TC_EINVAL, name,
                      "%s must be 1 to %zu bytes of UTF-8", name, size - 1);
  memcpy(dst, v, n + 1);
  return TC_OK;
}

static int apply_keys(tc_ctx *ctx, tc__auth_state *n,
                      const tc_auth_options *o) {
  if (!o->keys) {
    if (o->nkeys)
      return tc__seterr(ctx, TC_EINVAL, "keys",
                        "nkeys is set but keys is NULL");
    return TC_OK;
  }
  if (o->nkeys == 0 || o->nkeys > TC__AUTH_MAX_KEYS)
    return tc__seterr(ctx, TC_EINVAL, "nkeys", "nkeys must be 1 to %d",
                      TC__AUTH_MAX_KEYS);
  for (size_t i = 0; i < o->nkeys; i++) {
    const tc_auth_key *k = &o->keys[i];
    if (!kid_ok(k->kid))
      return tc__seterr(ctx, TC_EINVAL, "keys.kid",
                        "keys[%zu].kid must be 1 to 64 of A-Z a-z 0-9 . _ -",
                        i);
    for (size_t j = 0; j < i; j++)
      if (!strcmp(n->keys[j].kid, k->kid))
        return tc__seterr(ctx, TC_EINVAL, "keys.kid",
                          "keys[%zu].kid repeats keys[%zu].kid", i, j);
    bool len_ok = n->alg == TC_AUTH_EDDSA
                      ? k->secret_len == 32
                      : k->secret_len >= 32 && k->secret_len <= 64;
    if (!k->secret || !len_ok)
      return tc__seterr(ctx, TC_EINVAL, "keys.secret",
                        "keys[%zu].secret must be %s", i,
                        n->alg == TC_AUTH_EDDSA ? "a 32-byte Ed25519 seed"
                                                : "32 to 64 bytes");
    if (slot_set(&n->keys[i], n->alg, k->kid, k->secret, k->secret_len))
      return tc__seterr(ctx, TC_ERROR, "keys", "cannot derive keys[%zu]", i);
  }
  n->nkeys = o->nkeys;
  n->keys_configured = true;
  return TC_OK;
}

static int apply(tc_ctx *ctx, tc__auth_state *n, const tc_auth_options *o) {
  int rc;
  if (o->pwhash_opslimit) {
    if (o->pwhash_opslimit < crypto_pwhash_OPSLIMIT_MIN ||
        o->pwhash_opslimit > 64)
      return tc__seterr(ctx, TC_EINVAL, "pwhash_opslimit",
                        "pwhash_opslimit must be 1 to 64");
    n->opslimit = o->pwhash_opslimit;
  }
  if (o->pwhash_memlimit) {
    if (o->pwhash_memlimit < crypto_pwhash_MEMLIMIT_MIN ||
        o->pwhash_memlimit > 4096 * MIB)
      return tc__seterr(ctx, TC_EINVAL, "pwhash_memlimit",
                        "pwhash_memlimit must be 8 KiB to 4 GiB");
    n->memlimit = o->pwhash_memlimit;
  }
  if (o->password_min) n->pw_min = o->password_min;
  if (o->password_max) n->pw_max = o->password_max;
  if (n->pw_min < 1 || n->pw_max < 64 || n->pw_max > 4096 ||
      n->pw_min > n->pw_max)
    return tc__seterr(ctx, TC_EINVAL, "password_max",
                      "password lengths must be 1 <= min <= max, 64 <= max "
                      "<= 4096");
  if (o->alg) {
    if (o->alg != TC_AUTH_HS256 && o->alg != TC_AUTH_EDDSA)
      return tc__seterr(ctx, TC_EINVAL, "alg", "alg must be HS256 or EdDSA");
    n->alg = o->alg;
  }
  if (n->alg != ((tc__auth_state *)ctx->module_state[TC__SLOT_AUTH])->alg ||
      o->keys) {
    /* A new algorithm invalidates the loaded ring. */
    memset(n->keys, 0, sizeof(n->keys));
    n->nkeys = 0;
    n->keys_configured = false;
  }
  if ((rc = apply_keys(ctx, n, o))) return rc;
  if ((rc = copy_str(ctx, n->issuer, sizeof(n->issuer), o->issuer, "issuer")))
    return rc;
  if ((rc = copy_str(ctx, n->audience, sizeof(n->audience), o->audience,
                     "audience")))
    return rc;
  if ((rc = copy_str(ctx, n->totp_issuer, sizeof(n->totp_issuer),
                     o->totp_issuer, "totp_issuer")))
    return rc;
  if (strchr(n->totp_issuer, ':'))
    return tc__seterr(ctx, TC_EINVAL, "totp_issuer",
                      "totp_issuer must not contain ':'");
  if ((rc = opt_ms(ctx, &n->access_ttl, o->access_ttl_ms, "access_ttl_ms")) ||
      (rc = opt_ms(ctx, &n->refresh_idle, o->refresh_idle_ms,
                   "refresh_idle_ms")) ||
      (rc = opt_ms(ctx, &n->refresh_abs, o->refresh_absolute_ms,
                   "refresh_absolute_ms")) ||
      (rc = opt_ms(ctx, &n->mfa_ttl, o->mfa_challenge_ttl_ms,
                   "mfa_challenge_ttl_ms")) ||
      (rc = opt_ms(ctx, &n->code_ttl, o->auth_code_ttl_ms,
                   "auth_code_ttl_ms")) ||
      (rc = opt_ms(ctx, &n->thr_window, o->throttle_window_ms,
                   "throttle_window_ms")) ||
      (rc = opt_ms(ctx, &n->thr_base, o->throttle_base_ms,
                   "throttle_base_ms")) ||
      (rc = opt_ms(ctx, &n->thr_max, o->throttle_max_ms, "throttle_max_ms")) ||
      (rc = opt_ms(ctx, &n->sess_cache_ttl, o->session_cache_ttl_ms,
                   "session_cache_ttl_ms")))
    return rc;
  /* Fields after totp_alg exist only from options version 2 on. */
  if (o->version >= 2 &&
      (rc = opt_ms(ctx, &n->sess_retention, o->session_retention_ms,
                   "session_retention_ms")))
    return rc;
  if (o->leeway_ms < 0) n->leeway = 0;
  if (o->leeway_ms > 0) {
    if (o->leeway_ms > 10 * 60 * 1000)
      return tc__seterr(ctx, TC_EINVAL, "leeway_ms",
                        "leeway_ms must be at most 10 minutes");
    n->leeway = o->leeway_ms;
  }
  if (o->throttle_account_free) n->thr_acct = o->throttle_account_free;
  if (o->throttle_ip_free) n->thr_ip = o->throttle_ip_free;
  if (o->totp_alg) {
    if (o->totp_alg < TC_TOTP_SHA1 || o->totp_alg > TC_TOTP_SHA512)
      return tc__seterr(ctx, TC_EINVAL, "totp_alg",
                        "totp_alg must be SHA1, SHA256 or SHA512");
    n->totp_alg = o->totp_alg;
  }
  if (n->refresh_idle > n->refresh_abs)
    return tc__seterr(ctx, TC_EINVAL, "refresh_idle_ms",
                      "refresh_idle_ms must not exceed refresh_absolute_ms");
  return TC_OK;
}

int tc_auth_configure(tc_ctx *ctx, const tc_auth_options *opts) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!opts) return tc__seterr(ctx, TC_EINVAL, "opts", "opts is NULL");
  if (opts->version < 1 || opts->version > TC_AUTH_OPTIONS_VERSION)
    return tc__seterr(ctx, TC_EVERSION, "version",
                      "auth options version %u is not supported (1 to %d)",
                      (unsigned)opts->version, TC_AUTH_OPTIONS_VERSION);
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  /* Work on a copy so a bad option changes nothing. */
  tc__auth_state *n = tc__malloc(ctx, sizeof(*n));
  if (!n) return tc__oom(ctx);
  memcpy(n, st, sizeof(*n));
  int rc = apply(ctx, n, opts);
  if (rc == TC_OK) {
    /* The dummy hash must cost what a real one costs now. */
    if (n->opslimit != st->opslimit || n->memlimit != st->memlimit)
      n->dummy_hash[0] = '\0';
    memcpy(st, n, sizeof(*n));
  }
  sodium_memzero(n, sizeof(*n));
  tc__free(ctx, n);
  return rc;
}

/* ---- generated keys kept in the store ---- */

static const char *alg_name(tc_auth_alg alg) {
  return alg == TC_AUTH_EDDSA ? "EdDSA" : "HS256";
}

typedef struct {
  tc__auth_state *st;
  int rc;
} load_ctx;

static int load_row(const tc_value *cols, size_t n, void *payload) {
  load_ctx *l = payload;
  (void)n;
  tc__auth_state *st = l->st;
  if (st->nkeys >= TC__AUTH_MAX_KEYS) return TC_STORE_STOP;
  unsigned char secret[32];
  const char *hex = tc__col_text(&cols[1]);
  if (strlen(hex) != 64 || tc__auth_unhex(secret, 32, hex)) {
    l->rc = TC_ECORRUPT;
    return TC_STORE_STOP;
  }
  if (slot_set(&st->keys[st->nkeys], st->alg, tc__col_text(&cols[0]), secret,
               32) == TC_OK)
    st->nkeys++;
  sodium_memzero(secret, sizeof(secret));
  return 0;
}

static const char SQL_KEYS_LOAD[] =
    "SELECT kid, secret FROM auth_keys WHERE alg = ? "
    "ORDER BY generation DESC LIMIT 8";
static const char SQL_KEY_INSERT[] =
    "INSERT INTO auth_keys (alg, generation, kid, secret, created_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
static const char SQL_KEY_MAXGEN[] =
    "SELECT COALESCE(MAX(generation), 0) FROM auth_keys WHERE alg = ?";

static int load_keys(tc_ctx *ctx, tc__auth_state *st) {
  tc_value p[] = {TC_VAL_TEXT(alg_name(st->alg))};
  memset(st->keys, 0, sizeof(st->keys));
  st->nkeys = 0;
  load_ctx l = {st, TC_OK};
  int rc = tc__db_exec(ctx, SQL_KEYS_LOAD, p, 1, load_row, &l, NULL);
  if (rc == TC_OK && l.rc)
    rc = tc__seterr(ctx, l.rc, NULL, "a stored signing key is damaged");
  return rc;
}

static int get_int(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

/* Insert generation gen with a fresh key; a concurrent insert of the same
 * generation wins quietly (ON CONFLICT DO NOTHING) and we load its key. */
static int insert_key(tc_ctx *ctx, tc__auth_state *st, int64_t gen) {
  unsigned char secret[32];
  char hex[65];
  tc_id kid;
  tc__random(ctx, secret, sizeof(secret));
  tc__auth_hex(hex, secret, sizeof(secret));
  tc_id_new(&kid, ctx);
  tc_value p[] = {TC_VAL_TEXT(alg_name(st->alg)), TC_VAL_INT(gen),
                  TC_VAL_TEXT(kid.str), TC_VAL_TEXT(hex),
                  TC_VAL_INT(tc__now_ms(ctx))};
  int rc = tc__db_exec(ctx, SQL_KEY_INSERT, p, 5, NULL, NULL, NULL);
  sodium_memzero(secret, sizeof(secret));
  sodium_memzero(hex, sizeof(hex));
  return rc;
}

int tc__auth_keys_ready(tc_ctx *ctx, tc__auth_state *st) {
  if (st->keys_configured || st->nkeys) return TC_OK;
  int rc = load_keys(ctx, st);
  if (rc || st->nkeys) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = insert_key(ctx, st, 1);
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK) rc = load_keys(ctx, st);
  if (rc == TC_OK && !st->nkeys)
    rc = tc__seterr(ctx, TC_ERROR, NULL, "no signing key could be made");
  return rc;
}

const tc__auth_keyslot *tc__auth_key_find(tc_ctx *ctx, tc__auth_state *st,
                                          const char *kid) {
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < st->nkeys; i++)
      if (!strcmp(st->keys[i].kid, kid)) return &st->keys[i];
    /* Another process may have rotated the stored key since we loaded. */
    if (st->keys_configured || pass || load_keys(ctx, st) != TC_OK) break;
  }
  return NULL;
}

int tc_auth_rotate_key(tc_ctx *ctx) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  if (st->keys_configured)
    return tc__seterr(ctx, TC_ESTATE, "keys",
                      "keys are configured by the host; rotate them with "
                      "tc_auth_configure");
  int rc = tc__txn_begin(ctx, TC_TXN_WRITE);
  if (rc) return rc;
  int64_t gen = 0;
  tc_value p[] = {TC_VAL_TEXT(alg_name(st->alg))};
  rc = tc__db_row(ctx, SQL_KEY_MAXGEN, p, 1, get_int, &gen);
  if (rc == TC_OK) rc = insert_key(ctx, st, gen + 1);
  rc = tc__txn_end(ctx, rc);
  if (rc == TC_OK) rc = load_keys(ctx, st);
  return rc;
}
