/*
 * lib/api/payments.c - the "payments.*" methods of the JSON API. Handlers
 * translate JSON to the typed functions and back; the typed functions
 * decide who may (reads for the paying customer, support and admin; money
 * movements for admin; a payment an order drives only through the orders
 * methods). Reconciliation is for trusted system callers; webhooks are
 * public (the signature is what authenticates them).
 */
#include "api_internal.h"

static int payment_json(tc_ctx *ctx, cJSON *o, const tc_payment *p) {
  int rc = tc__json_add_str(ctx, o, "id", p->id);
  if (!rc) rc = tc__json_add_str(ctx, o, "order_id", p->order_id);
  if (!rc) rc = tc__json_add_str(ctx, o, "state", p->state);
  if (!rc) rc = tc__json_add_int(ctx, o, "amount", p->amount.amount);
  if (!rc) rc = tc__json_add_str(ctx, o, "currency", p->amount.currency);
  if (!rc) rc = tc__json_add_int(ctx, o, "captured", p->captured);
  if (!rc) rc = tc__json_add_int(ctx, o, "refunded", p->refunded);
  if (!rc) rc = tc__json_add_str(ctx, o, "provider", p->provider);
  if (!rc) rc = tc__json_add_str(ctx, o, "provider_ref", p->provider_ref);
  if (!rc) rc = tc__json_add_str(ctx, o, "card_last4", p->card_last4);
  if (!rc) rc = tc__json_add_str(ctx, o, "decline_code", p->decline_code);
  if (!rc) rc = tc__json_add_str(ctx, o, "message", p->message);
  if (!rc) rc = tc__json_add_str(ctx, o, "pending_step", p->pending_step);
  if (!rc) rc = tc__json_add_int(ctx, o, "created_ms", p->created_ms);
  if (!rc) rc = tc__json_add_int(ctx, o, "updated_ms", p->updated_ms);
  return rc;
}

static int h_get(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                 cJSON *resp) {
  tc_payment p;
  int rc = tc_payments_get(&p, ctx, from->who, tc__json_str(req, "id", NULL));
  return rc ? rc : payment_json(ctx, resp, &p);
}

typedef struct list_ctx {
  tc_ctx *ctx;
  cJSON *items;
  char last[TC_ID_STRLEN + 1];
  uint32_t n;
} list_ctx;

static int list_one(const tc_payment *p, void *payload) {
  list_ctx *l = payload;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(l->items, o)) {
    cJSON_Delete(o);
    return tc__oom(l->ctx);
  }
  int rc = payment_json(l->ctx, o, p);
  if (rc) return rc;
  memcpy(l->last, p->id, sizeof(l->last));
  l->n++;
  return 0;
}

static int h_list(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  int64_t limit = tc__json_int(req, "limit", 20);
  list_ctx l = {ctx, tc__json_add_array(ctx, resp, "payments"), "", 0};
  if (!l.items) return TC_ENOMEM;
  int rc = tc_payments_list_for_order(
      ctx, from->who, tc__json_str(req, "order_id", NULL),
      tc__json_str(req, "cursor", NULL), (uint32_t)limit, list_one, &l);
  if (rc) return rc;
  if (l.n == (uint32_t)limit)
    return tc__json_add_str(ctx, resp, "next_cursor", l.last);
  return tc__json_add_null(ctx, resp, "next_cursor");
}

/* The JSON API drives no payment itself (driver NULL): an order's payment
 * is refused by the typed functions, which send the caller to the orders
 * methods. */
static int h_capture(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  tc_payment p;
  int rc = tc_payments_capture(&p, ctx, from->who, NULL,
                               tc__json_str(req, "id", NULL),
                               tc__json_int(req, "amount", 0));
  return rc ? rc : payment_json(ctx, resp, &p);
}

static int h_void(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  tc_payment p;
  int rc =
      tc_payments_void(&p, ctx, from->who, NULL, tc__json_str(req, "id", NULL));
  return rc ? rc : payment_json(ctx, resp, &p);
}

static int h_refund(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  tc_payment p;
  int rc = tc_payments_refund(
      &p, ctx, from->who, NULL, tc__json_str(req, "id", NULL),
      tc__json_int(req, "amount", 0), tc__json_str(req, "key", NULL),
      tc__json_str(req, "reason", NULL));
  return rc ? rc : payment_json(ctx, resp, &p);
}

static int h_webhook(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  (void)from;
  const char *body = tc__json_str(req, "body", "");
  int rc = tc_payments_apply_webhook(ctx, tc__json_str(req, "signature", NULL),
                                     body, strlen(body));
  return rc ? rc : tc__json_add_bool(ctx, resp, "accepted", true);
}

static int h_reconcile(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  (void)from;
  uint32_t settled = 0;
  int rc = tc_payments_reconcile(&settled, ctx,
                                 tc__json_int(req, "older_than_ms", 60000),
                                 (uint32_t)tc__json_int(req, "limit", 100));
  return rc ? rc : tc__json_add_int(ctx, resp, "settled", settled);
}

static const tc__field f_get[] = {API_ID("id", API_REQ, "payment id"), API_END};
static const tc__field f_list[] = {
    API_ID("order_id", API_REQ, "order id"),
    API_ID("cursor", API_OPT, "next_cursor of the previous page"),
    API_INT("limit", API_OPT, 1, 100, "page size (default 20)"), API_END};
static const tc__field f_capture[] = {
    API_ID("id", API_REQ, "payment id"),
    API_INT("amount", API_OPT, 0, TC_PAYMENTS_MAX_AMOUNT,
            "minor units to capture; 0 or absent: all that is left"),
    API_END};
static const tc__field f_void[] = {API_ID("id", API_REQ, "payment id"),
                                   API_END};
static const tc__field f_refund[] = {
    API_ID("id", API_REQ, "payment id"),
    API_INT("amount", API_OPT, 0, TC_PAYMENTS_MAX_AMOUNT,
            "minor units to refund; 0 or absent: all that is left"),
    API_STR("key", API_OPT, 1, 200, "idempotency key of this refund"),
    API_STR("reason", API_OPT, 0, 500, "why, for the record"), API_END};
static const tc__field f_webhook[] = {
    API_STR("signature", API_REQ, 1, 2048,
            "the provider's signature header (Stripe-Signature)"),
    API_STR("body", API_REQ, 1, 1 << 20, "the raw request body, unchanged"),
    API_END};
static const tc__field f_reconcile[] = {
    API_INT("older_than_ms", API_OPT, 0, INT64_C(31536000000),
            "only payments unchanged for this long (default 60000)"),
    API_INT("limit", API_OPT, 1, 100, "at most (default 100)"), API_END};

static const tc__field r_payment[] = {
    API_ID("id", API_OPT, "payment id"),
    API_ID("order_id", API_OPT, "order id"),
    API_STR("state", API_OPT, 0, 0,
            "pending, authorized, captured, partially_refunded, refunded, "
            "voided, failed"),
    API_INT("amount", API_OPT, 0, 0, "authorized, minor units"),
    API_STR("currency", API_OPT, 3, 3, "ISO 4217"),
    API_INT("captured", API_OPT, 0, 0, "minor units"),
    API_INT("refunded", API_OPT, 0, 0, "minor units"),
    API_STR("provider", API_OPT, 0, 0, "provider name"),
    API_STR("provider_ref", API_OPT, 0, 0, "the provider's id"),
    API_STR("card_last4", API_OPT, 0, 4, "masked card"),
    API_STR("decline_code", API_OPT, 0, 0, ""),
    API_STR("message", API_OPT, 0, 0, "provider's text"),
    API_STR("pending_step", API_OPT, 0, 0, "a provider step not finished yet"),
    API_INT("created_ms", API_OPT, 0, 0, ""),
    API_INT("updated_ms", API_OPT, 0, 0, ""),
    API_END};
static const tc__field r_payment_item[] = {
    API_OBJ("", API_OPT, r_payment, "a payment"), API_END};
static const tc__field r_list[] = {
    API_ARR("payments", API_OPT, 0, 0, r_payment_item, "oldest first"),
    API_STR("next_cursor", API_NULL, 0, 0, "null on the last page"), API_END};
static const tc__field r_webhook[] = {
    API_BOOL("accepted", API_OPT, "applied or a duplicate"), API_END};
static const tc__field r_reconcile[] = {
    API_INT("settled", API_OPT, 0, 0, "payments settled"), API_END};

static const tc__api_method payments_methods[] = {
    API_METHOD("payments.get",
               "Read a payment (its customer, support or admin)",
               TC__ACCESS_USER, f_get, r_payment, h_get),
    API_METHOD("payments.list", "List the payments of an order",
               TC__ACCESS_USER, f_list, r_list, h_list),
    API_METHOD("payments.capture",
               "Capture an authorized payment (partially too); not an order's",
               TC__ACCESS_ADMIN, f_capture, r_payment, h_capture),
    API_METHOD("payments.void",
               "Void an authorization that was not captured; not an order's",
               TC__ACCESS_ADMIN, f_void, r_payment, h_void),
    API_METHOD("payments.refund",
               "Refund captured money (partially too); not an order's "
               "(orders.refund)",
               TC__ACCESS_ADMIN, f_refund, r_payment, h_refund),
    API_METHOD("payments.webhook",
               "Apply a provider webhook (signature header and raw body)",
               TC__ACCESS_PUBLIC, f_webhook, r_webhook, h_webhook),
    API_METHOD("payments.reconcile",
               "Settle payments a crash or outage left open", TC__ACCESS_SYSTEM,
               f_reconcile, r_reconcile, h_reconcile),
};

API_MODULE(tc__api_payments, "payments", payments_methods);
