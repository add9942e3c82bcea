/*
 * lib/auth/jwt.c - access tokens as JWT (RFC 7519, JWS compact form),
 * HS256 or EdDSA (Ed25519) by configuration. Verification trusts nothing
 * in the token until its signature checked with the configured algorithm:
 * the header's alg only has to match it, never chooses it.
 */
#include <stdio.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "auth_private.h"

#define JWT_MAX 8192
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char *alg_name(tc_auth_alg alg) {
  return alg == TC_AUTH_EDDSA ? "EdDSA" : "HS256";
}

static void hmac(unsigned char out[32], const tc__auth_keyslot *k,
                 const char *msg, size_t n) {
  crypto_auth_hmacsha256_state s;
  crypto_auth_hmacsha256_init(&s, k->secret, k->secret_len);
  crypto_auth_hmacsha256_update(&s, (const unsigned char *)msg, n);
  crypto_auth_hmacsha256_final(&s, out);
  sodium_memzero(&s, sizeof(s));
}

/* Append base64url(data) to out at *o. */
static int put_b64(char *out, size_t size, size_t *o, const void *data,
                   size_t n) {
  size_t need = sodium_base64_encoded_len(n, B64);
  if (*o + need > size) return TC_EOVERFLOW;
  sodium_bin2base64(out + *o, need, data, n, B64);
  *o += strlen(out + *o);
  return TC_OK;
}

static cJSON *make_payload(tc__auth_state *st, const tc__auth_jwt_in *in,
                           int64_t now_s, const char *jti) {
  cJSON *p = cJSON_CreateObject();
  if (!p) return NULL;
  bool ok = cJSON_AddStringToObject(p, "iss", st->issuer) &&
            cJSON_AddStringToObject(p, "sub", in->sub) &&
            cJSON_AddStringToObject(p, "aud", st->audience) &&
            cJSON_AddNumberToObject(p, "exp",
                                    (double)(now_s + st->access_ttl / 1000)) &&
            cJSON_AddNumberToObject(p, "iat", (double)now_s) &&
            cJSON_AddNumberToObject(p, "nbf", (double)now_s) &&
            cJSON_AddStringToObject(p, "jti", jti);
  if (ok && in->sid && *in->sid)
    ok = cJSON_AddStringToObject(p, "sid", in->sid) != NULL;
  if (ok && in->client_id && *in->client_id)
    ok = cJSON_AddStringToObject(p, "client_id", in->client_id) != NULL;
  if (ok && in->scope && *in->scope)
    ok = cJSON_AddStringToObject(p, "scope", in->scope) != NULL;
  if (ok && in->sid && *in->sid) {
    cJSON *roles = cJSON_AddArrayToObject(p, "roles");
    ok = roles && tc__roles_json(roles, in->roles) == TC_OK;
  }
  if (!ok) {
    cJSON_Delete(p);
    return NULL;
  }
  return p;
}

int tc__auth_jwt_issue(tc_ctx *ctx, char *out, size_t out_size,
                       const tc__auth_jwt_in *in, int64_t *expires_in) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  int rc = tc__auth_keys_ready(ctx, st);
  if (rc) return rc;
  const tc__auth_keyslot *k = &st->keys[0];
  tc_id jti;
  tc_id_new(&jti, ctx);
  int64_t now_s = tc__now_ms(ctx) / 1000;

  cJSON *h = cJSON_CreateObject();
  bool ok = h && cJSON_AddStringToObject(h, "alg", alg_name(st->alg)) &&
            cJSON_AddStringToObject(h, "typ", "JWT") &&
            cJSON_AddStringToObject(h, "kid", k->kid);
  char *htext = ok ? cJSON_PrintUnformatted(h) : NULL;
  cJSON_Delete(h);
  cJSON *p = htext ? make_payload(st, in, now_s, jti.str) : NULL;
  char *ptext = p ? cJSON_PrintUnformatted(p) : NULL;
  cJSON_Delete(p);
  size_t o = 0;
  rc = ptext ? TC_OK : TC_ENOMEM;
  if (rc == TC_OK) rc = put_b64(out, out_size, &o, htext, strlen(htext));
  if (rc == TC_OK && o + 1 < out_size) out[o++] = '.';
  if (rc == TC_OK) rc = put_b64(out, out_size, &o, ptext, strlen(ptext));
  cJSON_free(htext);
  cJSON_free(ptext);
  if (rc == TC_ENOMEM)
    return tc__seterr(ctx, rc, NULL, "out of memory making a token");
  if (rc)
    return tc__seterr(ctx, rc, NULL, "the token is longer than %zu bytes",
                      out_size);
  unsigned char sig[crypto_sign_BYTES];
  size_t siglen = 32;
  if (st->alg == TC_AUTH_EDDSA) {
    crypto_sign_detached(sig, NULL, (const unsigned char *)out, o, k->sk);
    siglen = crypto_sign_BYTES;
  } else {
    hmac(sig, k, out, o);
  }
  if (o + 1 >= out_size) rc = TC_EOVERFLOW;
  if (rc == TC_OK) {
    out[o++] = '.';
    rc = put_b64(out, out_size, &o, sig, siglen);
  }
  if (rc)
    return tc__seterr(ctx, rc, NULL, "the token is longer than %zu bytes",
                      out_size);
  if (expires_in) *expires_in = st->access_ttl / 1000;
  return TC_OK;
}

/* ---- verification ---- */

static int bad(tc_ctx *ctx, const char *fmt, ...) TC_PRINTF(2, 3);
static int bad(tc_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = tc__vseterr(ctx, TC_EUNAUTHENTICATED, "token", fmt, ap);
  va_end(ap);
  return rc;
}

/* Decode one base64url part into a fresh buffer (NUL added). */
static int decode_part(tc_ctx *ctx, const char *s, size_t n, const char *what,
                       unsigned char **out, size_t *out_len) {
  *out = NULL;
  if (n == 0) return bad(ctx, "the token's %s is empty", what);
  unsigned char *buf = tc__malloc(ctx, n + 1);
  if (!buf) return tc__oom(ctx);
  const char *end = NULL;
  if (sodium_base642bin(buf, n, s, n, NULL, out_len, &end, B64) != 0 ||
      end != s + n) {
    tc__free(ctx, buf);
    return bad(ctx, "the token's %s is not valid base64url", what);
  }
  buf[*out_len] = '\0';
  *out = buf;
  return TC_OK;
}

static cJSON *parse_obj(const unsigned char *text, size_t n) {
  if (!tc__utf8_valid((const char *)text, n) || strlen((const char *)text) != n)
    return NULL;
  cJSON *o = cJSON_ParseWithLengthOpts((const char *)text, n + 1, NULL, 1);
  if (o && !cJSON_IsObject(o)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static const char *str_claim(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A NumericDate: an integral number of seconds. */
static bool num_claim(const cJSON *o, const char *name, int64_t *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  if (!cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  if (d < 0 || d > 1e12 || d != (double)(int64_t)d) return false;
  *out = (int64_t)d;
  return true;
}

static int check_header(tc_ctx *ctx, tc__auth_state *st, const cJSON *h,
                        const tc__auth_keyslot **key) {
  const char *alg = str_claim(h, "alg");
  if (!alg) return bad(ctx, "the token header has no alg");
  if (!strcasecmp(alg, "none"))
    return bad(ctx, "the token is unsigned (alg none)");
  if (strcmp(alg, alg_name(st->alg))) {
    char q[80];
    snprintf(q, sizeof(q), "%.16s", alg);
    return tc__seterr(ctx, TC_EUNAUTHENTICATED, "token",
                      "the token's alg %s is not the configured %s", q,
                      alg_name(st->alg));
  }
  if (cJSON_GetObjectItemCaseSensitive(h, "crit"))
    return bad(ctx, "the token header has crit extensions");
  const char *typ = str_claim(h, "typ");
  if (cJSON_GetObjectItemCaseSensitive(h, "typ") &&
      (!typ || strcasecmp(typ, "JWT")))
    return bad(ctx, "the token's typ is not JWT");
  const char *kid = str_claim(h, "kid");
  if (!kid) return bad(ctx, "the token header has no kid");
  int rc = tc__auth_keys_ready(ctx, st);
  if (rc) return rc;
  *key = tc__auth_key_find(ctx, st, kid);
  if (!*key) return bad(ctx, "the token's kid is not a known key");
  return TC_OK;
}

static int check_sig(tc_ctx *ctx, tc__auth_state *st, const tc__auth_keyslot *k,
                     const char *signed_part, size_t n,
                     const unsigned char *sig, size_t siglen) {
  bool ok;
  if (st->alg == TC_AUTH_EDDSA) {
    ok = siglen == crypto_sign_BYTES &&
         crypto_sign_verify_detached(sig, (const unsigned char *)signed_part, n,
                                     k->pk) == 0;
  } else {
    unsigned char mac[32];
    hmac(mac, k, signed_part, n);
    ok = siglen == 32 && sodium_memcmp(mac, sig, 32) == 0;
    sodium_memzero(mac, sizeof(mac));
  }
  return ok ? TC_OK : bad(ctx, "the token's signature is wrong");
}

static bool aud_matches(const cJSON *p, const char *want) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, "aud");
  if (cJSON_IsString(a)) return !strcmp(a->valuestring, want);
  if (!cJSON_IsArray(a)) return false;
  const cJSON *e;
  cJSON_ArrayForEach(e, a) {
    if (cJSON_IsString(e) && !strcmp(e->valuestring, want)) return true;
  }
  return false;
}

static int copy_claim(tc_ctx *ctx, char *dst, size_t size, const cJSON *p,
                      const char *name, bool required) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, name);
  dst[0] = '\0';
  if (!v && !required) return TC_OK;
  if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
    return bad(ctx, "the token's %s claim is missing or malformed", name);
  memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
  return TC_OK;
}

static int check_claims(tc_ctx *ctx, tc__auth_state *st, const cJSON *p,
                        tc_principal *who, tc_auth_claims *c) {
  int rc;
  if ((rc = copy_claim(ctx, c->iss, sizeof(c->iss), p, "iss", true))) return rc;
  if (strcmp(c->iss, st->issuer))
    return bad(ctx, "the token's issuer is not %s", st->issuer);
  if (!aud_matches(p, st->audience))
    return bad(ctx, "the token's audience is not %s", st->audience);
  snprintf(c->aud, sizeof(c->aud), "%s", st->audience);
  if (!num_claim(p, "exp", &c->exp))
    return bad(ctx, "the token has no valid exp claim");
  if (!num_claim(p, "iat", &c->iat))
    return bad(ctx, "the token has no valid iat claim");
  c->nbf = 0;
  if (cJSON_GetObjectItemCaseSensitive(p, "nbf") &&
      !num_claim(p, "nbf", &c->nbf))
    return bad(ctx, "the token's nbf claim is malformed");
  int64_t now = tc__now_ms(ctx);
  int64_t leeway = st->leeway;
  if (now - leeway >= c->exp * 1000)
    return tc__seterr(ctx, TC_EEXPIRED, "token", "the token has expired");
  if (c->nbf && now + leeway < c->nbf * 1000)
    return bad(ctx, "the token is not valid yet (nbf)");
  if (now + leeway < c->iat * 1000)
    return bad(ctx, "the token was issued in the future (iat)");
  if ((rc = copy_claim(ctx, c->sub, sizeof(c->sub), p, "sub", true)) ||
      (rc = copy_claim(ctx, c->jti, sizeof(c->jti), p, "jti", true)) ||
      (rc = copy_claim(ctx, c->sid, sizeof(c->sid), p, "sid", false)) ||
      (rc = copy_claim(ctx, who->client_id, sizeof(who->client_id), p,
                       "client_id", false)) ||
      (rc = copy_claim(ctx, who->scopes, sizeof(who->scopes), p, "scope",
                       false)))
    return rc;
  if (!c->sid[0]) {
    /* Client credentials: a client acting for itself, not a user. */
    if (strcmp(c->sub, who->client_id))
      return bad(ctx, "the token has no sid claim");
    who->kind = TC_PRINCIPAL_ANONYMOUS;
    return TC_OK;
  }
  if (tc_id_check(c->sub) || tc_id_check(c->sid))
    return bad(ctx, "the token's sub or sid is not an id");
  who->kind = TC_PRINCIPAL_USER;
  memcpy(who->user_id, c->sub, TC_ID_STRLEN + 1); /* an id: 36 + NUL */
  snprintf(who->session_id, sizeof(who->session_id), "%s", c->sid);
  const cJSON *roles = cJSON_GetObjectItemCaseSensitive(p, "roles");
  if (roles && !cJSON_IsArray(roles))
    return bad(ctx, "the token's roles claim is malformed");
  const cJSON *r;
  cJSON_ArrayForEach(r, roles) {
    if (!cJSON_IsString(r))
      return bad(ctx, "the token's roles claim is malformed");
    who->roles |= tc_role_parse(r->valuestring);
  }
  return TC_OK;
}

int tc__auth_jwt_verify(tc_ctx *ctx, const char *token, tc_principal *who,
                        tc_auth_claims *c) {
  tc__auth_state *st = tc__auth_state_get(ctx);
  if (!st) return TC_ENOMEM;
  tc_principal anon = TC_PRINCIPAL_INIT;
  *who = anon;
  memset(c, 0, sizeof(*c));
  if (!token || !*token) return bad(ctx, "the token is empty");
  size_t n = strnlen(token, JWT_MAX + 1);
  if (n > JWT_MAX) return bad(ctx, "the token is too long");
  const char *d1 = memchr(token, '.', n);
  const char *d2 =
      d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - token)) : NULL;
  if (!d1 || !d2)
    return bad(ctx, "the token does not have three parts (truncated?)");
  if (memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - token)))
    return bad(ctx, "the token has more than three parts");
  unsigned char *hb = NULL, *pb = NULL, *sb = NULL;
  size_t hl = 0, pl = 0, sl = 0;
  cJSON *h = NULL, *p = NULL;
  const tc__auth_keyslot *key = NULL;
  /* The header first, so "alg none" is named as such. */
  int rc = decode_part(ctx, token, (size_t)(d1 - token), "header", &hb, &hl);
  if (rc == TC_OK && !(h = parse_obj(hb, hl)))
    rc = bad(ctx, "the token's header is not a JSON object");
  if (rc == TC_OK) rc = check_header(ctx, st, h, &key);
  if (rc == TC_OK)
    rc = decode_part(ctx, d1 + 1, (size_t)(d2 - d1 - 1), "payload", &pb, &pl);
  if (rc == TC_OK)
    rc = decode_part(ctx, d2 + 1, n - (size_t)(d2 + 1 - token), "signature",
                     &sb, &sl);
  if (rc == TC_OK)
    rc = check_sig(ctx, st, key, token, (size_t)(d2 - token), sb, sl);
  if (rc == TC_OK && !(p = parse_obj(pb, pl)))
    rc = bad(ctx, "the token's payload is not a JSON object");
  if (rc == TC_OK) {
    snprintf(c->kid, sizeof(c->kid), "%s", key->kid);
    rc = check_claims(ctx, st, p, who, c);
  }
  cJSON_Delete(h);
  cJSON_Delete(p);
  tc__free(ctx, hb);
  tc__free(ctx, pb);
  tc__free(ctx, sb);
  if (rc) *who = anon;
  return rc;
}
