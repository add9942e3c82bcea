/*
 * lib/adapters/common/dead_rows.h - dead letters kept in a store table, as
 * the queue port's dead_list() hands them out: shared by the table queue
 * and the RabbitMQ queue (whose dead letters end in the store too).
 * Nothing here is exported.
 */
#ifndef TC_DEAD_ROWS_H
#define TC_DEAD_ROWS_H

#include "techcorp/sys/queue.h"
#include "techcorp/sys/store.h"

/* The columns a listing statement selects, in this order. */
enum {
  TC__DEAD_ID,
  TC__DEAD_ATTEMPTS,
  TC__DEAD_LAST_ERROR,
  TC__DEAD_TOPIC,
  TC__DEAD_KEY,
  TC__DEAD_PAYLOAD,
  TC__DEAD_HEADERS,
  TC__DEAD_PUBLISHED,
  TC__DEAD_COUNT
};

typedef struct tc__dead_list {
  const char *group;
  tc_queue_dead_cb cb;
  void *payload;
} tc__dead_list;

/* A row callback (payload: a tc__dead_list) that hands each row to the
 * listing's callback as a message borrowed for that call. */
int tc__dead_row_cb(const tc_value *cols, size_t ncols, void *payload);

#endif
