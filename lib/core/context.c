/* Context lifecycle, global init and version functions. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <sodium.h>

#include "internal.h"

extern const tc_allocator tc__std_allocator;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned init_count;

int tc_init(void) {
  int rc = TC_OK;
  pthread_mutex_lock(&init_lock);
  if (init_count == 0) {
    if (sodium_init() < 0) {
      rc = tc__set_thread_error(TC_ERROR, "libsodium failed to initialise");
    } else if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      rc = tc__set_thread_error(TC_ERROR, "libcurl failed to initialise");
    }
  }
  if (rc == TC_OK) init_count++;
  pthread_mutex_unlock(&init_lock);
  return rc;
}

void tc_shutdown(void) {
  pthread_mutex_lock(&init_lock);
  if (init_count > 0 && --init_count == 0) curl_global_cleanup();
  pthread_mutex_unlock(&init_lock);
}

int tc_version_number(void) {
  return TC_VERSION_NUMBER;
}

const char *tc_version(void) {
  return TC_VERSION;
}

static int check_store(const tc_store *s) {
  if (s->version < 1)
    return tc__set_thread_error(
        TC_EVERSION, "store port version %u is not supported", s->version);
  if (!s->begin || !s->commit || !s->rollback || !s->exec || !s->errmsg ||
      !s->dialect)
    return tc__set_thread_error(TC_EINVAL,
                                "store port lacks a required method "
                                "(begin, commit, rollback, exec, errmsg) or "
                                "dialect");
  return TC_OK;
}

static int check_queue(const tc_queue *q) {
  if (q->version < 1)
    return tc__set_thread_error(
        TC_EVERSION, "queue port version %u is not supported", q->version);
  if (!q->subscribe || !q->publish || !q->take || !q->ack || !q->nack ||
      !q->release)
    return tc__set_thread_error(TC_EINVAL,
                                "queue port lacks a required method "
                                "(subscribe, publish, take, ack, nack, "
                                "release)");
  return TC_OK;
}

static int check_cache(const tc_cache *c) {
  if (c->version < 1)
    return tc__set_thread_error(
        TC_EVERSION, "cache port version %u is not supported", c->version);
  if (!c->get || !c->set || !c->del || !c->incr || !c->try_lock || !c->unlock)
    return tc__set_thread_error(TC_EINVAL,
                                "cache port lacks a required method "
                                "(get, set, del, incr, try_lock, unlock)");
  return TC_OK;
}

static int check_services(const tc_config *cfg) {
  if (cfg->allocator &&
      (cfg->allocator->version < 1 || !cfg->allocator->malloc ||
       !cfg->allocator->realloc || !cfg->allocator->free))
    return tc__set_thread_error(TC_EINVAL,
                                "config.allocator needs version >= 1 and "
                                "malloc, realloc and free");
  if (cfg->clock && (cfg->clock->version < 1 || !cfg->clock->now_ms))
    return tc__set_thread_error(TC_EINVAL,
                                "config.clock needs version >= 1 and now_ms");
  if (cfg->random && (cfg->random->version < 1 || !cfg->random->fill))
    return tc__set_thread_error(TC_EINVAL,
                                "config.random needs version >= 1 and fill");
  if (cfg->logger && (cfg->logger->version < 1 || !cfg->logger->log))
    return tc__set_thread_error(TC_EINVAL,
                                "config.logger needs version >= 1 and log");
  return TC_OK;
}

static int check_config(const tc_config *cfg) {
  if (!cfg) return tc__set_thread_error(TC_EINVAL, "config is NULL");
  if (cfg->version < 1 || cfg->version > TC_CONFIG_VERSION)
    return tc__set_thread_error(TC_EVERSION,
                                "config.version %u is not supported (this "
                                "library knows up to %u)",
                                cfg->version, TC_CONFIG_VERSION);
  if (!cfg->store)
    return tc__set_thread_error(TC_EINVAL, "config.store is required");
  int rc = check_store(cfg->store);
  if (rc == TC_OK && cfg->queue) rc = check_queue(cfg->queue);
  if (rc == TC_OK && cfg->cache) rc = check_cache(cfg->cache);
  if (rc == TC_OK) rc = check_services(cfg);
  return rc;
}

/* Queue and cache defaults that the context owns. */
static int make_default_ports(tc_ctx *ctx) {
  int rc;
  if (!ctx->queue) {
    tc_table_queue_options qo = TC_TABLE_QUEUE_OPTIONS_INIT;
    qo.clock = &ctx->clock;
    qo.random = &ctx->random;
    if ((rc = tc_queue_table_new(&ctx->queue, ctx->store, &qo))) return rc;
    ctx->owns_queue = true;
  }
  for (size_t i = 0; i < tc__standing_subscription_count; i++) {
    const tc__subscription *sub = &tc__standing_subscriptions[i];
    rc = ctx->queue->subscribe(ctx->queue->self, sub->group, sub->pattern);
    /* A read-only context publishes nothing; its consumers need no group. */
    if (rc == TC_EREADONLY) break;
    if (rc)
      return tc__set_thread_error(rc, "subscribing group '%s' to '%s' failed",
                                  sub->group, sub->pattern);
  }
  if (!ctx->cache) {
    tc_memory_cache_options co = TC_MEMORY_CACHE_OPTIONS_INIT;
    co.clock = &ctx->clock;
    if ((rc = tc_cache_memory_new(&ctx->cache, &co))) return rc;
    ctx->owns_cache = true;
  }
  return TC_OK;
}

int tc_ctx_new(tc_ctx **out, const tc_config *cfg) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "out is NULL");
  *out = NULL;
  tc__clear_thread_error();
  int rc = check_config(cfg);
  if (rc) return rc;
  if ((rc = tc_init())) return rc;

  const tc_allocator *a = cfg->allocator ? cfg->allocator : &tc__std_allocator;
  tc_ctx *ctx = a->malloc(a->self, sizeof(*ctx));
  if (!ctx) {
    tc_shutdown();
    return tc__set_thread_error(TC_ENOMEM, "out of memory creating context");
  }
  memset(ctx, 0, sizeof(*ctx));
  ctx->cfg = *cfg;
  ctx->alloc = *a;
  ctx->clock = cfg->clock ? *cfg->clock : tc__system_clock;
  ctx->random = cfg->random ? *cfg->random : tc__sodium_random;
  if (cfg->logger) ctx->logger = *cfg->logger;
  if (!ctx->cfg.max_request_bytes) ctx->cfg.max_request_bytes = 1u << 20;
  ctx->store = cfg->store;
  ctx->queue = cfg->queue;
  ctx->cache = cfg->cache;

  rc = tc_store_migrate(ctx->store, &ctx->clock);
  if (rc == TC_OK) rc = make_default_ports(ctx);
  if (rc) {
    char msg[TC__ERRMSG_SIZE];
    snprintf(msg, sizeof(msg), "%s", tc_last_error_message());
    tc_ctx_free(ctx);
    tc__set_thread_error(rc, "%s", msg);
    return rc;
  }
  *out = ctx;
  return TC_OK;
}

int tc_ctx_open_sqlite(tc_ctx **out, const char *path) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "out is NULL");
  *out = NULL;
  if (!path) return tc__set_thread_error(TC_EINVAL, "path is NULL");
  tc_store *store = NULL;
  int rc = tc_store_sqlite_open(&store, path, NULL);
  if (rc) return rc;
  tc_config cfg = TC_CONFIG_INIT;
  cfg.store = store;
  rc = tc_ctx_new(out, &cfg);
  if (rc) {
    store->free(store->self);
    return rc;
  }
  (*out)->owns_store = true;
  return TC_OK;
}

void tc_ctx_free(tc_ctx *ctx) {
  if (!ctx) return;
  for (size_t i = 0; i < sizeof(ctx->module_state) / sizeof(void *); i++) {
    if (ctx->module_state[i] && ctx->module_state_free[i])
      ctx->module_state_free[i](ctx, ctx->module_state[i]);
  }
  if (ctx->txn_depth > 0) ctx->store->rollback(ctx->store->self);
  if (ctx->owns_queue && ctx->queue && ctx->queue->free)
    ctx->queue->free(ctx->queue->self);
  if (ctx->owns_cache && ctx->cache && ctx->cache->free)
    ctx->cache->free(ctx->cache->self);
  if (ctx->owns_store && ctx->store && ctx->store->free)
    ctx->store->free(ctx->store->self);
  tc_allocator a = ctx->alloc;
  a.free(a.self, ctx);
  tc_shutdown();
}

tc_store *tc_ctx_store(tc_ctx *ctx) {
  return ctx ? ctx->store : NULL;
}
tc_queue *tc_ctx_queue(tc_ctx *ctx) {
  return ctx ? ctx->queue : NULL;
}
tc_cache *tc_ctx_cache(tc_ctx *ctx) {
  return ctx ? ctx->cache : NULL;
}
