/*
 * lib/adapters/redis/redis_cache.c - the cache port over Redis (hiredis);
 * what it promises is in techcorp/redis.h.
 *
 * Layout: key K of the port is the Redis hash <prefix>K with fields
 *   v  the value (bytes; a counter's decimal text)
 *   x  expiry in the adapter clock's milliseconds (absent: none)
 *   o  a lock's owner
 * Reads are one HMGET; every write is one EVALSHA of a script below (EVAL
 * when the server does not know it, as after a restart), so a counter or
 * a lock changes in one atomic step whatever other processes do. Times
 * are computed here and passed as arguments, never read from Lua.
 *
 * Lua numbers are doubles: counters never pass through them (HINCRBY does
 * the arithmetic, the script returns the field's text), and times are
 * clamped below 2^53 before they are compared there.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "adapters/common/bucket.h"
#include "core/internal.h"
#include "techcorp/redis.h"

#define RD_KEY_MAX 512
#define RD_OWNER_MAX 512
#define RD_PREFIX_MAX 64
#define RD_DEFAULT_TIMEOUT_MS 1000
#define RD_BACKOFF_MIN_MS 100
#define RD_BACKOFF_MAX_MS 5000
#define RD_TIME_MAX ((int64_t)1 << 52)

/* ---- scripts -------------------------------------------------------------
 * KEYS[1] the hash. Expiry x is compared with ARGV "now". */

/* ARGV: value, expiry (0: none), redis ttl ms */
static const char RD_SET[] =
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('HSET', KEYS[1], 'v', ARGV[1])\n"
    "if ARGV[2] ~= '0' then\n"
    "  redis.call('HSET', KEYS[1], 'x', ARGV[2])\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
    "end\n"
    "return 1\n";

/* ARGV: delta, now, expiry if created (0: none), redis ttl ms.
 * Returns the new value as text. */
static const char RD_INCR[] =
    "local x = redis.call('HGET', KEYS[1], 'x')\n"
    "if x and tonumber(x) <= tonumber(ARGV[2]) then\n"
    "  redis.call('DEL', KEYS[1])\n"
    "end\n"
    "local created = redis.call('HEXISTS', KEYS[1], 'v') == 0\n"
    "if created then redis.call('DEL', KEYS[1]) end\n"
    "redis.call('HINCRBY', KEYS[1], 'v', ARGV[1])\n"
    "if created and ARGV[3] ~= '0' then\n"
    "  redis.call('HSET', KEYS[1], 'x', ARGV[3])\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[4])\n"
    "end\n"
    "return redis.call('HGET', KEYS[1], 'v')\n";

/* ARGV: owner, now, expiry (0: none), redis ttl ms. 1 taken, 0 busy. */
static const char RD_LOCK[] =
    "local f = redis.call('HMGET', KEYS[1], 'o', 'x')\n"
    "local owner, x = f[1], f[2]\n"
    "if owner and x and tonumber(x) <= tonumber(ARGV[2]) then owner = nil "
    "end\n"
    "if owner and owner ~= ARGV[1] then return 0 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('HSET', KEYS[1], 'o', ARGV[1])\n"
    "if ARGV[3] ~= '0' then\n"
    "  redis.call('HSET', KEYS[1], 'x', ARGV[3])\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[4])\n"
    "end\n"
    "return 1\n";

/* ARGV: owner, now. 1 released, 0 not held by owner. */
static const char RD_UNLOCK[] =
    "local f = redis.call('HMGET', KEYS[1], 'o', 'x')\n"
    "if not f[1] or f[1] ~= ARGV[1] then return 0 end\n"
    "if f[2] and tonumber(f[2]) <= tonumber(ARGV[2]) then return 0 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "return 1\n";

/* The token bucket of adapters/common/bucket.c, step for step (every
 * number stays below 2^53, where doubles are exact). ARGV: capacity,
 * refill tokens, refill ms, cost, now, slack. Returns {taken, wait}. */
static const char RD_BUCKET[] =
    "local cap, rate, every, cost, now = tonumber(ARGV[1]), "
    "tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), "
    "tonumber(ARGV[5])\n"
    "local full = cap * every\n"
    "local f = redis.call('HMGET', KEYS[1], 'u', 'l')\n"
    "local units, last = tonumber(f[1]), tonumber(f[2])\n"
    "if not units or not last then\n"
    "  if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "    return redis.error_reply('WRONGTYPE not a token bucket')\n"
    "  end\n"
    "  units, last = full, now\n"
    "end\n"
    "if now > last then\n"
    "  local gain = (now - last) * rate\n"
    "  if gain >= full - units then units = full else units = units + gain "
    "end\n"
    "  last = now\n"
    "end\n"
    "local need = cost * every\n"
    "local taken, wait = 0, 0\n"
    "if units >= need then\n"
    "  units = units - need\n"
    "  taken = 1\n"
    "else\n"
    "  local behind = 0\n"
    "  if last > now then behind = last - now end\n"
    "  wait = math.ceil((need - units) / rate) + behind\n"
    "end\n"
    "local full_in = math.ceil((full - units) / rate)\n"
    "if full_in < 1 then full_in = 1 end\n"
    "redis.call('HSET', KEYS[1], 'u', string.format('%.0f', units), 'l', "
    "string.format('%.0f', last))\n"
    "redis.call('PEXPIRE', KEYS[1], full_in + tonumber(ARGV[6]))\n"
    "return {taken, wait}\n";

typedef struct rd_script {
  const char *text;
  char sha[41];
} rd_script;

enum { RD_S_SET, RD_S_INCR, RD_S_LOCK, RD_S_UNLOCK, RD_S_BUCKET, RD_S_COUNT };

/* ---- the adapter ----------------------------------------------------------
 */

typedef struct rd_cache {
  tc_cache port;
  pthread_mutex_t lock;
  redisContext *ctx; /* NULL while down */
  char host[256];
  int port_no;
  int db;
  char *password; /* wiped on free */
  char *user;
  char prefix[RD_PREFIX_MAX + 1];
  size_t prefix_len;
  tc_clock clock;
  int timeout_ms;
  int64_t slack_ms;
  rd_script scripts[RD_S_COUNT];
  tc_cache *fallback; /* the memory cache of degraded mode */
  int64_t retry_at_ms, backoff_ms;
  tc_redis_status status;
  bool ever_connected;
} rd_cache;

static int64_t rd_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t rd_now(rd_cache *c) {
  return c->clock.now_ms(c->clock.self);
}

static void rd_down(rd_cache *c, const char *why) {
  if (c->ctx) {
    redisFree(c->ctx);
    c->ctx = NULL;
  }
  if (c->status.connected || !c->status.down_since_ms)
    c->status.down_since_ms = rd_mono_ms();
  c->status.connected = 0;
  snprintf(c->status.last_error, sizeof(c->status.last_error), "%s", why);
  c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : RD_BACKOFF_MIN_MS;
  if (c->backoff_ms > RD_BACKOFF_MAX_MS) c->backoff_ms = RD_BACKOFF_MAX_MS;
  c->retry_at_ms = rd_mono_ms() + c->backoff_ms;
}

static bool rd_up(rd_cache *c);

/* A command on the live connection (connecting first when the backoff
 * allows); NULL (and the connection dropped)
 * when the connection failed. */
static redisReply *rd_command(rd_cache *c, int argc, const char **argv,
                              const size_t *lens) {
  if (!rd_up(c)) return NULL;
  redisReply *r = redisCommandArgv(c->ctx, argc, argv, lens);
  if (!r) {
    char why[sizeof(c->status.last_error)];
    snprintf(why, sizeof(why), "redis: %.128s",
             c->ctx->errstr[0] ? c->ctx->errstr : "connection lost");
    rd_down(c, why);
    return NULL;
  }
  /* A server still loading its data, or a replica cut off, is down for
   * us too. */
  if (r->type == REDIS_REPLY_ERROR &&
      (strncmp(r->str, "LOADING", 7) == 0 ||
       strncmp(r->str, "MASTERDOWN", 10) == 0)) {
    char why[sizeof(c->status.last_error)];
    snprintf(why, sizeof(why), "redis: %.128s", r->str);
    freeReplyObject(r);
    rd_down(c, why);
    return NULL;
  }
  return r;
}

static redisReply *rd_command1(rd_cache *c, const char *a, const char *b) {
  const char *argv[] = {a, b};
  size_t lens[] = {strlen(a), b ? strlen(b) : 0};
  return rd_command(c, b ? 2 : 1, argv, lens);
}

static int rd_load_scripts(rd_cache *c) {
  for (int i = 0; i < RD_S_COUNT; i++) {
    const char *argv[] = {"SCRIPT", "LOAD", c->scripts[i].text};
    size_t lens[] = {6, 4, strlen(c->scripts[i].text)};
    redisReply *r = rd_command(c, 3, argv, lens);
    if (!r) return TC_EUNAVAILABLE;
    if (r->type != REDIS_REPLY_STRING || r->len != 40) {
      freeReplyObject(r);
      rd_down(c, "redis: SCRIPT LOAD gave no digest");
      return TC_EUNAVAILABLE;
    }
    memcpy(c->scripts[i].sha, r->str, 40);
    c->scripts[i].sha[40] = '\0';
    freeReplyObject(r);
  }
  return TC_OK;
}

/* Connect, authenticate, select the database, load the scripts. */
static int rd_connect(rd_cache *c) {
  struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
  redisContext *ctx = redisConnectWithTimeout(c->host, c->port_no, tv);
  if (!ctx) {
    rd_down(c, "redis: out of memory connecting");
    return TC_ENOMEM;
  }
  if (ctx->err) {
    char why[sizeof(c->status.last_error)];
    snprintf(why, sizeof(why), "redis: cannot connect to %.64s:%d: %.64s",
             c->host, c->port_no, ctx->errstr);
    redisFree(ctx);
    rd_down(c, why);
    return TC_EUNAVAILABLE;
  }
  redisSetTimeout(ctx, tv);
  c->ctx = ctx;
  if (c->password) {
    const char *argv[] = {"AUTH", c->user ? c->user : c->password, c->password};
    size_t lens[] = {4, strlen(argv[1]), strlen(c->password)};
    redisReply *r = rd_command(c, c->user ? 3 : 2, argv, lens);
    if (!r) return TC_EUNAVAILABLE;
    bool ok = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    if (!ok) {
      rd_down(c, "redis: the server refused the password");
      return TC_EDENIED;
    }
  }
  if (c->db) {
    char db[16];
    snprintf(db, sizeof(db), "%d", c->db);
    redisReply *r = rd_command1(c, "SELECT", db);
    if (!r) return TC_EUNAVAILABLE;
    bool ok = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    if (!ok) {
      rd_down(c, "redis: SELECT of the database failed");
      return TC_EINVAL;
    }
  }
  int rc = rd_load_scripts(c);
  if (rc) return rc;
  if (c->ever_connected) c->status.reconnects++;
  c->ever_connected = true;
  c->status.connected = 1;
  c->status.down_since_ms = 0;
  c->backoff_ms = 0;
  c->retry_at_ms = 0;
  return TC_OK;
}

/* true when there is a connection to use now (reconnecting if it is
 * time to try again). */
static bool rd_up(rd_cache *c) {
  if (c->ctx) return true;
  if (rd_mono_ms() < c->retry_at_ms) return false;
  return rd_connect(c) == TC_OK;
}

/* ---- keys and arguments ---------------------------------------------------
 */

static size_t rd_key_len(const char *key) {
  if (!key) return 0;
  size_t n = strnlen(key, RD_KEY_MAX + 1);
  return n > RD_KEY_MAX ? 0 : n;
}

typedef struct rd_key {
  char buf[RD_PREFIX_MAX + RD_KEY_MAX + 1];
  size_t len;
} rd_key;

static void rd_key_make(rd_cache *c, rd_key *k, const char *key, size_t n) {
  memcpy(k->buf, c->prefix, c->prefix_len);
  memcpy(k->buf + c->prefix_len, key, n);
  k->len = c->prefix_len + n;
  k->buf[k->len] = '\0';
}

/* Expiry of a ttl from now, clamped so Lua compares it exactly. */
static int64_t rd_expiry(int64_t now, int64_t ttl) {
  if (ttl <= 0) return 0;
  if (now > RD_TIME_MAX - ttl) return RD_TIME_MAX;
  int64_t x = now + ttl;
  return x > 0 ? x : 1;
}

static int64_t rd_server_ttl(rd_cache *c, int64_t ttl) {
  int64_t max = INT64_C(1) << 50;
  if (ttl > max - c->slack_ms) return max;
  return ttl + c->slack_ms;
}

/* Run script i with KEYS[1] = k and the given ARGV. NULL: Redis is down. */
static redisReply *rd_eval(rd_cache *c, int i, const rd_key *k, int nargs,
                           const char **args, const size_t *arglens) {
  const char *argv[12];
  size_t lens[12];
  if (nargs > 8) return NULL;
  argv[0] = "EVALSHA";
  lens[0] = 7;
  argv[1] = c->scripts[i].sha;
  lens[1] = 40;
  argv[2] = "1";
  lens[2] = 1;
  argv[3] = k->buf;
  lens[3] = k->len;
  for (int a = 0; a < nargs; a++) {
    argv[4 + a] = args[a];
    lens[4 + a] = arglens ? arglens[a] : strlen(args[a]);
  }
  redisReply *r = rd_command(c, 4 + nargs, argv, lens);
  if (r && r->type == REDIS_REPLY_ERROR &&
      strncmp(r->str, "NOSCRIPT", 8) == 0) {
    /* A restarted or flushed server forgot the scripts. */
    freeReplyObject(r);
    argv[0] = "EVAL";
    lens[0] = 4;
    argv[1] = c->scripts[i].text;
    lens[1] = strlen(c->scripts[i].text);
    r = rd_command(c, 4 + nargs, argv, lens);
  }
  return r;
}

static int rd_reply_error(rd_cache *c, redisReply *r) {
  (void)c;
  int code = TC_ERROR;
  if (strstr(r->str, "not an integer"))
    code = TC_EINVAL;
  else if (strstr(r->str, "overflow"))
    code = TC_EOVERFLOW;
  else if (strstr(r->str, "WRONGTYPE"))
    code = TC_ESTATE;
  else if (strstr(r->str, "OOM"))
    code = TC_EFULL;
  freeReplyObject(r);
  return code;
}

/* ---- the port -------------------------------------------------------------
 */

static void rd_enter(rd_cache *c) {
  pthread_mutex_lock(&c->lock);
}

static int rd_leave(rd_cache *c, int rc) {
  pthread_mutex_unlock(&c->lock);
  return rc;
}

static int rd_get(void *self, const char *key, tc_buf *out) {
  rd_cache *c = self;
  size_t n = rd_key_len(key);
  if (!n || !out) return TC_EINVAL;
  rd_enter(c);
  rd_key k;
  rd_key_make(c, &k, key, n);
  const char *argv[] = {"HMGET", k.buf, "v", "x"};
  size_t lens[] = {5, k.len, 1, 1};
  redisReply *r = rd_command(c, 4, argv, lens);
  if (!r) {
    c->status.degraded_calls++;
    return rd_leave(c, c->fallback->get(c->fallback->self, key, out));
  }
  int rc = TC_ENOTFOUND;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
      r->element[0]->type == REDIS_REPLY_STRING) {
    const redisReply *x = r->element[1];
    bool expired =
        x->type == REDIS_REPLY_STRING && strtoll(x->str, NULL, 10) <= rd_now(c);
    if (!expired)
      rc = tc_buf_put(out, r->element[0]->str, r->element[0]->len) == TC_OK
               ? TC_OK
               : TC_ENOMEM;
  } else if (r->type == REDIS_REPLY_ERROR) {
    rc = rd_reply_error(c, r);
    r = NULL;
  }
  if (r) freeReplyObject(r);
  return rd_leave(c, rc);
}

static int rd_set(void *self, const char *key, const void *value, size_t len,
                  int64_t ttl_ms) {
  rd_cache *c = self;
  size_t n = rd_key_len(key);
  if (!n || (!value && len) || ttl_ms < 0) return TC_EINVAL;
  rd_enter(c);
  rd_key k;
  rd_key_make(c, &k, key, n);
  char exp[24], ttl[24];
  snprintf(exp, sizeof(exp), "%" PRId64, rd_expiry(rd_now(c), ttl_ms));
  snprintf(ttl, sizeof(ttl), "%" PRId64, rd_server_ttl(c, ttl_ms));
  const char *args[] = {value ? (const char *)value : "", exp, ttl};
  size_t lens[] = {len, strlen(exp), strlen(ttl)};
  redisReply *r = rd_eval(c, RD_S_SET, &k, 3, args, lens);
  if (!r) {
    c->status.degraded_calls++;
    return rd_leave(
        c, c->fallback->set(c->fallback->self, key, value, len, ttl_ms));
  }
  if (r->type == REDIS_REPLY_ERROR) return rd_leave(c, rd_reply_error(c, r));
  freeReplyObject(r);
  return rd_leave(c, TC_OK);
}

static int rd_del(void *self, const char *key) {
  rd_cache *c = self;
  size_t n = rd_key_len(key);
  if (!n) return TC_EINVAL;
  rd_enter(c);
  /* The fallback forgets it too, so a value set while Redis was down
   * does not come back later. */
  c->fallback->del(c->fallback->self, key);
  rd_key k;
  rd_key_make(c, &k, key, n);
  const char *argv[] = {"DEL", k.buf};
  size_t lens[] = {3, k.len};
  redisReply *r = rd_command(c, 2, argv, lens);
  if (!r) {
    c->status.degraded_calls++;
    return rd_leave(c, TC_OK);
  }
  if (r->type == REDIS_REPLY_ERROR) return rd_leave(c, rd_reply_error(c, r));
  freeReplyObject(r);
  return rd_leave(c, TC_OK);
}

static int rd_incr(void *self, const char *key, int64_t delta, int64_t ttl_ms,
                   int64_t *out) {
  rd_cache *c = self;
  size_t n = rd_key_len(key);
  if (!n || ttl_ms < 0 || !out) return TC_EINVAL;
  rd_enter(c);
  rd_key k;
  rd_key_make(c, &k, key, n);
  int64_t now = rd_now(c);
  char d[24], nw[24], exp[24], ttl[24];
  snprintf(d, sizeof(d), "%" PRId64, delta);
  snprintf(nw, sizeof(nw), "%" PRId64, now > RD_TIME_MAX ? RD_TIME_MAX : now);
  snprintf(exp, sizeof(exp), "%" PRId64, rd_expiry(now, ttl_ms));
  snprintf(ttl, sizeof(ttl), "%" PRId64, rd_server_ttl(c, ttl_ms));
  const char *args[] = {d, nw, exp, ttl};
  redisReply *r = rd_eval(c, RD_S_INCR, &k, 4, args, NULL);
  if (!r) {
    c->status.degraded_calls++;
    return rd_leave(
        c, c->fallback->incr(c->fallback->self, key, delta, ttl_ms, out));
  }
  if (r->type == REDIS_REPLY_ERROR) return rd_leave(c, rd_reply_error(c, r));
  int rc = TC_ERROR;
  if (r->type == REDIS_REPLY_STRING) {
    errno = 0;
    char *end;
    long long v = strtoll(r->str, &end, 10);
    if (!errno && *end == '\0') {
      *out = v;
      rc = TC_OK;
    }
  }
  freeReplyObject(r);
  return rd_leave(c, rc);
}

static int rd_try_lock(void *self, const char *key, const char *owner,
                       int64_t ttl_ms) {
  rd_cache *c = self;
  size_t n = rd_key_len(key);
  if (!n || !owner || !*owner ||
      strnlen(owner, RD_OWNER_MAX + 1) > RD_OWNER_MAX || ttl_ms < 0)
    return TC_EINVAL;
  rd_enter(c);
  rd_key k;
  rd_key_make(c, &k, key, n);
  int64_t now = rd_now(c);
  char nw[24], exp[24], ttl[24];
  snprintf(nw, sizeof(nw), "%" PRId64, now > RD_TIME_MAX ? RD_TIME_MAX : now);
  snprintf(exp, sizeof(exp), "%" PRId64, rd_expiry(now, ttl_ms));
  snprintf(ttl, sizeof(ttl), "%" PRId64, rd_server_ttl(c, ttl_ms));
  const char *args[] = {owner, nw, exp, ttl};
  redisReply *r = rd_eval(c, RD_S_LOCK, &k, 4, args, NULL);
  if (!r) {
    c->status.degraded_calls++;
    return rd_leave(c, TC_EUNAVAILABLE);
  }
  if (r->type == REDIS_REPLY_ERROR) return rd_leave(c, rd_reply_error(c, r));
  int rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? TC_OK : TC_EBUSY;
  freeReplyObject(r);
  return rd_leave(c, rc);
}

static int rd_unlock(void *self, const char *key, const char *owner) {
  rd_cache *c = self;
  size_t n = rd_key_len(key);
  if (!n || !owner || !*owner) return TC_EINVAL;
  rd_enter(c);
  rd_key k;
  rd_key_make(c, &k, key, n);
  int64_t now = rd_now(c);
  char nw[24];
  snprintf(nw, sizeof(nw), "%" PRId64, now > RD_TIME_MAX ? RD_TIME_MAX : now);
  const char *args[] = {owner, nw};
  redisReply *r = rd_eval(c, RD_S_UNLOCK, &k, 2, args, NULL);
  if (!r) {
    c->status.degraded_calls++;
    return rd_leave(c, TC_EUNAVAILABLE);
  }
  if (r->type == REDIS_REPLY_ERROR) return rd_leave(c, rd_reply_error(c, r));
  int rc =
      r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? TC_OK : TC_ESTATE;
  freeReplyObject(r);
  return rd_leave(c, rc);
}

static int rd_take_tokens(void *self, const char *key, uint32_t capacity,
                          uint32_t refill_tokens, int64_t refill_every_ms,
                          uint32_t cost, int64_t *retry_after_ms) {
  rd_cache *c = self;
  size_t n = rd_key_len(key);
  if (!n || !tc__bucket_args_ok(capacity, refill_tokens, refill_every_ms, cost))
    return TC_EINVAL;
  rd_enter(c);
  rd_key k;
  rd_key_make(c, &k, key, n);
  int64_t now = rd_now(c);
  char a[6][24];
  snprintf(a[0], sizeof(a[0]), "%u", (unsigned)capacity);
  snprintf(a[1], sizeof(a[1]), "%u", (unsigned)refill_tokens);
  snprintf(a[2], sizeof(a[2]), "%" PRId64, refill_every_ms);
  snprintf(a[3], sizeof(a[3]), "%u", (unsigned)cost);
  snprintf(a[4], sizeof(a[4]), "%" PRId64,
           now > RD_TIME_MAX ? RD_TIME_MAX : now);
  snprintf(a[5], sizeof(a[5]), "%" PRId64, c->slack_ms);
  const char *args[] = {a[0], a[1], a[2], a[3], a[4], a[5]};
  redisReply *r = rd_eval(c, RD_S_BUCKET, &k, 6, args, NULL);
  if (!r) {
    /* Degraded: the limit holds per process until Redis is back. */
    c->status.degraded_calls++;
    return rd_leave(c, c->fallback->take_tokens(
                           c->fallback->self, key, capacity, refill_tokens,
                           refill_every_ms, cost, retry_after_ms));
  }
  if (r->type == REDIS_REPLY_ERROR) return rd_leave(c, rd_reply_error(c, r));
  int rc = TC_ERROR;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
      r->element[0]->type == REDIS_REPLY_INTEGER &&
      r->element[1]->type == REDIS_REPLY_INTEGER) {
    rc = r->element[0]->integer == 1 ? TC_OK : TC_ELIMIT;
    if (rc == TC_ELIMIT && retry_after_ms)
      *retry_after_ms = r->element[1]->integer;
  }
  freeReplyObject(r);
  return rd_leave(c, rc);
}

static void rd_free(void *self) {
  rd_cache *c = self;
  if (!c) return;
  if (c->ctx) redisFree(c->ctx);
  if (c->fallback) c->fallback->free(c->fallback->self);
  if (c->password) {
    memset(c->password, 0, strlen(c->password));
    free(c->password);
  }
  free(c->user);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

int tc_cache_redis_status(tc_cache *cache, tc_redis_status *out) {
  if (!cache || !out || cache->free != rd_free) return TC_EINVAL;
  rd_cache *c = cache->self;
  rd_enter(c);
  *out = c->status;
  return rd_leave(c, TC_OK);
}

/* ---- opening ------------------------------------------------------------- */

static int rd_hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* A percent-decoded malloc'd copy of s[0..n); NULL when malformed. */
static char *rd_decode(const char *s, size_t n) {
  char *out = malloc(n + 1), *w = out;
  if (!out) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && rd_hexval(s[i + 1]) >= 0 &&
        rd_hexval(s[i + 2]) >= 0) {
      *w++ = (char)(rd_hexval(s[i + 1]) * 16 + rd_hexval(s[i + 2]));
      i += 2;
    } else {
      *w++ = s[i];
    }
  }
  *w = '\0';
  return out;
}

/* redis://[[user]:password@]host[:port][/db] */
static int rd_parse_url(rd_cache *c, const char *url) {
  if (strncmp(url, "redis://", 8) != 0) return TC_EINVAL;
  const char *p = url + 8;
  const char *at = strchr(p, '@');
  const char *slash = strchr(p, '/');
  if (at && (!slash || at < slash)) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (colon) {
      if (colon > p) c->user = rd_decode(p, (size_t)(colon - p));
      c->password = rd_decode(colon + 1, (size_t)(at - colon - 1));
      if (!c->password || (colon > p && !c->user)) return TC_ENOMEM;
    } else {
      c->password = rd_decode(p, (size_t)(at - p));
      if (!c->password) return TC_ENOMEM;
    }
    p = at + 1;
  }
  const char *end = p + strcspn(p, "/");
  const char *colon = memchr(p, ':', (size_t)(end - p));
  const char *host_end = colon ? colon : end;
  size_t hl = (size_t)(host_end - p);
  if (hl == 0 || hl >= sizeof(c->host)) return TC_EINVAL;
  memcpy(c->host, p, hl);
  c->host[hl] = '\0';
  c->port_no = 6379;
  if (colon) {
    char *e;
    long port = strtol(colon + 1, &e, 10);
    if (e != end || port < 1 || port > 65535) return TC_EINVAL;
    c->port_no = (int)port;
  }
  if (*end == '/' && end[1]) {
    char *e;
    long db = strtol(end + 1, &e, 10);
    if (*e || db < 0 || db > 1000000) return TC_EINVAL;
    c->db = (int)db;
  }
  return TC_OK;
}

int tc_cache_redis_new(tc_cache **out, const char *url,
                       const tc_redis_options *opts) {
  if (out) *out = NULL;
  if (!out || !url)
    return tc__set_thread_error(TC_EINVAL, "tc_cache_redis_new: %s is NULL",
                                out ? "url" : "out");
  if (opts && opts->version < 1)
    return tc__set_thread_error(
        TC_EINVAL, "tc_redis_options.version is %u, expected %d",
        (unsigned)opts->version, TC_REDIS_OPTIONS_VERSION);
  tc_redis_options o = TC_REDIS_OPTIONS_INIT;
  if (opts) o = *opts;
  const char *prefix = o.prefix ? o.prefix : "tc:";
  if (strlen(prefix) > RD_PREFIX_MAX)
    return tc__set_thread_error(TC_EINVAL,
                                "tc_redis_options.prefix is longer than %d "
                                "bytes",
                                RD_PREFIX_MAX);
  if (o.clock && (o.clock->version < 1 || !o.clock->now_ms))
    return tc__set_thread_error(TC_EINVAL,
                                "tc_redis_options.clock is "
                                "incomplete");
  rd_cache *c = calloc(1, sizeof(*c));
  if (!c) return tc__set_thread_error(TC_ENOMEM, "out of memory");
  pthread_mutex_init(&c->lock, NULL);
  int rc = rd_parse_url(c, url);
  if (rc) {
    rd_free(c);
    return tc__set_thread_error(rc, rc == TC_EINVAL
                                        ? "redis url must look like "
                                          "redis://[:password@]host[:port][/db]"
                                        : "out of memory");
  }
  snprintf(c->prefix, sizeof(c->prefix), "%s", prefix);
  c->prefix_len = strlen(c->prefix);
  c->clock = o.clock ? *o.clock : tc__system_clock;
  c->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : RD_DEFAULT_TIMEOUT_MS;
  c->slack_ms = o.expiry_slack_ms > 0 ? o.expiry_slack_ms
                : o.clock             ? 3600000
                                      : 1000;
  c->scripts[RD_S_SET].text = RD_SET;
  c->scripts[RD_S_INCR].text = RD_INCR;
  c->scripts[RD_S_LOCK].text = RD_LOCK;
  c->scripts[RD_S_UNLOCK].text = RD_UNLOCK;
  c->scripts[RD_S_BUCKET].text = RD_BUCKET;
  tc_memory_cache_options mo = TC_MEMORY_CACHE_OPTIONS_INIT;
  mo.clock = o.clock;
  rc = tc_cache_memory_new(&c->fallback, &mo);
  if (rc) {
    rd_free(c);
    return rc;
  }
  rc = rd_connect(c);
  if (rc == TC_EDENIED || rc == TC_EINVAL || rc == TC_ENOMEM) {
    tc__set_thread_error(rc, "%s", c->status.last_error);
    rd_free(c);
    return rc;
  }
  /* Unreachable is fine: degraded until it answers. */
  c->port.version = TC_CACHE_VERSION;
  c->port.self = c;
  c->port.get = rd_get;
  c->port.set = rd_set;
  c->port.del = rd_del;
  c->port.incr = rd_incr;
  c->port.try_lock = rd_try_lock;
  c->port.unlock = rd_unlock;
  c->port.free = rd_free;
  c->port.take_tokens = rd_take_tokens;
  *out = &c->port;
  return TC_OK;
}
