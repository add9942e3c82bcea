/*
 * lib/catalog/catalog_internal.h - what the catalog module offers other
 * modules inside the library (inventory, orders, search). Owned by the
 * catalog module; agreed signatures: append, don't change.
 */
#ifndef TC_CATALOG_INTERNAL_H
#define TC_CATALOG_INTERNAL_H

#include "core/internal.h"

typedef struct tc__sku_info {
  char sku[65];
  char product_id[TC_ID_STRLEN + 1];
  char variant_id[TC_ID_STRLEN + 1];
  char title[256];       /* product title + variant options, for display */
  bool published;        /* product published and variant active */
} tc__sku_info;

/* Look a SKU up. TC_OK, or TC_ENOTFOUND with the message naming the SKU
 * (field "sku"). */
int tc__catalog_sku_lookup(tc_ctx *ctx, const char *sku, tc__sku_info *out);

/* The price of a SKU in currency (minor units). TC_ENOTFOUND when the SKU
 * has no price in that currency (message names both). */
int tc__catalog_sku_price(tc_ctx *ctx, const char *sku, const char *currency,
                          tc_money *out);

#endif
