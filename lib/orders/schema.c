/*
 * lib/orders/schema.c - the orders tables.
 *
 * Listings are keyset-paginated over (customer_id, created_ms, id),
 * (status, created_ms, id) and (created_ms, id); the recovery sweep finds
 * unfinished sagas and refunds by (state, updated_ms). The CHECK
 * constraints repeat the rules the code keeps, so a bug fails a statement
 * instead of committing a broken order.
 */
#include "orders_priv.h"

#define ORD_SCHEMA_1(INT)                                                   \
  "CREATE TABLE orders_idempotency (\n"                                     \
  "  scope TEXT NOT NULL,\n"                                                \
  "  idem_key TEXT NOT NULL,\n"                                             \
  "  request_hash TEXT NOT NULL,\n"                                         \
  "  response TEXT,\n"                                                      \
  "  created_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  expires_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  PRIMARY KEY (scope, idem_key)\n"                                       \
  ");\n"                                                                    \
  "CREATE INDEX orders_idempotency_expiry ON orders_idempotency\n"          \
  "  (expires_ms);\n"                                                       \
  "CREATE TABLE orders_carts (\n"                                           \
  "  id TEXT NOT NULL PRIMARY KEY,\n"                                       \
  "  token_hash TEXT UNIQUE,\n"                                             \
  "  user_id TEXT UNIQUE,\n"                                                \
  "  currency TEXT NOT NULL,\n"                                             \
  "  created_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  updated_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  expires_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  CHECK ((token_hash IS NULL) <> (user_id IS NULL))\n"                   \
  ");\n"                                                                    \
  "CREATE INDEX orders_carts_expiry ON orders_carts (expires_ms);\n"        \
  "CREATE TABLE orders_cart_lines (\n"                                      \
  "  cart_id TEXT NOT NULL REFERENCES orders_carts(id),\n"                  \
  "  sku TEXT NOT NULL,\n"                                                  \
  "  title TEXT NOT NULL,\n"                                                \
  "  qty " INT                                                              \
  " NOT NULL CHECK (qty BETWEEN 1 AND 999),\n"                              \
  "  unit_amount " INT                                                      \
  " NOT NULL CHECK (unit_amount >= 0),\n"                                   \
  "  updated_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  PRIMARY KEY (cart_id, sku)\n"                                          \
  ");\n"                                                                    \
  "CREATE TABLE orders_orders (\n"                                          \
  "  id TEXT NOT NULL PRIMARY KEY,\n"                                       \
  "  number TEXT NOT NULL UNIQUE,\n"                                        \
  "  customer_id TEXT NOT NULL,\n"                                          \
  "  status TEXT NOT NULL CHECK (status IN ('pending', 'awaiting_payment'," \
  " 'paid', 'fulfilling', 'shipped', 'delivered', 'cancelled',"             \
  " 'payment_failed', 'partially_refunded', 'refunded')),\n"                \
  "  currency TEXT NOT NULL,\n"                                             \
  "  subtotal " INT                                                         \
  " NOT NULL CHECK (subtotal >= 0),\n"                                      \
  "  total " INT                                                            \
  " NOT NULL CHECK (total >= 0),\n"                                         \
  "  refunded " INT                                                         \
  " NOT NULL CHECK (refunded >= 0 AND refunded <= total),"                  \
  "\n"                                                                      \
  "  item_count " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  ship_name TEXT NOT NULL,\n"                                            \
  "  ship_line1 TEXT NOT NULL,\n"                                           \
  "  ship_line2 TEXT NOT NULL,\n"                                           \
  "  ship_city TEXT NOT NULL,\n"                                            \
  "  ship_region TEXT NOT NULL,\n"                                          \
  "  ship_postal_code TEXT NOT NULL,\n"                                     \
  "  ship_country TEXT NOT NULL,\n"                                         \
  "  ship_phone TEXT NOT NULL,\n"                                           \
  "  payment_id TEXT NOT NULL,\n"                                           \
  "  card_last4 TEXT NOT NULL,\n"                                           \
  "  tracking TEXT NOT NULL,\n"                                             \
  "  created_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  updated_ms " INT                                                       \
  " NOT NULL\n"                                                             \
  ");\n"                                                                    \
  "CREATE INDEX orders_orders_customer ON orders_orders\n"                  \
  "  (customer_id, created_ms, id);\n"                                      \
  "CREATE INDEX orders_orders_status ON orders_orders\n"                    \
  "  (status, created_ms, id);\n"                                           \
  "CREATE INDEX orders_orders_created ON orders_orders (created_ms, id);\n" \
  "CREATE TABLE orders_lines (\n"                                           \
  "  order_id TEXT NOT NULL REFERENCES orders_orders(id),\n"                \
  "  line_no " INT                                                          \
  " NOT NULL,\n"                                                            \
  "  sku TEXT NOT NULL,\n"                                                  \
  "  title TEXT NOT NULL,\n"                                                \
  "  qty " INT                                                              \
  " NOT NULL CHECK (qty BETWEEN 1 AND 999),\n"                              \
  "  unit_amount " INT                                                      \
  " NOT NULL CHECK (unit_amount >= 0),\n"                                   \
  "  total_amount " INT                                                     \
  " NOT NULL CHECK (total_amount >= 0),\n"                                  \
  "  refunded_qty " INT                                                     \
  " NOT NULL,\n"                                                            \
  "  PRIMARY KEY (order_id, line_no),\n"                                    \
  "  CHECK (refunded_qty >= 0 AND refunded_qty <= qty)\n"                   \
  ");\n"                                                                    \
  "CREATE TABLE orders_transitions (\n"                                     \
  "  id TEXT NOT NULL PRIMARY KEY,\n"                                       \
  "  order_id TEXT NOT NULL REFERENCES orders_orders(id),\n"                \
  "  from_status TEXT,\n"                                                   \
  "  to_status TEXT NOT NULL,\n"                                            \
  "  actor TEXT NOT NULL,\n"                                                \
  "  reason TEXT NOT NULL,\n"                                               \
  "  created_ms " INT                                                       \
  " NOT NULL\n"                                                             \
  ");\n"                                                                    \
  "CREATE INDEX orders_transitions_order ON orders_transitions\n"           \
  "  (order_id, id);\n"                                                     \
  "CREATE TABLE orders_sagas (\n"                                           \
  "  order_id TEXT NOT NULL PRIMARY KEY REFERENCES orders_orders(id),\n"    \
  "  customer_id TEXT NOT NULL,\n"                                          \
  "  step TEXT NOT NULL CHECK (step IN ('reserve', 'authorize', 'confirm'," \
  " 'release', 'settle', 'done')),\n"                                       \
  "  state TEXT NOT NULL CHECK (state IN ('running', 'done')),\n"           \
  "  source TEXT NOT NULL,\n"                                               \
  "  reservation_id TEXT NOT NULL,\n"                                       \
  "  reserve_seq " INT                                                      \
  " NOT NULL,\n"                                                            \
  "  reserve_expires_ms " INT                                               \
  " NOT NULL,\n"                                                            \
  "  payment_id TEXT NOT NULL,\n"                                           \
  "  attempts " INT                                                         \
  " NOT NULL,\n"                                                            \
  "  result_rc " INT                                                        \
  " NOT NULL,\n"                                                            \
  "  last_error TEXT NOT NULL,\n"                                           \
  "  lease_owner TEXT NOT NULL,\n"                                          \
  "  lease_until " INT                                                      \
  " NOT NULL,\n"                                                            \
  "  created_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  updated_ms " INT                                                       \
  " NOT NULL\n"                                                             \
  ");\n"                                                                    \
  "CREATE INDEX orders_sagas_due ON orders_sagas (state, updated_ms);\n"    \
  "CREATE TABLE orders_refunds (\n"                                         \
  "  id TEXT NOT NULL PRIMARY KEY,\n"                                       \
  "  order_id TEXT NOT NULL REFERENCES orders_orders(id),\n"                \
  "  refund_key TEXT NOT NULL,\n"                                           \
  "  amount " INT                                                           \
  " NOT NULL CHECK (amount >= 0),\n"                                        \
  "  full_refund " INT                                                      \
  " NOT NULL CHECK (full_refund IN (0, 1)),\n"                              \
  "  reason TEXT NOT NULL,\n"                                               \
  "  state TEXT NOT NULL CHECK (state IN ('pending', 'done')),\n"           \
  "  outcome TEXT NOT NULL,\n"                                              \
  "  refunded " INT                                                         \
  " NOT NULL,\n"                                                            \
  "  attempts " INT                                                         \
  " NOT NULL,\n"                                                            \
  "  last_error TEXT NOT NULL,\n"                                           \
  "  lease_owner TEXT NOT NULL,\n"                                          \
  "  lease_until " INT                                                      \
  " NOT NULL,\n"                                                            \
  "  created_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  updated_ms " INT                                                       \
  " NOT NULL,\n"                                                            \
  "  UNIQUE (order_id, refund_key)\n"                                       \
  ");\n"                                                                    \
  "CREATE INDEX orders_refunds_due ON orders_refunds (state, updated_ms);\n"

static const tc__migration ord_migrations[] = {
    {1, ORD_SCHEMA_1("INTEGER"), ORD_SCHEMA_1("BIGINT")},
};

const tc__schema_module tc__schema_orders = {
    "orders", ord_migrations,
    sizeof(ord_migrations) / sizeof(ord_migrations[0])};
