/*
 * lib/adapters/common/text_lru.h - a cache keyed by text (SQL statements):
 * a hash table with chaining and a least-recently-used list, shared by the
 * store adapters' prepared-statement caches. Intrusive: an adapter's entry
 * starts with a tc__lru_node and is found again by a cast. Nothing here
 * is exported; one cache belongs to one connection (no locking).
 */
#ifndef TC_TEXT_LRU_H
#define TC_TEXT_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tc__lru_node {
  uint64_t hash;
  size_t len;
  char *text;                 /* a copy, NUL-terminated, owned by the cache */
  struct tc__lru_node *chain; /* next in the same bucket */
  struct tc__lru_node *prev, *next; /* most recently used first */
} tc__lru_node;

typedef struct tc__lru {
  tc__lru_node **buckets;
  size_t nbuckets; /* a power of two */
  size_t count, cap;
  tc__lru_node *mru, *lru;
} tc__lru;

/* Room for cap entries; false when out of memory. */
bool tc__lru_init(tc__lru *c, size_t cap);
/* Free the table (the entries are the caller's to free first). */
void tc__lru_dispose(tc__lru *c);
/* FNV-1a of text, measuring its length on the way. */
uint64_t tc__lru_hash(const char *text, size_t *len);
tc__lru_node *tc__lru_find(tc__lru *c, uint64_t hash, const char *text,
                           size_t len);
/* Make n the most recently used. */
void tc__lru_touch(tc__lru *c, tc__lru_node *n);
/* Add n under a copy of text[0..len); false when out of memory. */
bool tc__lru_add(tc__lru *c, tc__lru_node *n, uint64_t hash, const char *text,
                 size_t len);
/* Take n out of the cache and free its copy of the text. */
void tc__lru_remove(tc__lru *c, tc__lru_node *n);

#endif
