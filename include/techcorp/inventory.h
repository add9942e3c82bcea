/*
 * techcorp/inventory.h - stock per SKU per warehouse, its ledger,
 * reservations with a TTL, availability, low-stock alerts and the legacy
 * stock feed (import/export).
 *
 * Invariants the module keeps (and tc_inventory_verify() checks):
 *   - on_hand >= reserved >= 0 for every (sku, warehouse), also enforced by
 *     CHECK constraints in the schema;
 *   - every change of on_hand is one ledger row written in the same
 *     transaction, so the ledger's sum per (sku, warehouse) is on_hand;
 *   - reserved is the sum of the held reservations' lines;
 *   - no oversell: a reservation takes stock with a conditional UPDATE
 *     (`... WHERE on_hand - reserved >= qty`, checked by rows changed), so
 *     any number of threads and processes on one database never hold more
 *     than there is.
 *
 * SKUs are the catalog's (1..64 bytes, looked up there: an unknown SKU is
 * TC_ENOTFOUND). Warehouse codes are 1..32 bytes of [A-Z0-9_-].
 * Quantities are whole units between 1 and TC_INVENTORY_MAX_QTY; on-hand
 * levels never exceed it.
 *
 * Events (published in the same transaction as the change, JSON payloads
 * with ids and quantities): inventory.reserved, inventory.confirmed,
 * inventory.released, inventory.expired, inventory.adjusted,
 * inventory.low_stock, inventory.synced.
 * * Who may do what is decided here (the library's one policy, for every
 * front alike): each function that acts for someone takes the caller's
 * principal `who` (NULL: anonymous). Levels and reservations are read by
 * support, admin and system callers; warehouses, the ledger, verify and
 * export are for admin and system; changes (adjust, thresholds,
 * warehouses, reservations, feeds) for admin, system, or a client with
 * the scope "inventory:write". Availability is public and the expiry sweep
 * is a host job: neither takes a principal. Anyone else gets
 * TC_EUNAUTHENTICATED or TC_EDENIED.
 *
 * Errors: functions return TC_OK or a negative TC_E code; tc_errmsg(ctx)
 * names the field, SKU, warehouse or feed line that was wrong. A failed
 * call changes nothing in the database.
 *
 * Thread rules: as for the context: one thread at a time per context; many
 * contexts (threads or processes) may work on one database at once.
 */
#ifndef TECHCORP_INVENTORY_H
#define TECHCORP_INVENTORY_H

#include "common.h"
#include "buf.h"
#include "context.h"

TC_BEGIN_DECL

/** Largest quantity or level the module accepts (a billion units). */
#define TC_INVENTORY_MAX_QTY 1000000000
/** Most lines in one reservation. */
#define TC_INVENTORY_MAX_LINES 100

/* ---- options ------------------------------------------------------------ */

#define TC_INVENTORY_OPTIONS_VERSION 1
/** Module options; every 0 field takes its default. */
typedef struct tc_inventory_options {
  uint32_t version;
  /** Lifetime of a reservation when the caller gives none (0: 15 min). */
  int64_t reservation_ttl_ms;
  /** Times reserve retries a transaction that found the store busy past
   *  its busy timeout (0: 10). */
  uint32_t busy_retries;
  /** Largest feed accepted by tc_inventory_import, in bytes (0: 16 MiB). */
  size_t max_feed_bytes;
  /** Most data rows in one feed (0: 100000). */
  size_t max_feed_rows;
  /** How long an availability figure stays in the cache (0: 30 s). */
  int64_t cache_ttl_ms;
} tc_inventory_options;
#define TC_INVENTORY_OPTIONS_INIT \
  { TC_INVENTORY_OPTIONS_VERSION, 0, 0, 0, 0, 0 }

/**
 * Set the module's options on ctx (copied). Without a call the defaults
 * apply. TC_EINVAL for a bad version or a negative TTL.
 */
TC_EXTERN int tc_inventory_configure(tc_ctx *ctx,
                                     const tc_inventory_options *opts);

/* ---- warehouses --------------------------------------------------------- */

/** A warehouse, a value struct. Lower priority numbers are used first. */
typedef struct tc_warehouse {
  char code[33];
  char name[129];
  int32_t priority;
  int active; /**< 0: never picked for reservations */
  int64_t created_ms;
  int64_t updated_ms;
} tc_warehouse;

/**
 * Create warehouse code ([A-Z0-9_-], 1..32 bytes) with name (1..128 bytes
 * of UTF-8), priority (0..1000000, lower first) and active (0/1).
 * TC_ECONFLICT when the code exists, TC_EINVAL naming the field.
 */
TC_EXTERN int tc_inventory_warehouse_create(tc_ctx *ctx,
                                            const tc_principal *who,
                                            const char *code, const char *name,
                                            int32_t priority, int active);

/**
 * Change a warehouse's name (NULL: keep), priority (< 0: keep) and active
 * flag (< 0: keep). TC_ENOTFOUND for an unknown code.
 */
TC_EXTERN int tc_inventory_warehouse_update(tc_ctx *ctx,
                                            const tc_principal *who,
                                            const char *code, const char *name,
                                            int32_t priority, int active);

/** Read one warehouse into *out. TC_ENOTFOUND for an unknown code. */
TC_EXTERN int tc_inventory_warehouse_get(tc_warehouse *out, tc_ctx *ctx,
                                         const tc_principal *who,
                                         const char *code);

/** Called per warehouse; w is valid during the call. Non-zero stops (a
 *  negative value is returned by the listing function). */
typedef int (*tc_warehouse_cb)(const tc_warehouse *w, void *payload);

/** Every warehouse, by priority then code (there are few). */
TC_EXTERN int tc_inventory_warehouse_list(tc_ctx *ctx, const tc_principal *who,
                                          tc_warehouse_cb cb, void *payload);

/* ---- levels, adjustments, ledger --------------------------------------- */

/** Stock of one SKU in one warehouse, a value struct. */
typedef struct tc_stock_level {
  char sku[65];
  char warehouse[33];
  int64_t on_hand;
  int64_t reserved;
  int64_t available; /**< on_hand - reserved */
} tc_stock_level;

/** Called per level; valid during the call. Non-zero stops. */
typedef int (*tc_stock_level_cb)(const tc_stock_level *level, void *payload);

/**
 * The levels of sku in every warehouse that holds a row for it, by
 * warehouse priority then code. TC_ENOTFOUND for a SKU the catalog does not
 * know.
 */
TC_EXTERN int tc_inventory_levels(tc_ctx *ctx, const tc_principal *who,
                                  const char *sku, tc_stock_level_cb cb,
                                  void *payload);

/**
 * Page through every level ordered by (sku, warehouse): up to limit
 * (1..1000) levels after cursor (NULL or "" for the first page). When more
 * may follow, next_cursor (at least 100 bytes, may be NULL) receives the
 * cursor of the next page, else "". The cursor is opaque.
 */
TC_EXTERN int tc_inventory_levels_page(tc_ctx *ctx, const tc_principal *who,
                                       const char *cursor, size_t limit,
                                       tc_stock_level_cb cb, void *payload,
                                       char *next_cursor);

/**
 * Available stock of sku over all active warehouses, for display: read
 * through the cache port and invalidated on every change of the SKU, so it
 * may lag by one in-flight transaction but never holds stock (reservations
 * do not trust it). TC_ENOTFOUND for an unknown SKU.
 */
TC_EXTERN int tc_inventory_available(tc_ctx *ctx, const char *sku,
                                     int64_t *out);

/**
 * Whether any of skus[0..n) has a unit available over the active
 * warehouses (*out 1) or none has (*out 0), read from the store, not the
 * cache, inside the caller's transaction when one is open: for indexers
 * that keep an in-stock flag (the search module). A SKU inventory does not
 * know counts as none available. Like tc_inventory_available() it takes no
 * principal: availability is public.
 */
TC_EXTERN int tc_inventory_any_available(int *out, tc_ctx *ctx,
                                         const char *const *skus, size_t n);

/** Why on-hand stock changed (ledger reasons). */
typedef enum tc_stock_reason {
  TC_STOCK_RECEIPT = 1,    /**< goods in (delta > 0) */
  TC_STOCK_ADJUSTMENT = 2, /**< count correction (either sign) */
  TC_STOCK_SALE = 3,       /**< a confirmed reservation (delta < 0) */
  TC_STOCK_RETURN = 4,     /**< goods back from a customer (delta > 0) */
  TC_STOCK_SYNC = 5,       /**< a legacy feed */
} tc_stock_reason;

/** "receipt", "adjustment", "sale", "return", "sync"; NULL if unknown. */
TC_EXTERN const char *tc_stock_reason_name(tc_stock_reason reason);

/**
 * Change on-hand stock of sku in warehouse by delta (non-zero, |delta| <=
 * TC_INVENTORY_MAX_QTY) for reason (receipt and return take delta > 0,
 * adjustment either sign; sale and sync are written only by confirmations
 * and feeds), writing the ledger row (actor: 1..128 bytes, NULL: who's name,
 * "user:<id>", "system:<client_id>" or "system"; reference: optional,
 * <= 128 bytes) and inventory.adjusted. *on_hand_out (may be
 * NULL) receives the new level. TC_EINSUFFICIENT when the level would fall
 * below what is reserved, TC_EOVERFLOW above TC_INVENTORY_MAX_QTY,
 * TC_ENOTFOUND for an unknown SKU or warehouse.
 */
TC_EXTERN int tc_inventory_adjust(int64_t *on_hand_out, tc_ctx *ctx,
                                  const tc_principal *who, const char *sku,
                                  const char *warehouse, int64_t delta,
                                  tc_stock_reason reason, const char *actor,
                                  const char *reference);

/** One ledger row, valid during the callback. */
typedef struct tc_ledger_entry {
  char id[TC_ID_STRLEN + 1]; /**< time-ordered */
  char sku[65];
  char warehouse[33];
  int64_t delta;
  tc_stock_reason reason;
  char actor[129];
  char reference[129];
  int64_t created_ms;
} tc_ledger_entry;

typedef int (*tc_ledger_cb)(const tc_ledger_entry *e, void *payload);

/**
 * Ledger rows of sku (and of warehouse, unless NULL) after entry id
 * after_id (NULL: from the first), oldest first, at most limit (1..1000).
 */
TC_EXTERN int tc_inventory_ledger(tc_ctx *ctx, const tc_principal *who,
                                  const char *sku, const char *warehouse,
                                  const char *after_id, size_t limit,
                                  tc_ledger_cb cb, void *payload);

/**
 * Check the invariants over the whole database: ledger sum == on_hand and
 * held reservation lines == reserved for every level, on_hand >= reserved
 * >= 0. *problems (may be NULL) receives the number of levels that break
 * one. TC_OK when none does, TC_ECORRUPT naming the first one otherwise.
 * A report: reads every level.
 */
TC_EXTERN int tc_inventory_verify(tc_ctx *ctx, const tc_principal *who,
                                  size_t *problems);

/**
 * Set the low-stock threshold of sku (0..TC_INVENTORY_MAX_QTY; 0 turns it
 * off). inventory.low_stock is published once each time available stock
 * (all active warehouses) falls below it, not on every change while it
 * stays below. Setting a threshold already above today's stock is not a
 * crossing: the next event comes after stock has risen to it and fallen
 * below again.
 */
TC_EXTERN int tc_inventory_set_threshold(tc_ctx *ctx, const tc_principal *who,
                                         const char *sku, int64_t threshold);

/* ---- reservations ------------------------------------------------------- */

/** One line of a reservation request: quantity of a SKU (1..MAX_QTY). */
typedef struct tc_inventory_line {
  const char *sku;
  int64_t qty;
} tc_inventory_line;

typedef enum tc_reservation_state {
  TC_RESERVATION_HELD = 1,
  TC_RESERVATION_CONFIRMED = 2,
  TC_RESERVATION_RELEASED = 3,
  TC_RESERVATION_EXPIRED = 4,
} tc_reservation_state;

/** "held", "confirmed", "released", "expired"; NULL if unknown. */
TC_EXTERN const char *tc_reservation_state_name(tc_reservation_state state);

/** Where one part of a reservation is held. */
typedef struct tc_reservation_alloc {
  char sku[65];
  char warehouse[33];
  int64_t qty;
} tc_reservation_alloc;

/**
 * A reservation as read, returned by the functions below; read-only for the
 * caller, freed with tc_inventory_reservation_free().
 */
typedef struct tc_reservation {
  char id[TC_ID_STRLEN + 1];
  char owner[129]; /**< e.g. the order id */
  char key[129];   /**< the idempotency key */
  tc_reservation_state state;
  int64_t created_ms;
  int64_t expires_ms;
  int64_t updated_ms;
  int replayed; /**< 1 when reserve returned an existing reservation */
  size_t nallocs;
  tc_reservation_alloc *allocs; /**< by sku, then warehouse */
} tc_reservation;

/**
 * Hold nlines lines (1..TC_INVENTORY_MAX_LINES; the same SKU twice is
 * added up) for owner (1..128 bytes) under the idempotency key (1..128
 * bytes) for ttl_ms (0: the configured default; at most 7 days).
 *
 * All or nothing, in one write transaction with the reservation rows and
 * inventory.reserved: active warehouses are tried by priority; the first
 * that can serve every line gets all of them, otherwise each line is split
 * over warehouses in priority order. A busy store is retried a bounded
 * number of times.
 *
 * The same key again returns the same reservation (in whatever state it is
 * now, replayed = 1); the same key with other lines or another owner is
 * TC_ECONFLICT. TC_EINSUFFICIENT names the first SKU short of stock (and
 * holds nothing), TC_ENOTFOUND an unknown SKU, TC_EINVAL a bad line
 * ("lines[2].qty"), TC_EBUSY when the retries ran out.
 *
 * On success *out is owned by the caller (tc_inventory_reservation_free).
 */
TC_EXTERN int tc_inventory_reserve(tc_reservation **out, tc_ctx *ctx,
                                   const tc_principal *who, const char *owner,
                                   const char *key,
                                   const tc_inventory_line *lines,
                                   size_t nlines, int64_t ttl_ms);

/**
 * Confirm a held reservation: its stock leaves on_hand and reserved (ledger
 * reason sale, actor the owner) and inventory.confirmed is published.
 * Confirming a confirmed one is TC_OK (nothing changes). TC_EEXPIRED when
 * its TTL has run out (a held one is then expired and its stock released,
 * as the sweep would), TC_ESTATE for a released one (naming both states),
 * TC_ENOTFOUND for an unknown id.
 */
TC_EXTERN int tc_inventory_confirm(tc_ctx *ctx, const tc_principal *who,
                                   const char *reservation_id);

/**
 * Release a held reservation (reserved decreases; inventory.released).
 * Releasing a released or expired one is TC_OK (nothing changes);
 * TC_ESTATE for a confirmed one (naming both states), TC_ENOTFOUND.
 */
TC_EXTERN int tc_inventory_release(tc_ctx *ctx, const tc_principal *who,
                                   const char *reservation_id);

/** Read a reservation; *out as for tc_inventory_reserve(). TC_ENOTFOUND. */
TC_EXTERN int tc_inventory_reservation_get(tc_reservation **out, tc_ctx *ctx,
                                           const tc_principal *who,
                                           const char *reservation_id);

/** Free a reservation returned above. NULL is a no-op. */
TC_EXTERN void tc_inventory_reservation_free(tc_ctx *ctx, tc_reservation *r);

/**
 * Expire up to limit (1..10000) held reservations whose TTL ran out at
 * now_ms (<= 0: the context's clock), oldest first, releasing their stock
 * and publishing inventory.expired for each. Safe to run from many threads
 * and processes at once: each reservation is expired by exactly one caller
 * (a conditional state update decides). *released (may be NULL) receives
 * how many this call expired.
 */
TC_EXTERN int tc_inventory_sweep(tc_ctx *ctx, int64_t now_ms, size_t limit,
                                 size_t *released);

/* ---- legacy feed -------------------------------------------------------- */

typedef enum tc_feed_format {
  TC_FEED_CSV = 1,  /**< RFC 4180; header sku,warehouse,quantity[,mode] */
  TC_FEED_JSON = 2, /**< [{"sku":..,"warehouse":..,"quantity":..,
                         "mode":..}, ...] */
} tc_feed_format;

/** How a row's quantity is applied when it names no mode itself. */
typedef enum tc_feed_mode {
  TC_FEED_ABSOLUTE = 0, /**< the new on-hand level ("set") */
  TC_FEED_DELTA = 1,    /**< added to on-hand ("delta") */
} tc_feed_mode;

#define TC_IMPORT_OPTIONS_VERSION 1
typedef struct tc_import_options {
  uint32_t version;
  tc_feed_mode mode;
  /**< default mode of rows */ /** ledger actor (NULL: who's name, as for
                                  tc_inventory_adjust) */
  const char *actor;
  int skip_invalid; /**< 1: apply the good rows, list the bad ones */
} tc_import_options;
#define TC_IMPORT_OPTIONS_INIT \
  { TC_IMPORT_OPTIONS_VERSION, TC_FEED_ABSOLUTE, NULL, 0 }

/** One level a feed changed. */
typedef struct tc_sync_change {
  char sku[65];
  char warehouse[33];
  int64_t old_on_hand;
  int64_t new_on_hand;
} tc_sync_change;

/** A row skipped with skip_invalid. */
typedef struct tc_sync_error {
  size_t line; /**< 1-based line (CSV) or item (JSON) */
  char reason[320];
} tc_sync_error;

/** What a feed did; freed with tc_inventory_sync_result_free(). */
typedef struct tc_sync_result {
  char feed_id[129];
  int replayed; /**< 1: the feed was applied before; this is that result */
  int had_bom;  /**< 1: a UTF-8 byte order mark was found and skipped */
  size_t rows;  /**< data rows read */
  size_t nchanges;
  tc_sync_change *changes; /**< in feed order, one per changed level */
  size_t nerrors;
  tc_sync_error *errors; /**< only with skip_invalid */
} tc_sync_result;

/**
 * Apply the stock feed data[0..len) in format under feed_id (1..128 bytes;
 * opts may be NULL). All rows are checked, then applied in one write
 * transaction with one ledger row (reason sync) per changed level and one
 * inventory.synced event. The same feed_id with the same bytes again
 * changes nothing and returns the first result (replayed = 1); with other
 * bytes it is TC_ECONFLICT.
 *
 * A bad row is TC_EINVAL with a message starting "line N:" naming the
 * reason (wrong column count, bad number, unknown SKU or warehouse, a
 * negative level, a level below what is reserved, invalid UTF-8) and
 * nothing is applied, unless opts->skip_invalid (then it is listed in
 * errors and the other rows are applied). A UTF-8 byte order mark is
 * accepted (had_bom); UTF-16/32 are refused (TC_EINVAL). Feeds over the
 * size or row limit are TC_ELIMIT.
 *
 * On success *out is owned by the caller.
 */
TC_EXTERN int tc_inventory_import(tc_sync_result **out, tc_ctx *ctx,
                                  const tc_principal *who, const char *feed_id,
                                  tc_feed_format format, const char *data,
                                  size_t len, const tc_import_options *opts);

/** Free a result of tc_inventory_import(). NULL is a no-op. */
TC_EXTERN void tc_inventory_sync_result_free(tc_ctx *ctx, tc_sync_result *r);

/**
 * Append every level to out (owned by the caller) in format, ordered by
 * sku then warehouse: CSV "sku,warehouse,on_hand,reserved,available" with
 * a header row, or a JSON array of objects with those members. A report
 * (reads every level).
 */
TC_EXTERN int tc_inventory_export(tc_buf *out, tc_ctx *ctx,
                                  const tc_principal *who,
                                  tc_feed_format format);

TC_END_DECL

#endif
