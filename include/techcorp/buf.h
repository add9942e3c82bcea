/*
 * techcorp/buf.h - a growable byte buffer the library fills for the caller.
 *
 * Used wherever the library returns bytes of unknown length (JSON
 * responses, cache values). The caller owns the tc_buf struct (on the stack
 * is fine), initialises it with TC_BUF_INIT and releases its memory with
 * tc_buf_dispose(). The contents are always NUL-terminated after a
 * successful fill, so text can be read through ptr directly.
 *
 * Thread rules: a buffer is used by one thread at a time.
 */
#ifndef TECHCORP_BUF_H
#define TECHCORP_BUF_H

#include "common.h"

TC_BEGIN_DECL

struct tc_allocator;

typedef struct tc_buf {
  char *ptr;    /**< the bytes, NUL-terminated; NULL while empty */
  size_t size;  /**< bytes in use, not counting the terminating NUL */
  size_t asize; /**< bytes allocated */
  const struct tc_allocator *alloc; /**< NULL means malloc/realloc/free */
} tc_buf;

#define TC_BUF_INIT \
  { NULL, 0, 0, NULL }

/**
 * Append n bytes of data (which may be NULL when n is 0) and keep the
 * buffer NUL-terminated. Returns TC_OK, TC_ENOMEM (the buffer is left as it
 * was) or TC_EINVAL when buf is NULL.
 */
TC_EXTERN int tc_buf_put(tc_buf *buf, const void *data, size_t n);

/** Append a NUL-terminated string. Same errors as tc_buf_put(). */
TC_EXTERN int tc_buf_puts(tc_buf *buf, const char *s);

/** Forget the contents but keep the memory for reuse. NULL is a no-op. */
TC_EXTERN void tc_buf_clear(tc_buf *buf);

/**
 * Free the memory and reset buf to TC_BUF_INIT (keeping its allocator).
 * NULL is a no-op.
 */
TC_EXTERN void tc_buf_dispose(tc_buf *buf);

TC_END_DECL

#endif
