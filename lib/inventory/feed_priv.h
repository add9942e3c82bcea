/*
 * lib/inventory/feed_priv.h - the legacy feed's parsed form, shared by
 * the parser (feed_parse.c) and the importer (feed.c).
 */
#ifndef TC_INVENTORY_FEED_PRIV_H
#define TC_INVENTORY_FEED_PRIV_H

#include "inventory_priv.h"

typedef struct feed_row {
  size_t line; /* CSV line or JSON item, 1-based */
  char sku[INV_SKU_MAX + 1];
  char wh[INV_WH_MAX + 1];
  int64_t qty;
  tc_feed_mode mode;
  char err[320]; /* "" when the row is good so far */
} feed_row;

typedef struct feed_rows {
  feed_row *v;
  size_t n, a;
} feed_rows;

typedef struct feed_limits {
  size_t max_rows;
  tc_feed_mode mode; /* default for rows without one */
} feed_limits;

/* Check the encoding of data[0..len): skip a UTF-8 BOM (moving *data and
 * *len, *had_bom = true), refuse UTF-16/32, NUL bytes and invalid UTF-8
 * naming the line. */
int tc__feed_encoding(tc_ctx *ctx, const char **data, size_t *len,
                      bool *had_bom);

/* Parse into out (appended; free with tc__feed_rows_free). Problems of the
 * whole feed (header, quoting, JSON syntax, limits) fail the call; a bad
 * value marks its row's err and parsing goes on. */
int tc__feed_parse_csv(tc_ctx *ctx, const char *data, size_t len,
                       const feed_limits *lim, feed_rows *out);
int tc__feed_parse_json(tc_ctx *ctx, const char *data, size_t len,
                        const feed_limits *lim, feed_rows *out);
void tc__feed_rows_free(tc_ctx *ctx, feed_rows *fr);

#endif
