/* The context's allocator, clock and random source, and their defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "internal.h"

static void *std_malloc(void *self, size_t n) {
  (void)self;
  return malloc(n);
}
static void *std_realloc(void *self, void *p, size_t n) {
  (void)self;
  return realloc(p, n);
}
static void std_free(void *self, void *p) {
  (void)self;
  free(p);
}

const tc_allocator tc__std_allocator = {TC_ALLOCATOR_VERSION, NULL, std_malloc,
                                        std_realloc, std_free};

static int64_t system_now_ms(void *self) {
  (void)self;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void system_sleep_ms(void *self, int64_t ms) {
  (void)self;
  if (ms <= 0) return;
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

const tc_clock tc__system_clock = {TC_CLOCK_VERSION, NULL, system_now_ms,
                                   system_sleep_ms};

static void sodium_fill(void *self, void *buf, size_t n) {
  (void)self;
  randombytes_buf(buf, n);
}

const tc_random tc__sodium_random = {TC_RANDOM_VERSION, NULL, sodium_fill};

void *tc__malloc(tc_ctx *ctx, size_t n) {
  void *p = ctx->alloc.malloc(ctx->alloc.self, n ? n : 1);
  if (!p) tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory (%zu bytes)", n);
  return p;
}

void *tc__calloc(tc_ctx *ctx, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) {
    tc__seterr(ctx, TC_ENOMEM, NULL, "allocation of %zu x %zu overflows", n,
               size);
    return NULL;
  }
  void *p = tc__malloc(ctx, n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void *tc__realloc(tc_ctx *ctx, void *p, size_t n) {
  void *q = ctx->alloc.realloc(ctx->alloc.self, p, n ? n : 1);
  if (!q) tc__seterr(ctx, TC_ENOMEM, NULL, "out of memory (%zu bytes)", n);
  return q;
}

void tc__free(tc_ctx *ctx, void *p) {
  if (p) ctx->alloc.free(ctx->alloc.self, p);
}

void tc_free(tc_ctx *ctx, void *ptr) {
  if (ctx && ptr) tc__free(ctx, ptr);
}

char *tc__strdup(tc_ctx *ctx, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = tc__malloc(ctx, n);
  if (p) memcpy(p, s, n);
  return p;
}

int64_t tc__now_ms(tc_ctx *ctx) {
  return ctx->clock.now_ms(ctx->clock.self);
}

int64_t tc_ctx_now_ms(tc_ctx *ctx) {
  return ctx ? tc__now_ms(ctx) : 0;
}

void tc__random(tc_ctx *ctx, void *buf, size_t n) {
  ctx->random.fill(ctx->random.self, buf, n);
}

void tc_ctx_random(tc_ctx *ctx, void *buf, size_t size) {
  if (ctx && buf) tc__random(ctx, buf, size);
}

uint32_t tc__random_u32(tc_ctx *ctx) {
  uint32_t v;
  tc__random(ctx, &v, sizeof(v));
  return v;
}

void tc__log(tc_ctx *ctx, tc_log_level level, const char *module,
             const char *fmt, ...) {
  if (!ctx->logger.log || level < ctx->logger.min_level) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  /* One line per call, as the logger port promises. */
  for (char *p = line; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  ctx->logger.log(ctx->logger.self, level, module, line);
}
