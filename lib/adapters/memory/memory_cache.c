/*
 * The in-process cache (the default cache port): one hash table with
 * chaining behind one mutex, expiry read from the given clock, and LRU
 * eviction of plain values beyond max_entries.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "adapters/common/bucket.h"
#include "core/internal.h"

#define KEY_MAX 512
#define OWNER_MAX 512
#define DEFAULT_MAX_ENTRIES 65536
#define MIN_BUCKETS 64
/* Buckets inspected for expired entries on each write: enough to keep up
 * with the writes themselves, little enough to stay O(1). */
#define SWEEP_BUCKETS 2

typedef enum kind {
  KIND_VALUE = 0, /* plain bytes; in the LRU list, may be evicted */
  KIND_COUNTER,   /* an int64 from incr; never evicted */
  KIND_LOCK,      /* a lock with its owner; never evicted */
  KIND_BUCKET,    /* a token bucket; expires once full again */
} kind;

typedef struct entry {
  struct entry *next;          /* hash chain */
  struct entry *newer, *older; /* LRU list, values only */
  uint64_t hash;
  int64_t expires; /* 0: never */
  kind kind;
  union {
    struct {
      unsigned char *data;
      size_t len;
    } v;
    int64_t n;
    char *owner;
    tc__bucket b;
  } u;
  size_t klen;
  char key[]; /* NUL-terminated */
} entry;

typedef struct mcache {
  tc_cache port;
  pthread_mutex_t lock;
  tc_clock clock;
  size_t max_entries;
  entry **buckets;
  size_t nbuckets; /* a power of two */
  size_t count;
  entry *newest, *oldest; /* LRU ends */
  size_t sweep;           /* next bucket the opportunistic sweep looks at */
  unsigned char hkey[crypto_shorthash_KEYBYTES];
} mcache;

/* ---- helpers ----------------------------------------------------------------
 */

/* Length of a valid key, or 0 for NULL, empty or too long. */
static size_t key_len(const char *key) {
  if (!key) return 0;
  size_t n = strnlen(key, KEY_MAX + 1);
  return n > KEY_MAX ? 0 : n;
}

/* Keys can come from the outside world (e-mail addresses in rate limits),
 * so the hash is keyed SipHash: chains cannot be made long on purpose. */
static uint64_t hash_key(const mcache *c, const char *key, size_t klen) {
  unsigned char h[crypto_shorthash_BYTES];
  crypto_shorthash(h, (const unsigned char *)key, klen, c->hkey);
  uint64_t v;
  memcpy(&v, h, sizeof(v));
  return v;
}

static int64_t now_ms(const mcache *c) {
  return c->clock.now_ms(c->clock.self);
}

static bool expired(const entry *e, int64_t now) {
  return e->expires != 0 && now >= e->expires;
}

/* now + ttl, 0 for no expiry; a sum past the end of time never expires. */
static int64_t expiry(int64_t now, int64_t ttl_ms) {
  int64_t at;
  if (ttl_ms == 0 || __builtin_add_overflow(now, ttl_ms, &at)) return 0;
  return at == 0 ? 1 : at; /* 0 is taken to mean "never" */
}

static void lru_unlink(mcache *c, entry *e) {
  if (e->newer)
    e->newer->older = e->older;
  else if (c->newest == e)
    c->newest = e->older;
  if (e->older)
    e->older->newer = e->newer;
  else if (c->oldest == e)
    c->oldest = e->newer;
  e->newer = e->older = NULL;
}

static void lru_push(mcache *c, entry *e) {
  e->older = c->newest;
  e->newer = NULL;
  if (c->newest) c->newest->newer = e;
  c->newest = e;
  if (!c->oldest) c->oldest = e;
}

/* Release what an entry holds besides itself, leaving it a bare key. */
static void entry_clear(mcache *c, entry *e) {
  if (e->kind == KIND_VALUE) {
    lru_unlink(c, e);
    free(e->u.v.data);
  } else if (e->kind == KIND_LOCK) {
    free(e->u.owner);
  }
  memset(&e->u, 0, sizeof(e->u));
}

static entry **find_slot(mcache *c, const char *key, size_t klen,
                         uint64_t hash) {
  entry **pp = &c->buckets[hash & (c->nbuckets - 1)];
  for (; *pp; pp = &(*pp)->next) {
    entry *e = *pp;
    if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0)
      break;
  }
  return pp;
}

static void unlink_free(mcache *c, entry **pp) {
  entry *e = *pp;
  *pp = e->next;
  entry_clear(c, e);
  free(e);
  c->count--;
}

/* The live entry for key, dropping it first when it has expired. */
static entry *lookup(mcache *c, const char *key, size_t klen, uint64_t hash,
                     int64_t now) {
  entry **pp = find_slot(c, key, klen, hash);
  if (!*pp) return NULL;
  if (expired(*pp, now)) {
    unlink_free(c, pp);
    return NULL;
  }
  return *pp;
}

/* Drop expired entries from a few buckets, moving on each call, so
 * entries nobody reads again still go away. */
static void sweep(mcache *c, int64_t now, size_t nbuckets) {
  for (size_t i = 0; i < nbuckets && i < c->nbuckets; i++) {
    entry **pp = &c->buckets[c->sweep & (c->nbuckets - 1)];
    c->sweep++;
    while (*pp) {
      if (expired(*pp, now))
        unlink_free(c, pp);
      else
        pp = &(*pp)->next;
    }
  }
}

/* Double the table when chains grow past one entry on average. A failed
 * allocation only makes chains longer, so it is not an error. */
static void maybe_grow(mcache *c) {
  if (c->count < c->nbuckets || c->nbuckets > SIZE_MAX / 2 / sizeof(entry *))
    return;
  size_t n = c->nbuckets * 2;
  entry **b = calloc(n, sizeof(*b));
  if (!b) return;
  for (size_t i = 0; i < c->nbuckets; i++) {
    entry *e = c->buckets[i];
    while (e) {
      entry *next = e->next;
      e->next = b[e->hash & (n - 1)];
      b[e->hash & (n - 1)] = e;
      e = next;
    }
  }
  free(c->buckets);
  c->buckets = b;
  c->nbuckets = n;
}

/* Make room for one more entry: expired ones go first, then the least
 * recently used values. Counters and locks are never evicted, so the
 * table may hold more than max_entries of them. */
static void make_room(mcache *c, int64_t now) {
  if (c->count < c->max_entries) return;
  sweep(c, now, c->nbuckets < 64 ? c->nbuckets : 64);
  while (c->count >= c->max_entries && c->oldest) {
    entry *victim = c->oldest;
    entry **pp = find_slot(c, victim->key, victim->klen, victim->hash);
    unlink_free(c, pp);
  }
}

/* A new bare entry (kind VALUE, no data) linked into the table. */
static entry *insert(mcache *c, const char *key, size_t klen, uint64_t hash,
                     int64_t now) {
  make_room(c, now);
  entry *e = calloc(1, sizeof(*e) + klen + 1);
  if (!e) return NULL;
  memcpy(e->key, key, klen);
  e->klen = klen;
  e->hash = hash;
  e->kind = KIND_COUNTER; /* bare: not in the LRU list until it holds bytes */
  entry **head = &c->buckets[hash & (c->nbuckets - 1)];
  e->next = *head;
  *head = e;
  c->count++;
  maybe_grow(c);
  return e;
}

/* Strict int64 text as a counter may be stored by set ("-12", "7"). */
static bool parse_i64(const unsigned char *s, size_t n, int64_t *out) {
  char buf[24];
  if (n == 0 || n >= sizeof(buf)) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  const char *p = buf[0] == '-' ? buf + 1 : buf;
  if (*p < '0' || *p > '9') return false;
  for (const char *q = p; *q; q++)
    if (*q < '0' || *q > '9') return false;
  errno = 0;
  char *end;
  long long v = strtoll(buf, &end, 10);
  if (errno || *end) return false;
  *out = (int64_t)v;
  return true;
}

/* ---- the port methods
 * ---------------------------------------------------------- */

static int mc_get(void *self, const char *key, tc_buf *out) {
  mcache *c = self;
  size_t klen = key_len(key);
  if (!c || !klen || !out) return TC_EINVAL;
  uint64_t h = hash_key(c, key, klen);
  int64_t now = now_ms(c);
  int rc;
  pthread_mutex_lock(&c->lock);
  entry *e = lookup(c, key, klen, h, now);
  if (!e) {
    rc = TC_ENOTFOUND;
  } else if (e->kind == KIND_VALUE) {
    lru_unlink(c, e);
    lru_push(c, e);
    rc = tc_buf_put(out, e->u.v.data, e->u.v.len);
  } else if (e->kind == KIND_COUNTER) {
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRId64, e->u.n);
    rc = tc_buf_put(out, num, (size_t)n);
  } else if (e->kind == KIND_LOCK) {
    rc = tc_buf_puts(out, e->u.owner);
  } else {
    rc = TC_ENOTFOUND; /* a token bucket has no value to read */
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

static int mc_set(void *self, const char *key, const void *value, size_t len,
                  int64_t ttl_ms) {
  mcache *c = self;
  size_t klen = key_len(key);
  if (!c || !klen || (!value && len) || ttl_ms < 0) return TC_EINVAL;
  /* Copy outside the lock; an empty value holds no memory. */
  unsigned char *data = NULL;
  if (len) {
    data = malloc(len);
    if (!data) return TC_ENOMEM;
    memcpy(data, value, len);
  }
  uint64_t h = hash_key(c, key, klen);
  int64_t now = now_ms(c);
  pthread_mutex_lock(&c->lock);
  sweep(c, now, SWEEP_BUCKETS);
  entry *e = lookup(c, key, klen, h, now);
  if (!e) e = insert(c, key, klen, h, now);
  if (!e) {
    pthread_mutex_unlock(&c->lock);
    free(data);
    return TC_ENOMEM;
  }
  entry_clear(c, e);
  e->kind = KIND_VALUE;
  e->u.v.data = data;
  e->u.v.len = len;
  e->expires = expiry(now, ttl_ms);
  lru_push(c, e);
  pthread_mutex_unlock(&c->lock);
  return TC_OK;
}

static int mc_del(void *self, const char *key) {
  mcache *c = self;
  size_t klen = key_len(key);
  if (!c || !klen) return TC_EINVAL;
  uint64_t h = hash_key(c, key, klen);
  pthread_mutex_lock(&c->lock);
  entry **pp = find_slot(c, key, klen, h);
  if (*pp) unlink_free(c, pp);
  pthread_mutex_unlock(&c->lock);
  return TC_OK;
}

static int mc_incr(void *self, const char *key, int64_t delta, int64_t ttl_ms,
                   int64_t *out) {
  mcache *c = self;
  size_t klen = key_len(key);
  if (!c || !klen || ttl_ms < 0) return TC_EINVAL;
  uint64_t h = hash_key(c, key, klen);
  int64_t now = now_ms(c);
  int rc = TC_OK;
  int64_t result = 0;
  pthread_mutex_lock(&c->lock);
  sweep(c, now, SWEEP_BUCKETS);
  entry *e = lookup(c, key, klen, h, now);
  if (!e) {
    e = insert(c, key, klen, h, now);
    if (!e) {
      rc = TC_ENOMEM;
    } else {
      e->kind = KIND_COUNTER;
      e->u.n = delta;
      e->expires = expiry(now, ttl_ms);
      result = delta;
    }
  } else {
    int64_t cur = 0;
    if (e->kind == KIND_COUNTER)
      cur = e->u.n;
    else if (e->kind != KIND_VALUE || !parse_i64(e->u.v.data, e->u.v.len, &cur))
      rc = TC_EINVAL;
    if (rc == TC_OK && __builtin_add_overflow(cur, delta, &result))
      rc = TC_EOVERFLOW;
    if (rc == TC_OK) {
      /* A value that held an integer becomes a counter (and so stops being
       * evictable); its expiry stays as it was. */
      entry_clear(c, e);
      e->kind = KIND_COUNTER;
      e->u.n = result;
    }
  }
  pthread_mutex_unlock(&c->lock);
  if (rc == TC_OK && out) *out = result;
  return rc;
}

static int mc_try_lock(void *self, const char *key, const char *owner,
                       int64_t ttl_ms) {
  mcache *c = self;
  size_t klen = key_len(key);
  size_t olen = owner ? strnlen(owner, OWNER_MAX + 1) : 0;
  if (!c || !klen || !olen || olen > OWNER_MAX || ttl_ms < 0) return TC_EINVAL;
  uint64_t h = hash_key(c, key, klen);
  int64_t now = now_ms(c);
  int rc = TC_OK;
  pthread_mutex_lock(&c->lock);
  sweep(c, now, SWEEP_BUCKETS);
  entry *e = lookup(c, key, klen, h, now);
  if (e) {
    if (e->kind == KIND_LOCK && strcmp(e->u.owner, owner) == 0)
      e->expires = expiry(now, ttl_ms); /* the holder extends it */
    else
      rc = TC_EBUSY; /* another owner, or the key is used for a value */
  } else {
    char *copy = malloc(olen + 1);
    e = copy ? insert(c, key, klen, h, now) : NULL;
    if (!e) {
      free(copy);
      rc = TC_ENOMEM;
    } else {
      memcpy(copy, owner, olen + 1);
      e->kind = KIND_LOCK;
      e->u.owner = copy;
      e->expires = expiry(now, ttl_ms);
    }
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

static int mc_unlock(void *self, const char *key, const char *owner) {
  mcache *c = self;
  size_t klen = key_len(key);
  if (!c || !klen || !owner) return TC_EINVAL;
  uint64_t h = hash_key(c, key, klen);
  int64_t now = now_ms(c);
  int rc = TC_ESTATE;
  pthread_mutex_lock(&c->lock);
  entry **pp = find_slot(c, key, klen, h);
  entry *e = *pp;
  if (e && !expired(e, now) && e->kind == KIND_LOCK &&
      strcmp(e->u.owner, owner) == 0) {
    unlink_free(c, pp);
    rc = TC_OK;
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

static int mc_take_tokens(void *self, const char *key, uint32_t capacity,
                          uint32_t refill_tokens, int64_t refill_every_ms,
                          uint32_t cost, int64_t *retry_after_ms) {
  mcache *c = self;
  size_t klen = key_len(key);
  if (!c || !klen ||
      !tc__bucket_args_ok(capacity, refill_tokens, refill_every_ms, cost))
    return TC_EINVAL;
  uint64_t h = hash_key(c, key, klen);
  int64_t now = now_ms(c);
  int rc = TC_OK;
  pthread_mutex_lock(&c->lock);
  sweep(c, now, SWEEP_BUCKETS);
  entry *e = lookup(c, key, klen, h, now);
  if (e && e->kind != KIND_BUCKET) {
    rc = TC_ESTATE; /* the key holds something else */
  } else {
    if (!e) {
      e = insert(c, key, klen, h, now);
      if (e) {
        e->kind = KIND_BUCKET;
        e->u.b.last_ms = -1;
      }
    }
    if (!e) {
      rc = TC_ENOMEM;
    } else {
      int64_t full_in = 0;
      if (!tc__bucket_take(&e->u.b, now, capacity, refill_tokens,
                           refill_every_ms, cost, retry_after_ms, &full_in))
        rc = TC_ELIMIT;
      e->expires = expiry(now, full_in > 0 ? full_in : 1);
    }
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

static void mc_free(void *self) {
  mcache *c = self;
  if (!c) return;
  for (size_t i = 0; i < c->nbuckets; i++) {
    entry *e = c->buckets[i];
    while (e) {
      entry *next = e->next;
      entry_clear(c, e);
      free(e);
      e = next;
    }
  }
  free(c->buckets);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

int tc_cache_memory_new(tc_cache **out, const tc_memory_cache_options *opts) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "memory cache: out is NULL");
  *out = NULL;
  tc_memory_cache_options o = TC_MEMORY_CACHE_OPTIONS_INIT;
  if (opts) {
    if (opts->version < 1)
      return tc__set_thread_error(TC_EINVAL,
                                  "memory cache options: version %u is not "
                                  "valid",
                                  opts->version);
    o = *opts;
  }
  if (o.clock && (o.clock->version < 1 || !o.clock->now_ms))
    return tc__set_thread_error(TC_EINVAL,
                                "memory cache options: clock needs version "
                                ">= 1 and now_ms");
  if (sodium_init() < 0)
    return tc__set_thread_error(TC_ERROR, "libsodium failed to initialise");
  mcache *c = calloc(1, sizeof(*c));
  entry **b = calloc(MIN_BUCKETS, sizeof(*b));
  if (!c || !b) {
    free(c);
    free(b);
    return tc__set_thread_error(TC_ENOMEM, "memory cache: out of memory");
  }
  if (pthread_mutex_init(&c->lock, NULL) != 0) {
    free(c);
    free(b);
    return tc__set_thread_error(TC_ERROR, "memory cache: cannot make a mutex");
  }
  c->clock = o.clock ? *o.clock : tc__system_clock;
  c->max_entries = o.max_entries ? o.max_entries : DEFAULT_MAX_ENTRIES;
  c->buckets = b;
  c->nbuckets = MIN_BUCKETS;
  randombytes_buf(c->hkey, sizeof(c->hkey));
  c->port.version = TC_CACHE_VERSION;
  c->port.self = c;
  c->port.get = mc_get;
  c->port.set = mc_set;
  c->port.del = mc_del;
  c->port.incr = mc_incr;
  c->port.try_lock = mc_try_lock;
  c->port.unlock = mc_unlock;
  c->port.free = mc_free;
  c->port.take_tokens = mc_take_tokens;
  *out = &c->port;
  return TC_OK;
}
