/* Growable byte buffer (techcorp/buf.h). */
#include <stdlib.h>

#include "internal.h"

static void *buf_realloc(tc_buf *buf, void *p, size_t n) {
  if (buf->alloc) return buf->alloc->realloc(buf->alloc->self, p, n);
  return realloc(p, n);
}

int tc_buf_put(tc_buf *buf, const void *data, size_t n) {
  if (!buf || (!data && n)) return TC_EINVAL;
  if (n > SIZE_MAX - buf->size - 1) return TC_ENOMEM;
  size_t need = buf->size + n + 1;
  if (need > buf->asize) {
    size_t asize = buf->asize ? buf->asize : 64;
    while (asize < need) asize = asize > SIZE_MAX / 2 ? need : asize * 2;
    char *p = buf_realloc(buf, buf->ptr, asize);
    if (!p) return TC_ENOMEM;
    buf->ptr = p;
    buf->asize = asize;
  }
  if (n) memcpy(buf->ptr + buf->size, data, n);
  buf->size += n;
  buf->ptr[buf->size] = '\0';
  return TC_OK;
}

int tc_buf_puts(tc_buf *buf, const char *s) {
  if (!s) return TC_EINVAL;
  return tc_buf_put(buf, s, strlen(s));
}

void tc_buf_clear(tc_buf *buf) {
  if (!buf) return;
  buf->size = 0;
  if (buf->ptr) buf->ptr[0] = '\0';
}

void tc_buf_dispose(tc_buf *buf) {
  if (!buf) return;
  if (buf->ptr) {
    if (buf->alloc)
      buf->alloc->free(buf->alloc->self, buf->ptr);
    else
      free(buf->ptr);
  }
  buf->ptr = NULL;
  buf->size = buf->asize = 0;
}
