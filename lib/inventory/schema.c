/*
 * lib/inventory/schema.c - the inventory tables.
 *
 * The CHECK constraints repeat the invariants the code keeps (on_hand >=
 * reserved >= 0, positive reservation lines), so a bug can never commit a
 * broken level: the statement fails instead.
 */
#include "inventory_priv.h"

#define INV_SCHEMA_1(INT)                                                     \
  "CREATE TABLE inventory_warehouses (\n"                                     \
  "  code TEXT NOT NULL PRIMARY KEY,\n"                                       \
  "  name TEXT NOT NULL,\n"                                                   \
  "  priority " INT                                                           \
  " NOT NULL,\n"                                                              \
  "  active " INT                                                             \
  " NOT NULL CHECK (active IN (0, 1)),\n"                                     \
  "  created_ms " INT                                                         \
  " NOT NULL,\n"                                                              \
  "  updated_ms " INT                                                         \
  " NOT NULL\n"                                                               \
  ");\n"                                                                      \
  "CREATE INDEX inventory_warehouses_pick ON inventory_warehouses\n"          \
  "  (active, priority, code);\n"                                             \
  "CREATE TABLE inventory_stock (\n"                                          \
  "  sku TEXT NOT NULL,\n"                                                    \
  "  warehouse TEXT NOT NULL REFERENCES inventory_warehouses(code),\n"        \
  "  on_hand " INT                                                            \
  " NOT NULL,\n"                                                              \
  "  reserved " INT                                                           \
  " NOT NULL,\n"                                                              \
  "  updated_ms " INT                                                         \
  " NOT NULL,\n"                                                              \
  "  PRIMARY KEY (sku, warehouse),\n"                                         \
  "  CHECK (reserved >= 0),\n"                                                \
  "  CHECK (on_hand >= reserved)\n"                                           \
  ");\n"                                                                      \
  "CREATE INDEX inventory_stock_warehouse ON inventory_stock\n"               \
  "  (warehouse, sku);\n"                                                     \
  "CREATE TABLE inventory_ledger (\n"                                         \
  "  id TEXT NOT NULL PRIMARY KEY,\n"                                         \
  "  sku TEXT NOT NULL,\n"                                                    \
  "  warehouse TEXT NOT NULL,\n"                                              \
  "  delta " INT                                                              \
  " NOT NULL CHECK (delta <> 0),\n"                                           \
  "  reason TEXT NOT NULL CHECK (reason IN\n"                                 \
  "    ('receipt', 'adjustment', 'sale', 'return', 'sync')),\n"               \
  "  actor TEXT NOT NULL,\n"                                                  \
  "  reference TEXT NOT NULL,\n"                                              \
  "  created_ms " INT                                                         \
  " NOT NULL,\n"                                                              \
  "  FOREIGN KEY (sku, warehouse) REFERENCES inventory_stock(sku, warehouse)" \
  "\n);\n"                                                                    \
  "CREATE INDEX inventory_ledger_level ON inventory_ledger\n"                 \
  "  (sku, warehouse, id);\n"                                                 \
  "CREATE TABLE inventory_reservations (\n"                                   \
  "  id TEXT NOT NULL PRIMARY KEY,\n"                                         \
  "  idem_key TEXT NOT NULL UNIQUE,\n"                                        \
  "  owner TEXT NOT NULL,\n"                                                  \
  "  digest TEXT NOT NULL,\n"                                                 \
  "  state TEXT NOT NULL CHECK (state IN\n"                                   \
  "    ('held', 'confirmed', 'released', 'expired')),\n"                      \
  "  created_ms " INT                                                         \
  " NOT NULL,\n"                                                              \
  "  expires_ms " INT                                                         \
  " NOT NULL,\n"                                                              \
  "  updated_ms " INT                                                         \
  " NOT NULL\n"                                                               \
  ");\n"                                                                      \
  "CREATE INDEX inventory_reservations_due ON inventory_reservations\n"       \
  "  (state, expires_ms, id);\n"                                              \
  "CREATE INDEX inventory_reservations_owner ON inventory_reservations\n"     \
  "  (owner, id);\n"                                                          \
  "CREATE TABLE inventory_reservation_lines (\n"                              \
  "  reservation_id TEXT NOT NULL\n"                                          \
  "    REFERENCES inventory_reservations(id),\n"                              \
  "  sku TEXT NOT NULL,\n"                                                    \
  "  warehouse TEXT NOT NULL,\n"                                              \
  "  qty " INT                                                                \
  " NOT NULL CHECK (qty > 0),\n"                                              \
  "  PRIMARY KEY (reservation_id, sku, warehouse)\n"                          \
  ");\n"                                                                      \
  "CREATE INDEX inventory_reservation_lines_level ON\n"                       \
  "  inventory_reservation_lines (sku, warehouse);\n"                         \
  "CREATE TABLE inventory_thresholds (\n"                                     \
  "  sku TEXT NOT NULL PRIMARY KEY,\n"                                        \
  "  threshold " INT                                                          \
  " NOT NULL CHECK (threshold >= 0),\n"                                       \
  "  below " INT                                                              \
  " NOT NULL CHECK (below IN (0, 1)),\n"                                      \
  "  updated_ms " INT                                                         \
  " NOT NULL\n"                                                               \
  ");\n"                                                                      \
  "CREATE TABLE inventory_feeds (\n"                                          \
  "  feed_id TEXT NOT NULL PRIMARY KEY,\n"                                    \
  "  digest TEXT NOT NULL,\n"                                                 \
  "  result TEXT NOT NULL,\n"                                                 \
  "  created_ms " INT                                                         \
  " NOT NULL\n"                                                               \
  ");\n"

static const tc__migration inv_migrations[] = {
    {1, INV_SCHEMA_1("INTEGER"), INV_SCHEMA_1("BIGINT")},
};

const tc__schema_module tc__schema_inventory = {
    "inventory", inv_migrations,
    sizeof(inv_migrations) / sizeof(inv_migrations[0])};
