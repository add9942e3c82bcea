/*
 * techcorp/context.h - the library context: configuration, injectable
 * services (allocator, clock, random source, logger), ports and errors.
 *
 * A context is what every other function of the library works through. It
 * holds the ports the host supplied (store, queue, cache, payment provider,
 * notifier), the last error, and per-connection caches. It is cheap to
 * create: one per thread is the intended use.
 *
 * Thread rules: a context is used by one thread at a time; different
 * contexts may be used from different threads at once. tc_init() and
 * tc_shutdown() are reference-counted and thread-safe; tc_ctx_new() calls
 * tc_init() itself, so a host never has to.
 *
 * Ownership: ports given in tc_config are borrowed: the host keeps them
 * alive until every context using them is freed, then frees them itself.
 * Ports the context creates by default (see each field) are owned by it.
 */
#ifndef TECHCORP_CONTEXT_H
#define TECHCORP_CONTEXT_H

#include "common.h"
#include "buf.h"

TC_BEGIN_DECL

typedef struct tc_ctx tc_ctx;
typedef struct tc_store tc_store;
typedef struct tc_queue tc_queue;
typedef struct tc_cache tc_cache;
typedef struct tc_payment_provider tc_payment_provider;
typedef struct tc_notifier tc_notifier;

/* ---- injectable services ------------------------------------------------ */

#define TC_ALLOCATOR_VERSION 1
/**
 * Memory functions for one context (as nghttp2's nghttp2_mem). Each takes
 * self first. realloc(self, NULL, n) must behave as malloc, free(self, NULL)
 * must be a no-op. Used by tests to fail the N-th allocation.
 */
typedef struct tc_allocator {
  uint32_t version;
  void *self;
  void *(*malloc)(void *self, size_t size);
  void *(*realloc)(void *self, void *ptr, size_t size);
  void (*free)(void *self, void *ptr);
} tc_allocator;

#define TC_CLOCK_VERSION 1
/**
 * Wall clock in milliseconds since the Unix epoch, and a sleep. Every TTL,
 * expiry and backoff in the library reads this clock, so a test can move
 * time by hand. sleep_ms may be NULL: the library then never sleeps and
 * returns TC_EBUSY/TC_ETIMEOUT where it would have waited.
 */
typedef struct tc_clock {
  uint32_t version;
  void *self;
  int64_t (*now_ms)(void *self);
  void (*sleep_ms)(void *self, int64_t ms);
} tc_clock;

#define TC_RANDOM_VERSION 1
/**
 * Source of random bytes. The default is libsodium's randombytes_buf(),
 * which is what anything security-related needs; a deterministic source is
 * only for tests.
 */
typedef struct tc_random {
  uint32_t version;
  void *self;
  void (*fill)(void *self, void *buf, size_t size);
} tc_random;

typedef enum tc_log_level {
  TC_LOG_DEBUG = 10,
  TC_LOG_INFO = 20,
  TC_LOG_WARN = 30,
  TC_LOG_ERROR = 40,
} tc_log_level;

#define TC_LOGGER_VERSION 1
/**
 * Where the library's log lines go. The message is one line of UTF-8
 * without a newline, valid only during the call; it never contains a
 * secret. The default logger drops everything.
 */
typedef struct tc_logger {
  uint32_t version;
  void *self;
  tc_log_level min_level;
  void (*log)(void *self, tc_log_level level, const char *module,
              const char *message);
} tc_logger;

/* ---- principals --------------------------------------------------------- */

typedef enum tc_principal_kind {
  TC_PRINCIPAL_ANONYMOUS = 0, /**< nobody: public reads only */
  TC_PRINCIPAL_USER = 1,      /**< an end user, from a verified token */
  TC_PRINCIPAL_SYSTEM = 2,    /**< a trusted host process (workers, jobs) */
} tc_principal_kind;

/** Role bits of a principal. */
#define TC_ROLE_CUSTOMER 0x1u
#define TC_ROLE_SUPPORT 0x2u
#define TC_ROLE_ADMIN 0x4u

/** "customer", "support" or "admin" for one TC_ROLE_* bit, NULL for
 *  anything else (static text, as in tokens and the JSON API). */
TC_EXTERN const char *tc_role_name(uint32_t role);
/** The TC_ROLE_* bit a name stands for, 0 when it names none. */
TC_EXTERN uint32_t tc_role_parse(const char *name);

/** Length of an id's text form (a UUID, 36 characters). */
#define TC_ID_STRLEN 36

#define TC_PRINCIPAL_VERSION 1
/**
 * Who is making a call: the library decides authorization from this. A
 * small value struct owned by whoever declares it.
 */
typedef struct tc_principal {
  uint32_t version;
  tc_principal_kind kind;
  uint32_t roles;                    /**< TC_ROLE_* bits */
  char user_id[TC_ID_STRLEN + 1];    /**< "" unless kind is USER */
  char session_id[TC_ID_STRLEN + 1]; /**< "" when not from a session */
  char client_id[64];                /**< OAuth client, "" if none */
  char scopes[256];                  /**< space-separated, "" if none */
} tc_principal;

#define TC_PRINCIPAL_INIT \
  { TC_PRINCIPAL_VERSION, TC_PRINCIPAL_ANONYMOUS, 0, "", "", "", "" }

/**
 * A trusted host process: what a host passes as `who` for its own jobs
 * (imports, workers, admin tools). Name the job in client_id if you like
 * ("legacy-sync"): ledgers record it as "system:<client_id>".
 *
 * Every typed function that acts for someone takes `who`. NULL means
 * anonymous (nobody): it is allowed wherever an anonymous caller is, and
 * refused with TC_EUNAUTHENTICATED elsewhere. The decision is the
 * library's one policy (see doc/conventions.md): system all, admin all,
 * support reads, a user their own, a client its scopes.
 */
#define TC_PRINCIPAL_SYSTEM_INIT \
  { TC_PRINCIPAL_VERSION, TC_PRINCIPAL_SYSTEM, 0, "", "", "", "" }

/* ---- configuration ------------------------------------------------------ */

#define TC_CONFIG_VERSION 1
/**
 * How to build a context. Declare with TC_CONFIG_INIT and set what you
 * need; new fields are appended and marked with the version they came in.
 * Every pointer is borrowed and must outlive the contexts made from it;
 * the struct itself is copied by tc_ctx_new() and may be freed after.
 */
typedef struct tc_config {
  uint32_t version;
  /** The SQL store (required). See techcorp/sys/store.h. */
  tc_store *store;
  /** Event queue; NULL: the durable table queue over `store`. */
  tc_queue *queue;
  /**
   * Cache; NULL: a private in-process cache. Contexts that must see each
   * other's entries (sessions revoked in one thread) share one cache made
   * with tc_cache_memory_new() or an external one.
   */
  tc_cache *cache;
  /** Payment provider; NULL: none until the payments module sets one. */
  tc_payment_provider *payments;
  /** Notifier; NULL: none until the notify module sets one. */
  tc_notifier *notifier;
  const tc_allocator *allocator; /**< NULL: malloc/realloc/free */
  const tc_clock *clock;         /**< NULL: CLOCK_REALTIME + nanosleep */
  const tc_random *random;       /**< NULL: libsodium randombytes_buf */
  const tc_logger *logger;       /**< NULL: discard logs */
  /** Maximum size in bytes of one JSON API request (0: 1 MiB). */
  size_t max_request_bytes;
} tc_config;

#define TC_CONFIG_INIT \
  { TC_CONFIG_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

/* ---- global init -------------------------------------------------------- */

/**
 * Initialise process-wide state (libsodium, libcurl). Reference-counted and
 * thread-safe; every call must be matched by tc_shutdown(). Returns TC_OK or
 * TC_ERROR when libsodium cannot initialise.
 */
TC_EXTERN int tc_init(void);

/** Drop one reference taken by tc_init(). */
TC_EXTERN void tc_shutdown(void);

/* ---- contexts ----------------------------------------------------------- */

/**
 * Create a context from cfg. Checks the config and every port's version,
 * then brings the store's schema up to date (the migrations of every
 * module, in one transaction; a database written by a newer library is
 * refused with TC_EVERSION).
 *
 * On success *out owns a context to free with tc_ctx_free(). On failure
 * *out is NULL and the code says why: TC_EINVAL (missing store, bad
 * version field), TC_EVERSION, TC_ESTORAGE, TC_ECORRUPT (not a database),
 * TC_EREADONLY, TC_ENOMEM. The message of a failed creation can be read
 * with tc_last_error_message() on the same thread.
 */
TC_EXTERN int tc_ctx_new(tc_ctx **out, const tc_config *cfg);

/**
 * Convenience: open (or create) the SQLite database at path with default
 * options (":memory:" for a private in-memory one) and make a context that
 * owns that store, the durable table queue and a private memory cache.
 * Same errors as tc_ctx_new() and tc_store_sqlite_open().
 */
TC_EXTERN int tc_ctx_open_sqlite(tc_ctx **out, const char *path);

/** Free a context and whatever ports it owns. NULL is a no-op. */
TC_EXTERN void tc_ctx_free(tc_ctx *ctx);

/**
 * The message of the last failed call on ctx: one line naming what was
 * wrong, owned by ctx, valid until the next call on it. "" when the last
 * call succeeded. Never contains a secret. ctx NULL gives the thread's
 * message from a failed tc_ctx_new().
 */
TC_EXTERN const char *tc_errmsg(const tc_ctx *ctx);

/**
 * The name of the request field the last error is about ("items[2].sku"),
 * or "" when it is not about one field. Owned by ctx like tc_errmsg().
 */
TC_EXTERN const char *tc_errfield(const tc_ctx *ctx);

/**
 * A stable machine-readable sub-code refining tc_errcode() for the last
 * error ("invalid_grant", "invalid_client", ... for OAuth failures, as
 * RFC 6749 names them), or "" when the error has none. Owned by ctx like
 * tc_errmsg(); the JSON API gives it as the error's "reason".
 */
TC_EXTERN const char *tc_errreason(const tc_ctx *ctx);

/** The code of the last failed call on ctx, TC_OK after a success. */
TC_EXTERN int tc_errcode(const tc_ctx *ctx);

/** The message of the last tc_ctx_new() that failed on this thread. */
TC_EXTERN const char *tc_last_error_message(void);

/** Milliseconds since the epoch from the context's clock. */
TC_EXTERN int64_t tc_ctx_now_ms(tc_ctx *ctx);

/** Fill buf with size random bytes from the context's random source. */
TC_EXTERN void tc_ctx_random(tc_ctx *ctx, void *buf, size_t size);

/** The ports in use (never NULL for store, queue and cache). Borrowed. */
TC_EXTERN tc_store *tc_ctx_store(tc_ctx *ctx);
TC_EXTERN tc_queue *tc_ctx_queue(tc_ctx *ctx);
TC_EXTERN tc_cache *tc_ctx_cache(tc_ctx *ctx);

/**
 * Free memory the library returned through this context's allocator
 * (documented at each function that returns such memory). NULL is a no-op.
 */
TC_EXTERN void tc_free(tc_ctx *ctx, void *ptr);

/** What tc_ctx_health() found. A value struct. */
typedef struct tc_health {
  int store_ok;          /**< 1: the store ran SELECT 1 */
  int cache_ok;          /**< 1: the cache stored and gave back a probe key */
  char store_error[256]; /**< why the store failed, "" when it did not */
  char cache_error[256]; /**< why the cache failed, "" when it did not */
  int64_t time_ms;       /**< the context's clock at the end of the check */
} tc_health;

/**
 * Check that the context's ports answer: the store runs SELECT 1, the cache
 * stores, returns and deletes a fresh random key (so concurrent probes of
 * a shared cache never read each other's). A failing part is the answer,
 * not an error: TC_OK with *out filled and the context's error cleared;
 * TC_EINVAL only for a NULL argument.
 */
TC_EXTERN int tc_ctx_health(tc_health *out, tc_ctx *ctx);

TC_END_DECL

#endif
