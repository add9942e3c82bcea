/*
 * lib/catalog/schema.c - the catalog's tables. Migrations are append-only.
 *
 * Categories keep a materialized path ("/root/child/") so that a subtree
 * is one index range; products have one index per listing order (with and
 * without the status filter) so keyset pages never sort.
 */
#include "catalog_priv.h"

#define CAT_SCHEMA_V1                                              \
  "CREATE TABLE catalog_categories ("                              \
  " id TEXT PRIMARY KEY,"                                          \
  " parent_id TEXT NOT NULL,"                                      \
  " name TEXT NOT NULL,"                                           \
  " slug TEXT NOT NULL,"                                           \
  " path TEXT NOT NULL,"                                           \
  " depth BIGINT NOT NULL,"                                        \
  " created_ms BIGINT NOT NULL,"                                   \
  " updated_ms BIGINT NOT NULL,"                                   \
  " UNIQUE (parent_id, slug));"                                    \
  "CREATE UNIQUE INDEX catalog_categories_path"                    \
  " ON catalog_categories (path);"                                 \
  "CREATE TABLE catalog_products ("                                \
  " id TEXT PRIMARY KEY,"                                          \
  " slug TEXT NOT NULL UNIQUE,"                                    \
  " title TEXT NOT NULL,"                                          \
  " title_key TEXT NOT NULL,"                                      \
  " description TEXT NOT NULL,"                                    \
  " status TEXT NOT NULL"                                          \
  "  CHECK (status IN ('draft', 'published', 'archived')),"        \
  " attributes TEXT NOT NULL,"                                     \
  " images TEXT NOT NULL,"                                         \
  " version BIGINT NOT NULL,"                                      \
  " created_ms BIGINT NOT NULL,"                                   \
  " updated_ms BIGINT NOT NULL);"                                  \
  "CREATE INDEX catalog_products_created"                          \
  " ON catalog_products (created_ms, id);"                         \
  "CREATE INDEX catalog_products_status_created"                   \
  " ON catalog_products (status, created_ms, id);"                 \
  "CREATE INDEX catalog_products_title"                            \
  " ON catalog_products (title_key, id);"                          \
  "CREATE INDEX catalog_products_status_title"                     \
  " ON catalog_products (status, title_key, id);"                  \
  "CREATE TABLE catalog_product_categories ("                      \
  " product_id TEXT NOT NULL REFERENCES catalog_products (id),"    \
  " category_id TEXT NOT NULL REFERENCES catalog_categories (id)," \
  " PRIMARY KEY (product_id, category_id));"                       \
  "CREATE INDEX catalog_product_categories_category"               \
  " ON catalog_product_categories (category_id, product_id);"      \
  "CREATE TABLE catalog_variants ("                                \
  " id TEXT PRIMARY KEY,"                                          \
  " product_id TEXT NOT NULL REFERENCES catalog_products (id),"    \
  " sku TEXT NOT NULL UNIQUE,"                                     \
  " options TEXT NOT NULL,"                                        \
  " active BIGINT NOT NULL,"                                       \
  " weight_grams BIGINT,"                                          \
  " version BIGINT NOT NULL,"                                      \
  " created_ms BIGINT NOT NULL,"                                   \
  " updated_ms BIGINT NOT NULL);"                                  \
  "CREATE INDEX catalog_variants_product"                          \
  " ON catalog_variants (product_id, id);"                         \
  "CREATE TABLE catalog_prices ("                                  \
  " variant_id TEXT NOT NULL REFERENCES catalog_variants (id),"    \
  " currency TEXT NOT NULL,"                                       \
  " amount BIGINT NOT NULL CHECK (amount >= 0),"                   \
  " compare_at BIGINT,"                                            \
  " updated_ms BIGINT NOT NULL,"                                   \
  " PRIMARY KEY (variant_id, currency));"                          \
  "CREATE TABLE catalog_price_history ("                           \
  " id TEXT PRIMARY KEY,"                                          \
  " variant_id TEXT NOT NULL,"                                     \
  " currency TEXT NOT NULL,"                                       \
  " old_amount BIGINT,"                                            \
  " new_amount BIGINT,"                                            \
  " compare_at BIGINT,"                                            \
  " changed_ms BIGINT NOT NULL);"                                  \
  "CREATE INDEX catalog_price_history_variant"                     \
  " ON catalog_price_history (variant_id, id);"

/* The same SQL serves both dialects: TEXT and BIGINT only, no
 * AUTOINCREMENT, ids from tc_id_new. */
static const tc__migration catalog_migrations[] = {
    {1, CAT_SCHEMA_V1, CAT_SCHEMA_V1},
};

const tc__schema_module tc__schema_catalog = {
    "catalog", catalog_migrations,
    sizeof(catalog_migrations) / sizeof(catalog_migrations[0])};
