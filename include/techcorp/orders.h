/*
 * techcorp/orders.h - carts, checkout (the order saga), the order state
 * machine, cancellations, refunds and returns, listings.
 *
 * Carts. A guest gets a cart from tc_orders_cart_open(): an opaque random
 * token (64 hex characters) that is the only way to reach it (the library
 * keeps only its SHA-256). A signed-in user has one cart, made on first
 * use, reached through the principal. Every function below that takes
 * (who, cart_token) uses the guest cart of cart_token when it is not NULL,
 * else the cart of the user `who`. Lines are checked against the catalog
 * (existing SKU of a published product, quantity 1..TC_ORDERS_MAX_QTY) and
 * keep a snapshot of the unit price in the cart's currency; totals are
 * exact sums in minor units. A cart expires after cart_ttl_ms without
 * change (a user's expired cart starts empty again, a guest's is gone).
 * tc_orders_cart_merge() folds a guest cart into the user's on login.
 *
 * Checkout (tc_orders_checkout) takes an idempotency key. It checks the
 * cart against the catalog (a changed price is TC_ECONFLICT naming the SKU
 * and both prices; a vanished or unpublished product TC_ENOTFOUND naming
 * the SKU), then in one transaction claims the key, creates the order
 * PENDING with a snapshot of lines, prices and address, empties the cart
 * and records the saga. The saga then runs step by step, each step
 * recorded before the call it makes and its outcome after:
 *   reserve stock (TTL)  -> AWAITING_PAYMENT
 *   authorize payment    -> (decline: PAYMENT_FAILED, stock released)
 *   confirm reservation  -> PAID (orders.paid)
 * A transient payment failure (retries exhausted, circuit open) leaves the
 * order AWAITING_PAYMENT: tc_orders_recover() or a replay of the checkout
 * re-drives it. The same key with the same request returns the first
 * order; with another request it is TC_ECONFLICT. Keys are kept at least
 * 24 hours.
 *
 * Invariants (kept under crashes at any point, once tc_orders_recover()
 * has run): a PAID (or later) order has its stock confirmed and its
 * payment authorized or captured; a PAYMENT_FAILED or CANCELLED order
 * holds no stock and has no net charge; a payment is never taken twice
 * (every provider call carries a key derived from the order).
 *
 * States and transitions (who may: Sy system, Ad admin, Su support, Cu
 * the customer who owns the order):
 *   pending          -> awaiting_payment (Sy), cancelled (Sy)
 *   awaiting_payment -> paid (Sy), payment_failed (Sy), cancelled (Sy)
 *   paid             -> fulfilling (Sy Ad Su), cancelled (Sy Ad Cu),
 *                       partially_refunded, refunded (Sy Ad)
 *   fulfilling       -> shipped (Sy Ad Su), cancelled (Sy Ad),
 *                       partially_refunded, refunded (Sy Ad)
 *   shipped          -> delivered (Sy Ad Su), partially_refunded,
 *                       refunded (Sy Ad)
 *   delivered        -> partially_refunded, refunded (Sy Ad)
 *   partially_refunded -> partially_refunded, refunded (Sy Ad)
 * Anything else is TC_ESTATE naming both states. Every transition is
 * recorded (order, from, to, actor, reason, time) and published as
 * orders.<new state> (orders.created for the first, pending).
 *
 * Events (JSON, published in the transaction of the change): every
 * orders.* event carries {"order_id","number","customer_id",
 * "customer_name","customer_email","status","from","currency","subtotal",
 * "total","refunded","item_count","skus":[...],"actor","reason",
 * "tracking","created_ms","updated_ms"} (amounts in minor units; "from"
 * null for orders.created; customer name/e-mail "" when unknown).
 *
 * Errors: TC_OK or a negative TC_E code; tc_errmsg() names the field, SKU
 * or state. A failed call leaves the database as it was, except where a
 * function says that an order was created (the saga then owns it).
 *
 * Thread rules: as for the context (one thread at a time per context).
 * Many contexts, threads and processes may run checkouts and recovery on
 * one database at once: saga rows are claimed with leases by conditional
 * updates.
 */
#ifndef TECHCORP_ORDERS_H
#define TECHCORP_ORDERS_H

#include "common.h"
#include "context.h"
#include "money.h"

TC_BEGIN_DECL

/** Largest quantity of one cart or order line. */
#define TC_ORDERS_MAX_QTY 999
/** Most lines in a cart (and an order). */
#define TC_ORDERS_MAX_LINES 100
/** Largest cart or order total in minor units (as payments accept). */
#define TC_ORDERS_MAX_TOTAL INT64_C(999999999999999)
/** Characters of a guest cart token (hex). */
#define TC_ORDERS_CART_TOKEN_LEN 64

/* ---- options ------------------------------------------------------------ */

#define TC_ORDERS_OPTIONS_VERSION 1
/** Module options; 0 (or NULL) in a field means its default. */
typedef struct tc_orders_options {
  uint32_t version;
  /** A cart expires after this long without change (0: 7 days). */
  int64_t cart_ttl_ms;
  /** How long checkout holds stock while paying (0: 15 min). */
  int64_t reservation_ttl_ms;
  /** Idempotency keys are kept this long (0: 24 h; less is raised to 24 h). */
  int64_t idempotency_ttl_ms;
  /** A saga claimed by one process is left alone for this long (0: 60 s). */
  int64_t lease_ms;
  /** Recovery touches only sagas unchanged for this long (0: 30 s). */
  int64_t recover_after_ms;
  /** Currency of new user carts (NULL: "BRL"). Copied. */
  const char *default_currency;
} tc_orders_options;

#define TC_ORDERS_OPTIONS_INIT \
  { TC_ORDERS_OPTIONS_VERSION, 0, 0, 0, 0, 0, NULL }

/**
 * Set the module's options on ctx (copied). Without a call the defaults
 * apply. TC_EINVAL naming the field (version, a negative duration, an
 * unknown currency); the previous options then stay.
 */
TC_EXTERN int tc_orders_configure(tc_ctx *ctx, const tc_orders_options *opts);

/* ---- carts -------------------------------------------------------------- */

/** One line of a cart; part of a tc_cart. */
typedef struct tc_cart_line {
  char sku[65];
  char title[256];
  int64_t qty;
  tc_money unit_price; /**< snapshot taken when the line was last set */
  tc_money total;      /**< unit_price * qty */
} tc_cart_line;

/** A cart as read; freed with tc_orders_cart_free(). */
typedef struct tc_cart {
  char id[TC_ID_STRLEN + 1];
  char user_id[TC_ID_STRLEN + 1]; /**< "" for a guest cart */
  char currency[4];
  tc_cart_line *lines; /**< nlines, by SKU */
  size_t nlines;
  int64_t item_count; /**< sum of quantities */
  tc_money subtotal;
  int64_t created_ms, updated_ms, expires_ms;
} tc_cart;

/**
 * Open a guest cart in currency (NULL: the default currency) and write its
 * token (TC_ORDERS_CART_TOKEN_LEN characters + NUL) into token_out. The
 * token is a bearer secret: whoever holds it uses the cart. TC_EINVAL
 * ("currency").
 */
TC_EXTERN int tc_orders_cart_open(char *token_out, size_t token_size,
                                  tc_ctx *ctx, const char *currency);

/**
 * Read the cart of (who, cart_token) (see the top of this file). A user
 * without a cart gets an empty one (nothing is written). *out is owned by
 * the caller (tc_orders_cart_free). TC_ENOTFOUND ("cart_token") for an
 * unknown or expired guest token, TC_EUNAUTHENTICATED without token and
 * user.
 */
TC_EXTERN int tc_orders_cart_get(tc_cart **out, tc_ctx *ctx,
                                 const tc_principal *who,
                                 const char *cart_token);

/**
 * Add qty (1..TC_ORDERS_MAX_QTY) of sku, or more of it when the line
 * exists (the sum must stay within the maximum), taking a fresh price
 * snapshot. Errors: TC_EINVAL ("qty", "sku"), TC_ENOTFOUND ("sku": unknown
 * or not published), TC_ENOTFOUND ("price") when the SKU has no price in
 * the cart's currency, TC_ELIMIT ("lines") beyond TC_ORDERS_MAX_LINES,
 * TC_EOVERFLOW ("qty") when the total would pass TC_ORDERS_MAX_TOTAL.
 * out may be NULL; else it receives the updated cart.
 */
TC_EXTERN int tc_orders_cart_add(tc_cart **out, tc_ctx *ctx,
                                 const tc_principal *who,
                                 const char *cart_token, const char *sku,
                                 int64_t qty);

/**
 * Set the quantity of an existing line (1..TC_ORDERS_MAX_QTY) and take a
 * fresh price snapshot. Same errors as tc_orders_cart_add(), and
 * TC_ENOTFOUND ("sku") when the cart has no such line.
 */
TC_EXTERN int tc_orders_cart_update(tc_cart **out, tc_ctx *ctx,
                                    const tc_principal *who,
                                    const char *cart_token, const char *sku,
                                    int64_t qty);

/** Remove the line of sku. TC_ENOTFOUND ("sku") when there is none. */
TC_EXTERN int tc_orders_cart_remove(tc_cart **out, tc_ctx *ctx,
                                    const tc_principal *who,
                                    const char *cart_token, const char *sku);

/**
 * On login: move the lines of the guest cart guest_token into the cart of
 * user `who` (quantities added up, capped at TC_ORDERS_MAX_QTY; prices
 * snapshot again in the user cart's currency, which an empty user cart
 * takes from the guest cart). Lines whose product is no longer sold or
 * has no price in that currency are dropped; *dropped (may be NULL)
 * receives how many. The guest cart is deleted. One transaction.
 * TC_ENOTFOUND ("guest_token"), TC_EUNAUTHENTICATED when who is not a
 * user, TC_ELIMIT ("lines").
 */
TC_EXTERN int tc_orders_cart_merge(tc_cart **out, size_t *dropped, tc_ctx *ctx,
                                   const char *guest_token,
                                   const tc_principal *who);

/** Free a cart. NULL is a no-op. */
TC_EXTERN void tc_orders_cart_free(tc_ctx *ctx, tc_cart *cart);

/* ---- orders ------------------------------------------------------------- */

typedef enum tc_order_status {
  TC_ORDER_PENDING = 1,
  TC_ORDER_AWAITING_PAYMENT = 2,
  TC_ORDER_PAID = 3,
  TC_ORDER_FULFILLING = 4,
  TC_ORDER_SHIPPED = 5,
  TC_ORDER_DELIVERED = 6,
  TC_ORDER_CANCELLED = 7,
  TC_ORDER_PAYMENT_FAILED = 8,
  TC_ORDER_PARTIALLY_REFUNDED = 9,
  TC_ORDER_REFUNDED = 10,
} tc_order_status;

/** "pending", "awaiting_payment", "paid"...; NULL for an unknown value. */
TC_EXTERN const char *tc_order_status_name(tc_order_status status);

/** Parse a status name; TC_EINVAL for anything else. Pure. */
TC_EXTERN int tc_order_status_parse(tc_order_status *out, const char *name);

/** Who acts on an order (for tc_orders_transition_allowed). */
typedef enum tc_order_actor {
  TC_ORDER_ACTOR_SYSTEM = 1,
  TC_ORDER_ACTOR_ADMIN = 2,
  TC_ORDER_ACTOR_SUPPORT = 4,
  TC_ORDER_ACTOR_CUSTOMER = 8,
} tc_order_actor;

/** 1 when the transition table lets actor move an order from -> to. */
TC_EXTERN int tc_orders_transition_allowed(tc_order_status from,
                                           tc_order_status to,
                                           tc_order_actor actor);

/** A postal address, a value struct (UTF-8, NUL-ended). */
typedef struct tc_order_address {
  char name[129];  /**< required */
  char line1[257]; /**< required */
  char line2[257];
  char city[129]; /**< required */
  char region[129];
  char postal_code[33]; /**< required */
  char country[3];      /**< ISO 3166-1 alpha-2, upper case, required */
  char phone[33];
} tc_order_address;

/** One line of an order (a snapshot taken at checkout). */
typedef struct tc_order_line {
  int line_no; /**< 1.. */
  char sku[65];
  char title[256];
  int64_t qty;
  tc_money unit_price;
  tc_money total;
  int64_t refunded_qty;
} tc_order_line;

/** An order as read; freed with tc_orders_order_free(). */
typedef struct tc_order {
  char id[TC_ID_STRLEN + 1];
  char number[24]; /**< "TC-XXXXXXXXXX", for people */
  char customer_id[TC_ID_STRLEN + 1];
  tc_order_status status;
  char currency[4];
  tc_money subtotal;
  tc_money total;
  int64_t refunded; /**< minor units refunded so far */
  int64_t item_count;
  tc_order_address shipping_address;
  char payment_id[TC_ID_STRLEN + 1]; /**< "" before payment */
  char card_last4[5];
  char tracking[129];   /**< set when shipped */
  char saga_step[16];   /**< checkout step in progress, "" when settled */
  tc_order_line *lines; /**< nlines; none in listings */
  size_t nlines;
  int64_t created_ms, updated_ms;
} tc_order;

/** Free an order. NULL is a no-op. */
TC_EXTERN void tc_orders_order_free(tc_ctx *ctx, tc_order *order);

#define TC_CHECKOUT_REQUEST_VERSION 1
/** What tc_orders_checkout() needs; pointers borrowed for the call. */
typedef struct tc_checkout_request {
  uint32_t version;
  const char *cart_token;                   /**< NULL: the user's own cart */
  const char *idempotency_key;              /**< required, 1..128 bytes */
  const tc_order_address *shipping_address; /**< required */
  const char *payment_source; /**< provider token ("tok_visa"), required */
  const char *currency;       /**< must be the cart's; NULL: the cart's */
} tc_checkout_request;

#define TC_CHECKOUT_REQUEST_INIT \
  { TC_CHECKOUT_REQUEST_VERSION, NULL, NULL, NULL, NULL, NULL }

/**
 * Check out the cart for user `who` (see the top of this file).
 *
 * Before anything is written: TC_EUNAUTHENTICATED (no user), TC_EINVAL
 * naming the field ("idempotency_key", "payment_source", "currency",
 * "shipping_address.city"...), TC_ESTATE ("cart") for an empty cart,
 * TC_ECONFLICT ("lines[i]") when a price changed since it was put in the
 * cart (both prices named; set the line again to accept the new price),
 * TC_ENOTFOUND ("lines[i]") for a product no longer sold, TC_EOVERFLOW for
 * a total beyond TC_ORDERS_MAX_TOTAL, TC_ECONFLICT ("idempotency_key") for
 * a key used before with another request.
 *
 * Once the order exists, *out receives it (owned by the caller) and the
 * return value says how the saga went: TC_OK (paid), TC_EDECLINED or
 * TC_EPROVIDER (payment_failed, stock released), TC_EINSUFFICIENT (out of
 * stock: cancelled), TC_EUNAVAILABLE (awaiting_payment: the provider is
 * down; recovery or a replay goes on), or a store error (the saga is left
 * where it was for recovery). A replay with the same key and request
 * returns the same order and code, first driving an unfinished saga on.
 */
TC_EXTERN int tc_orders_checkout(tc_order **out, tc_ctx *ctx,
                                 const tc_principal *who,
                                 const tc_checkout_request *req);

/**
 * Read an order with its lines: its customer, support, admin or system.
 * TC_ENOTFOUND ("order_id"), TC_EDENIED (another customer's order, as
 * in every module), TC_EUNAUTHENTICATED.
 */
TC_EXTERN int tc_orders_get(tc_order **out, tc_ctx *ctx,
                            const tc_principal *who, const char *order_id);

/** One recorded transition, valid during the callback. */
typedef struct tc_order_transition {
  char id[TC_ID_STRLEN + 1];
  char from[24]; /**< "" for the creation */
  char to[24];
  char actor[64]; /**< "system", "admin:<id>", "customer:<id>"... */
  char reason[257];
  int64_t created_ms;
} tc_order_transition;

typedef int (*tc_order_transition_cb)(const tc_order_transition *t,
                                      void *payload);

/** The transitions of an order, oldest first (same access as get). A
 *  non-zero return of cb stops (a negative one is returned). */
TC_EXTERN int tc_orders_history(tc_ctx *ctx, const tc_principal *who,
                                const char *order_id, tc_order_transition_cb cb,
                                void *payload);

/** A page of orders (without lines), newest first. */
typedef struct tc_order_page {
  tc_order *items;
  size_t count;
  char next_cursor[96]; /**< "" on the last page; opaque */
} tc_order_page;

/** Free a page. NULL is a no-op. */
TC_EXTERN void tc_orders_page_free(tc_ctx *ctx, tc_order_page *page);

/**
 * The orders of user `who`, newest first, limit 1..100 (0: 20), after
 * cursor (NULL or "": from the newest). TC_EINVAL ("cursor", "limit").
 */
TC_EXTERN int tc_orders_list(tc_order_page **out, tc_ctx *ctx,
                             const tc_principal *who, const char *cursor,
                             uint32_t limit);

#define TC_ORDER_FILTER_VERSION 1
/** Filters of the admin listing; 0/NULL: no filter. */
typedef struct tc_order_filter {
  uint32_t version;
  const char *customer_id;
  int status;              /**< a tc_order_status, 0: any */
  int64_t created_from_ms; /**< inclusive */
  int64_t created_to_ms;   /**< exclusive; 0: no bound */
} tc_order_filter;

#define TC_ORDER_FILTER_INIT \
  { TC_ORDER_FILTER_VERSION, NULL, 0, 0, 0 }

/** Every order matching filter (may be NULL), for support, admin and
 *  system. Same paging as tc_orders_list(). TC_EDENIED for others. */
TC_EXTERN int tc_orders_admin_list(tc_order_page **out, tc_ctx *ctx,
                                   const tc_principal *who,
                                   const tc_order_filter *filter,
                                   const char *cursor, uint32_t limit);

/**
 * Move an order to `to` by hand: fulfilling, shipped (tracking required,
 * 1..128 bytes), delivered. Moving to fulfilling captures an authorized,
 * not yet captured payment first. reason may be NULL. TC_ESTATE (naming
 * both states) for a transition the table refuses to this caller, or a
 * target not handled here (cancel and refund have their own functions).
 * out may be NULL.
 */
TC_EXTERN int tc_orders_transition(tc_order **out, tc_ctx *ctx,
                                   const tc_principal *who,
                                   const char *order_id, tc_order_status to,
                                   const char *reason, const char *tracking);

/**
 * Cancel an order (its customer while it is paid, admin/system also while
 * fulfilling). The stock sold is returned to the warehouses it left
 * (ledger reason return) and the payment refunded in full (voided when
 * only authorized). The refund is an outside call made after the
 * cancellation is committed: when the provider is down the call returns
 * TC_EUNAVAILABLE with the order cancelled and tc_orders_recover()
 * finishes the refund. out may be NULL.
 */
TC_EXTERN int tc_orders_cancel(tc_order **out, tc_ctx *ctx,
                               const tc_principal *who, const char *order_id,
                               const char *reason);

/** A quantity of one order line to refund. */
typedef struct tc_order_refund_line {
  int line_no;
  int64_t qty;
} tc_order_refund_line;

/**
 * Refund (admin, system) the given quantities of lines of a paid (or
 * later) order whose payment was captured: the amount is the lines' unit
 * prices times the quantities. The order becomes partially_refunded, or
 * refunded when every unit has been refunded. restock != 0 returns the
 * units to stock (a return: ledger reason return). key (1..128 bytes,
 * required) makes the refund idempotent: the same key again is TC_OK
 * without effect. Errors: TC_EINVAL ("lines[i].qty" beyond what is left,
 * "lines[i].line_no"), TC_ESTATE (order state, or payment not captured),
 * TC_EUNAVAILABLE as for tc_orders_cancel().
 */
TC_EXTERN int tc_orders_refund(tc_order **out, tc_ctx *ctx,
                               const tc_principal *who, const char *order_id,
                               const tc_order_refund_line *lines, size_t nlines,
                               int restock, const char *reason,
                               const char *key);

/**
 * The recovery sweep: up to limit (1..10000) checkout sagas and refunds
 * left unfinished (unchanged for recover_after_ms and not leased) are
 * claimed and driven to an end: a payment is retried while the
 * reservation lives, else the stock is released and the order fails; an
 * authorized payment whose stock cannot be confirmed any more is voided
 * or refunded; a pending refund is re-driven with its key. Also purges
 * expired idempotency keys and carts. *done (may be NULL) receives the
 * number of sagas and refunds settled. Safe from many processes at once.
 * A failure of one saga does not stop the sweep (it is retried next
 * time); a store error while selecting does.
 */
TC_EXTERN int tc_orders_recover(tc_ctx *ctx, uint32_t limit, uint32_t *done);

TC_END_DECL

#endif
