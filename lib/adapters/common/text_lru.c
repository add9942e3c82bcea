/* lib/adapters/common/text_lru.c - see text_lru.h. */
#include "text_lru.h"

#include <stdlib.h>
#include <string.h>

bool tc__lru_init(tc__lru *c, size_t cap) {
  memset(c, 0, sizeof(*c));
  size_t n = 16;
  while (n < cap * 2) n <<= 1;
  c->buckets = calloc(n, sizeof(*c->buckets));
  if (!c->buckets) return false;
  c->nbuckets = n;
  c->cap = cap;
  return true;
}

void tc__lru_dispose(tc__lru *c) {
  free(c->buckets);
  memset(c, 0, sizeof(*c));
}

uint64_t tc__lru_hash(const char *text, size_t *len) {
  uint64_t h = 1469598103934665603ULL;
  const unsigned char *p = (const unsigned char *)text;
  while (*p) {
    h ^= *p++;
    h *= 1099511628211ULL;
  }
  *len = (size_t)((const char *)p - text);
  return h;
}

tc__lru_node *tc__lru_find(tc__lru *c, uint64_t hash, const char *text,
                           size_t len) {
  for (tc__lru_node *n = c->buckets[hash & (c->nbuckets - 1)]; n; n = n->chain)
    if (n->hash == hash && n->len == len && memcmp(n->text, text, len) == 0)
      return n;
  return NULL;
}

static void lru_unlink(tc__lru *c, tc__lru_node *n) {
  if (n->prev)
    n->prev->next = n->next;
  else
    c->mru = n->next;
  if (n->next)
    n->next->prev = n->prev;
  else
    c->lru = n->prev;
  n->prev = n->next = NULL;
}

static void lru_push(tc__lru *c, tc__lru_node *n) {
  n->prev = NULL;
  n->next = c->mru;
  if (c->mru) c->mru->prev = n;
  c->mru = n;
  if (!c->lru) c->lru = n;
}

void tc__lru_touch(tc__lru *c, tc__lru_node *n) {
  if (c->mru == n) return;
  lru_unlink(c, n);
  lru_push(c, n);
}

bool tc__lru_add(tc__lru *c, tc__lru_node *n, uint64_t hash, const char *text,
                 size_t len) {
  n->text = malloc(len + 1);
  if (!n->text) return false;
  memcpy(n->text, text, len);
  n->text[len] = '\0';
  n->hash = hash;
  n->len = len;
  tc__lru_node **b = &c->buckets[hash & (c->nbuckets - 1)];
  n->chain = *b;
  *b = n;
  lru_push(c, n);
  c->count++;
  return true;
}

void tc__lru_remove(tc__lru *c, tc__lru_node *n) {
  tc__lru_node **pp = &c->buckets[n->hash & (c->nbuckets - 1)];
  while (*pp != n) pp = &(*pp)->chain;
  *pp = n->chain;
  lru_unlink(c, n);
  free(n->text);
  n->text = NULL;
  c->count--;
}
