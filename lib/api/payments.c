/*
 * lib/payments/api.c - the "payments.*" methods of the JSON API. Handlers
 * translate JSON to the typed functions and back; reads are for the
 * paying customer, support and admin; money movements for admin;
 * reconciliation for trusted system callers; webhooks are public (the
 * signature is what authenticates them).
 */
#include "api_internal.h"
#include "payments/payments_priv.h" /* TODO(wall): public API only */

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
  const tc_principal *who = from->who;
  tc_payment p;
  int rc = tc_payments_get(&p, ctx, tc__json_str(req, "id", NULL));
  if (rc == TC_ENOTFOUND && !(who->kind == TC_PRINCIPAL_SYSTEM ||
                              (who->roles & (TC_ROLE_ADMIN | TC_ROLE_SUPPORT))))
    return tc__seterr(ctx, TC_ENOTFOUND, "id", "no such payment");
  if (rc) return rc;
  /* The same answer for "not yours" as for "missing" would hide ids, but
   * payment ids are unguessable; a clear denial helps support. */
  if ((rc = tc__authorize(ctx, who, "payments", TC__ACT_READ, p.owner_id)))
    return rc;
  return payment_json(ctx, resp, &p);
}

typedef struct list_ctx {
  tc_ctx *ctx;
  const tc_principal *who;
  cJSON *items;
  char last[TC_ID_STRLEN + 1];
  uint32_t n;
} list_ctx;

static int list_one(const tc_payment *p, void *payload) {
  list_ctx *l = payload;
  int rc = tc__authorize(l->ctx, l->who, "payments", TC__ACT_READ, p->owner_id);
  if (rc) return rc;
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(l->items, o)) {
    cJSON_Delete(o);
    return tc__seterr(l->ctx, TC_ENOMEM, NULL, "out of memory");
  }
  if ((rc = payment_json(l->ctx, o, p))) return rc;
  memcpy(l->last, p->id, sizeof(l->last));
  l->n++;
  return 0;
}

static int h_list(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  int64_t limit = tc__json_int(req, "limit", 20);
  list_ctx l = {ctx, who, tc__json_add_array(ctx, resp, "payments"), "", 0};
  if (!l.items) return TC_ENOMEM;
  int rc = tc_payments_list_for_order(ctx, tc__json_str(req, "order_id", NULL),
                                      tc__json_str(req, "cursor", NULL),
                                      (uint32_t)limit, list_one, &l);
  if (rc) return rc;
  if (l.n == (uint32_t)limit)
    return tc__json_add_str(ctx, resp, "next_cursor", l.last);
  return tc__json_add_null(ctx, resp, "next_cursor");
}

/* A checkout's payment moves with its order: capturing, voiding or
 * refunding it here would leave the order and its stock behind, so the
 * JSON API sends callers to the orders methods that do all three. The
 * typed functions stay open to a host that drives payments itself. */
static int refuse_managed(tc_ctx *ctx, const char *payment_id,
                          const char *action, const char *instead) {
  pay_row row;
  int rc = tc__pay_load(ctx, payment_id, &row);
  if (rc == TC_ENOTFOUND || rc == TC_EINVAL) return TC_OK; /* said later */
  if (rc) return rc;
  if (!row.managed_by[0]) return TC_OK;
  return tc__seterr(ctx, TC_ESTATE, "id",
                    "payment %s belongs to order %s: %s it with %s, so the "
                    "order and its stock follow",
                    row.p.id, row.p.order_id, action, instead);
}

static int h_capture(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_payment p;
  int rc = refuse_managed(ctx, tc__json_str(req, "id", NULL), "capture",
                          "orders.transition (to fulfilling)");
  if (rc) return rc;
  rc = tc_payments_capture(&p, ctx, tc__json_str(req, "id", NULL),
                           tc__json_int(req, "amount", 0));
  return rc ? rc : payment_json(ctx, resp, &p);
}

static int h_void(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                  cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_payment p;
  int rc = refuse_managed(ctx, tc__json_str(req, "id", NULL), "void",
                          "orders.cancel");
  if (rc) return rc;
  rc = tc_payments_void(&p, ctx, tc__json_str(req, "id", NULL));
  return rc ? rc : payment_json(ctx, resp, &p);
}

static int h_refund(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                    cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  tc_payment p;
  int rc = refuse_managed(ctx, tc__json_str(req, "id", NULL), "refund",
                          "orders.refund or orders.cancel");
  if (rc) return rc;
  rc = tc_payments_refund(
      &p, ctx, tc__json_str(req, "id", NULL), tc__json_int(req, "amount", 0),
      tc__json_str(req, "key", NULL), tc__json_str(req, "reason", NULL));
  return rc ? rc : payment_json(ctx, resp, &p);
}

static int h_webhook(tc_ctx *ctx, const tc__api_caller *from, const cJSON *req,
                     cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  const char *body = tc__json_str(req, "body", "");
  int rc = tc_payments_apply_webhook(ctx, tc__json_str(req, "signature", NULL),
                                     body, strlen(body));
  return rc ? rc : tc__json_add_bool(ctx, resp, "accepted", true);
}

static int h_reconcile(tc_ctx *ctx, const tc__api_caller *from,
                       const cJSON *req, cJSON *resp) {
  const tc_principal *who = from->who;
  (void)who;
  uint32_t settled = 0;
  int rc = tc_payments_reconcile(&settled, ctx,
                                 tc__json_int(req, "older_than_ms", 60000),
                                 (uint32_t)tc__json_int(req, "limit", 100));
  return rc ? rc : tc__json_add_int(ctx, resp, "settled", settled);
}

#define F_END \
  { NULL, 0, 0, 0, 0, NULL, NULL, NULL }
#define F_ID(name, flags, doc) \
  { name, TC__F_STRING, flags, 36, 36, NULL, NULL, doc }

static const tc__field f_get[] = {F_ID("id", TC__F_REQUIRED, "payment id"),
                                  F_END};
static const tc__field f_list[] = {
    F_ID("order_id", TC__F_REQUIRED, "order id"),
    F_ID("cursor", 0, "next_cursor of the previous page"),
    {"limit", TC__F_INT, 0, 1, 100, NULL, NULL, "page size (default 20)"},
    F_END};
static const tc__field f_capture[] = {
    F_ID("id", TC__F_REQUIRED, "payment id"),
    {"amount", TC__F_INT, 0, 0, TC_PAYMENTS_MAX_AMOUNT, NULL, NULL,
     "minor units to capture; 0 or absent: all that is left"},
    F_END};
static const tc__field f_void[] = {F_ID("id", TC__F_REQUIRED, "payment id"),
                                   F_END};
static const tc__field f_refund[] = {
    F_ID("id", TC__F_REQUIRED, "payment id"),
    {"amount", TC__F_INT, 0, 0, TC_PAYMENTS_MAX_AMOUNT, NULL, NULL,
     "minor units to refund; 0 or absent: all that is left"},
    {"key", TC__F_STRING, 0, 1, 200, NULL, NULL,
     "idempotency key of this refund"},
    {"reason", TC__F_STRING, 0, 0, 500, NULL, NULL, "why, for the record"},
    F_END};
static const tc__field f_webhook[] = {
    {"signature", TC__F_STRING, TC__F_REQUIRED, 1, 2048, NULL, NULL,
     "the provider's signature header (Stripe-Signature)"},
    {"body", TC__F_STRING, TC__F_REQUIRED, 1, 1 << 20, NULL, NULL,
     "the raw request body, unchanged"},
    F_END};
static const tc__field f_reconcile[] = {
    {"older_than_ms", TC__F_INT, 0, 0, INT64_C(31536000000), NULL, NULL,
     "only payments unchanged for this long (default 60000)"},
    {"limit", TC__F_INT, 0, 1, 100, NULL, NULL, "at most (default 100)"},
    F_END};

#define R_PAYMENT_FIELDS                                                        \
  F_ID("id", 0, "payment id"), F_ID("order_id", 0, "order id"),                 \
      {"state",                                                                 \
       TC__F_STRING,                                                            \
       0,                                                                       \
       0,                                                                       \
       0,                                                                       \
       NULL,                                                                    \
       NULL,                                                                    \
       "pending, authorized, captured, partially_refunded, refunded, "          \
       "voided, failed"},                                                       \
      {"amount", TC__F_INT, 0, 0, 0, NULL, NULL, "authorized, minor units"},    \
      {"currency", TC__F_STRING, 0, 3, 3, NULL, NULL, "ISO 4217"},              \
      {"captured", TC__F_INT, 0, 0, 0, NULL, NULL, "minor units"},              \
      {"refunded", TC__F_INT, 0, 0, 0, NULL, NULL, "minor units"},              \
      {"provider", TC__F_STRING, 0, 0, 0, NULL, NULL, "provider name"},         \
      {"provider_ref", TC__F_STRING, 0, 0, 0, NULL, NULL, "the provider's id"}, \
      {"card_last4", TC__F_STRING, 0, 0, 4, NULL, NULL, "masked card"},         \
      {"decline_code", TC__F_STRING, 0, 0, 0, NULL, NULL, ""},                  \
      {"message", TC__F_STRING, 0, 0, 0, NULL, NULL, "provider's text"},        \
      {"pending_step",                                                          \
       TC__F_STRING,                                                            \
       0,                                                                       \
       0,                                                                       \
       0,                                                                       \
       NULL,                                                                    \
       NULL,                                                                    \
       "a provider step not finished yet"},                                     \
      {"created_ms", TC__F_INT, 0, 0, 0, NULL, NULL, ""}, {                     \
    "updated_ms", TC__F_INT, 0, 0, 0, NULL, NULL, ""                            \
  }

static const tc__field r_payment[] = {R_PAYMENT_FIELDS, F_END};
static const tc__field r_payment_item[] = {
    {"", TC__F_OBJECT, 0, 0, 0, r_payment, NULL, "a payment"}, F_END};
static const tc__field r_list[] = {
    {"payments", TC__F_ARRAY, 0, 0, 0, NULL, r_payment_item, "oldest first"},
    {"next_cursor", TC__F_STRING, TC__F_NULLABLE, 0, 0, NULL, NULL,
     "null on the last page"},
    F_END};
static const tc__field r_webhook[] = {
    {"accepted", TC__F_BOOL, 0, 0, 0, NULL, NULL, "applied or a duplicate"},
    F_END};
static const tc__field r_reconcile[] = {
    {"settled", TC__F_INT, 0, 0, 0, NULL, NULL, "payments settled"}, F_END};

static const tc__api_method payments_methods[] = {
    {"payments.get", "Read a payment (its customer, support or admin)",
     TC__ACCESS_USER, f_get, r_payment, h_get},
    {"payments.list", "List the payments of an order", TC__ACCESS_USER, f_list,
     r_list, h_list},
    {"payments.capture",
     "Capture an authorized payment (partially too); not an order's",
     TC__ACCESS_ADMIN, f_capture, r_payment, h_capture},
    {"payments.void",
     "Void an authorization that was not captured; not an order's",
     TC__ACCESS_ADMIN, f_void, r_payment, h_void},
    {"payments.refund",
     "Refund captured money (partially too); not an order's "
     "(orders.refund)",
     TC__ACCESS_ADMIN, f_refund, r_payment, h_refund},
    {"payments.webhook",
     "Apply a provider webhook (signature header and raw body)",
     TC__ACCESS_PUBLIC, f_webhook, r_webhook, h_webhook},
    {"payments.reconcile", "Settle payments a crash or outage left open",
     TC__ACCESS_SYSTEM, f_reconcile, r_reconcile, h_reconcile},
};

const tc__api_module tc__api_payments = {
    "payments", payments_methods,
    sizeof(payments_methods) / sizeof(payments_methods[0])};
