/*
 * lib/search/schema.c - the search index's tables. Migrations are
 * append-only.
 *
 * SQLite: each product is a row of search_products (docid is its rowid,
 * also the rowid of its FTS5 row) with side tables for the filters and
 * facets (SKUs, categories with their ancestors, lowest price per
 * currency, attributes), each indexed for its lookup. Deleting the
 * product row deletes the rest through a trigger, so replacing a document
 * is one DELETE and a few INSERTs. The FTS5 table folds case and Latin
 * diacritics (unicode61 remove_diacritics 2) and keeps prefix indexes of
 * 2 and 3 characters for autocomplete; search_products_vocab exposes its
 * words (with document counts) for completions and suggestions.
 *
 * PostgreSQL: the same tables with a tsvector column and a GIN index, so
 * the schema versions stay aligned; the queries are SQLite's only for now
 * (the search functions answer TC_EUNSUPPORTED there).
 */
#include "search_priv.h"

#define SRCH_SQLITE_V1                                                      \
  "CREATE TABLE search_products ("                                          \
  " docid INTEGER PRIMARY KEY,"                                             \
  " product_id TEXT NOT NULL UNIQUE,"                                       \
  " title TEXT NOT NULL,"                                                   \
  " slug TEXT NOT NULL,"                                                    \
  " in_stock BIGINT NOT NULL,"                                              \
  " created_ms BIGINT NOT NULL,"                                            \
  " indexed_ms BIGINT NOT NULL);"                                           \
  "CREATE INDEX search_products_created"                                    \
  " ON search_products (created_ms, product_id);"                           \
  "CREATE TABLE search_product_skus ("                                      \
  " sku TEXT NOT NULL, docid BIGINT NOT NULL, PRIMARY KEY (sku, docid));"   \
  "CREATE INDEX search_product_skus_doc ON search_product_skus (docid);"    \
  "CREATE TABLE search_product_categories ("                                \
  " category_id TEXT NOT NULL, docid BIGINT NOT NULL, name TEXT NOT NULL,"  \
  " direct BIGINT NOT NULL, PRIMARY KEY (category_id, docid));"             \
  "CREATE INDEX search_product_categories_doc"                              \
  " ON search_product_categories (docid);"                                  \
  "CREATE TABLE search_product_prices ("                                    \
  " docid BIGINT NOT NULL, currency TEXT NOT NULL, amount BIGINT NOT NULL," \
  " PRIMARY KEY (docid, currency));"                                        \
  "CREATE INDEX search_product_prices_amount"                               \
  " ON search_product_prices (currency, amount, docid);"                    \
  "CREATE TABLE search_product_attrs ("                                     \
  " docid BIGINT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"        \
  " PRIMARY KEY (docid, name));"                                            \
  "CREATE INDEX search_product_attrs_value"                                 \
  " ON search_product_attrs (name, value, docid);"                          \
  "CREATE VIRTUAL TABLE search_products_fts USING fts5("                    \
  " title, description, skus, categories, attributes,"                      \
  " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"           \
  "CREATE VIRTUAL TABLE search_products_vocab"                              \
  " USING fts5vocab(search_products_fts, 'row');"                           \
  "CREATE TRIGGER search_products_gone AFTER DELETE ON search_products"     \
  " BEGIN"                                                                  \
  "  DELETE FROM search_products_fts WHERE rowid = old.docid;"              \
  "  DELETE FROM search_product_skus WHERE docid = old.docid;"              \
  "  DELETE FROM search_product_categories WHERE docid = old.docid;"        \
  "  DELETE FROM search_product_prices WHERE docid = old.docid;"            \
  "  DELETE FROM search_product_attrs WHERE docid = old.docid;"             \
  " END;"                                                                   \
  "CREATE TABLE search_orders ("                                            \
  " docid INTEGER PRIMARY KEY,"                                             \
  " order_id TEXT NOT NULL UNIQUE,"                                         \
  " number TEXT NOT NULL,"                                                  \
  " customer_id TEXT NOT NULL,"                                             \
  " customer_name TEXT NOT NULL,"                                           \
  " customer_email TEXT NOT NULL,"                                          \
  " status TEXT NOT NULL,"                                                  \
  " total_amount BIGINT NOT NULL,"                                          \
  " currency TEXT NOT NULL,"                                                \
  " created_ms BIGINT NOT NULL,"                                            \
  " updated_ms BIGINT NOT NULL);"                                           \
  "CREATE INDEX search_orders_created"                                      \
  " ON search_orders (created_ms, order_id);"                               \
  "CREATE INDEX search_orders_customer"                                     \
  " ON search_orders (customer_id, created_ms, order_id);"                  \
  "CREATE VIRTUAL TABLE search_orders_fts USING fts5("                      \
  " number, customer, skus, status,"                                        \
  " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"           \
  "CREATE TRIGGER search_orders_gone AFTER DELETE ON search_orders"         \
  " BEGIN"                                                                  \
  "  DELETE FROM search_orders_fts WHERE rowid = old.docid;"                \
  " END;"

#define SRCH_POSTGRES_V1                                                    \
  "CREATE TABLE search_products ("                                          \
  " docid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"                 \
  " product_id TEXT NOT NULL UNIQUE,"                                       \
  " title TEXT NOT NULL,"                                                   \
  " slug TEXT NOT NULL,"                                                    \
  " in_stock BIGINT NOT NULL,"                                              \
  " created_ms BIGINT NOT NULL,"                                            \
  " indexed_ms BIGINT NOT NULL,"                                            \
  " document TSVECTOR NOT NULL);"                                           \
  "CREATE INDEX search_products_created"                                    \
  " ON search_products (created_ms, product_id);"                           \
  "CREATE INDEX search_products_document"                                   \
  " ON search_products USING GIN (document);"                               \
  "CREATE TABLE search_product_skus ("                                      \
  " sku TEXT NOT NULL, docid BIGINT NOT NULL, PRIMARY KEY (sku, docid));"   \
  "CREATE INDEX search_product_skus_doc ON search_product_skus (docid);"    \
  "CREATE TABLE search_product_categories ("                                \
  " category_id TEXT NOT NULL, docid BIGINT NOT NULL, name TEXT NOT NULL,"  \
  " direct BIGINT NOT NULL, PRIMARY KEY (category_id, docid));"             \
  "CREATE INDEX search_product_categories_doc"                              \
  " ON search_product_categories (docid);"                                  \
  "CREATE TABLE search_product_prices ("                                    \
  " docid BIGINT NOT NULL, currency TEXT NOT NULL, amount BIGINT NOT NULL," \
  " PRIMARY KEY (docid, currency));"                                        \
  "CREATE INDEX search_product_prices_amount"                               \
  " ON search_product_prices (currency, amount, docid);"                    \
  "CREATE TABLE search_product_attrs ("                                     \
  " docid BIGINT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"        \
  " PRIMARY KEY (docid, name));"                                            \
  "CREATE INDEX search_product_attrs_value"                                 \
  " ON search_product_attrs (name, value, docid);"                          \
  "CREATE TABLE search_orders ("                                            \
  " docid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"                 \
  " order_id TEXT NOT NULL UNIQUE,"                                         \
  " number TEXT NOT NULL,"                                                  \
  " customer_id TEXT NOT NULL,"                                             \
  " customer_name TEXT NOT NULL,"                                           \
  " customer_email TEXT NOT NULL,"                                          \
  " status TEXT NOT NULL,"                                                  \
  " total_amount BIGINT NOT NULL,"                                          \
  " currency TEXT NOT NULL,"                                                \
  " created_ms BIGINT NOT NULL,"                                            \
  " updated_ms BIGINT NOT NULL,"                                            \
  " document TSVECTOR NOT NULL);"                                           \
  "CREATE INDEX search_orders_created"                                      \
  " ON search_orders (created_ms, order_id);"                               \
  "CREATE INDEX search_orders_customer"                                     \
  " ON search_orders (customer_id, created_ms, order_id);"                  \
  "CREATE INDEX search_orders_document"                                     \
  " ON search_orders USING GIN (document);"

static const tc__migration search_migrations[] = {
    {1, SRCH_SQLITE_V1, SRCH_POSTGRES_V1},
};

const tc__schema_module tc__schema_search = {
    "search", search_migrations,
    sizeof(search_migrations) / sizeof(search_migrations[0])};
