/*
 * lib/auth/sha1.c - SHA-1 (RFC 3174) and HMAC-SHA-1 (RFC 2104), which
 * libsodium does not offer. Used only for TOTP's default algorithm (RFC
 * 6238 and every authenticator app), where HMAC-SHA-1 is still sound;
 * never for anything that needs collision resistance.
 */
#include "auth_private.h"

typedef struct {
  uint32_t h[5];
  uint64_t len; /* bytes */
  unsigned char block[64];
  size_t used;
} sha1_ctx;

static uint32_t rol(uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

static void sha1_block(sha1_ctx *c, const unsigned char *b) {
  uint32_t w[80];
  for (int t = 0; t < 16; t++)
    w[t] = (uint32_t)b[4 * t] << 24 | (uint32_t)b[4 * t + 1] << 16 |
           (uint32_t)b[4 * t + 2] << 8 | (uint32_t)b[4 * t + 3];
  for (int t = 16; t < 80; t++)
    w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  uint32_t a = c->h[0], bb = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
  for (int t = 0; t < 80; t++) {
    uint32_t f, k;
    if (t < 20) {
      f = (bb & cc) | (~bb & d);
      k = 0x5A827999;
    } else if (t < 40) {
      f = bb ^ cc ^ d;
      k = 0x6ED9EBA1;
    } else if (t < 60) {
      f = (bb & cc) | (bb & d) | (cc & d);
      k = 0x8F1BBCDC;
    } else {
      f = bb ^ cc ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t tmp = rol(a, 5) + f + e + k + w[t];
    e = d;
    d = cc;
    cc = rol(bb, 30);
    bb = a;
    a = tmp;
  }
  c->h[0] += a;
  c->h[1] += bb;
  c->h[2] += cc;
  c->h[3] += d;
  c->h[4] += e;
  sodium_memzero(w, sizeof(w));
}

static void sha1_init(sha1_ctx *c) {
  static const uint32_t iv[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
                                 0xC3D2E1F0};
  memset(c, 0, sizeof(*c));
  memcpy(c->h, iv, sizeof(iv));
}

static void sha1_update(sha1_ctx *c, const void *data, size_t n) {
  const unsigned char *p = data;
  c->len += n;
  while (n > 0) {
    size_t take = 64 - c->used < n ? 64 - c->used : n;
    memcpy(c->block + c->used, p, take);
    c->used += take;
    p += take;
    n -= take;
    if (c->used == 64) {
      sha1_block(c, c->block);
      c->used = 0;
    }
  }
}

static void sha1_final(sha1_ctx *c, unsigned char out[TC__SHA1_LEN]) {
  uint64_t bits = c->len * 8;
  unsigned char pad = 0x80;
  sha1_update(c, &pad, 1);
  pad = 0;
  while (c->used != 56) sha1_update(c, &pad, 1);
  unsigned char lenb[8];
  for (int i = 0; i < 8; i++) lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha1_update(c, lenb, 8);
  for (int i = 0; i < 5; i++) {
    out[4 * i] = (unsigned char)(c->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)c->h[i];
  }
  sodium_memzero(c, sizeof(*c));
}

void tc__sha1(unsigned char out[TC__SHA1_LEN], const void *data, size_t n) {
  sha1_ctx c;
  sha1_init(&c);
  sha1_update(&c, data, n);
  sha1_final(&c, out);
}

void tc__hmac_sha1(unsigned char out[TC__SHA1_LEN], const unsigned char *key,
                   size_t key_len, const void *msg, size_t n) {
  unsigned char k[64] = {0}, pad[64], inner[TC__SHA1_LEN];
  if (key_len > 64)
    tc__sha1(k, key, key_len);
  else
    memcpy(k, key, key_len);
  sha1_ctx c;
  for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
  sha1_init(&c);
  sha1_update(&c, pad, 64);
  sha1_update(&c, msg, n);
  sha1_final(&c, inner);
  for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
  sha1_init(&c);
  sha1_update(&c, pad, 64);
  sha1_update(&c, inner, sizeof(inner));
  sha1_final(&c, out);
  sodium_memzero(k, sizeof(k));
  sodium_memzero(pad, sizeof(pad));
  sodium_memzero(inner, sizeof(inner));
}
