/*
 * lib/payments/schema.c - the payments tables. Migrations are append-only.
 *
 * A payment row carries the step it is taking at the provider
 * (pending_step, pending_key, pending_amount): recorded and committed
 * before the call, cleared with the outcome, so a crash in between leaves
 * a row the reconciliation sweep finds through payments_payments_open.
 */
#include "payments_priv.h"

#define PAY_SCHEMA_V1                                                         \
  "CREATE TABLE payments_payments ("                                          \
  " id TEXT PRIMARY KEY,"                                                     \
  " order_id TEXT NOT NULL,"                                                  \
  " idempotency_key TEXT NOT NULL,"                                           \
  " owner_id TEXT NOT NULL,"                                                  \
  " amount BIGINT NOT NULL CHECK (amount > 0),"                               \
  " currency TEXT NOT NULL,"                                                  \
  " state TEXT NOT NULL CHECK (state IN ('pending', 'authorized',"            \
  "  'captured', 'partially_refunded', 'refunded', 'voided', 'failed')),"     \
  " provider TEXT NOT NULL,"                                                  \
  " provider_ref TEXT NOT NULL,"                                              \
  " source TEXT NOT NULL,"                                                    \
  " captured BIGINT NOT NULL CHECK (captured >= 0 AND captured <= amount),"   \
  " refunded BIGINT NOT NULL CHECK (refunded >= 0 AND refunded <= captured)," \
  " card_last4 TEXT NOT NULL,"                                                \
  " decline_code TEXT NOT NULL,"                                              \
  " decline_message TEXT NOT NULL,"                                           \
  " fail_class TEXT NOT NULL,"                                                \
  " pending_step TEXT NOT NULL,"                                              \
  " pending_key TEXT NOT NULL,"                                               \
  " pending_amount BIGINT NOT NULL,"                                          \
  " pending_base BIGINT NOT NULL,"                                            \
  " capture_seq BIGINT NOT NULL,"                                             \
  " refund_seq BIGINT NOT NULL,"                                              \
  " version BIGINT NOT NULL,"                                                 \
  " created_ms BIGINT NOT NULL,"                                              \
  " updated_ms BIGINT NOT NULL,"                                              \
  " UNIQUE (order_id, idempotency_key));"                                     \
  "CREATE INDEX payments_payments_order ON payments_payments (order_id, id);" \
  "CREATE INDEX payments_payments_ref"                                        \
  " ON payments_payments (provider, provider_ref);"                           \
  "CREATE INDEX payments_payments_open"                                       \
  " ON payments_payments (pending_step, updated_ms);"                         \
  "CREATE TABLE payments_attempts ("                                          \
  " id TEXT PRIMARY KEY,"                                                     \
  " payment_id TEXT NOT NULL,"                                                \
  " step TEXT NOT NULL,"                                                      \
  " idempotency_key TEXT NOT NULL,"                                           \
  " try_no BIGINT NOT NULL,"                                                  \
  " amount BIGINT NOT NULL,"                                                  \
  " outcome TEXT NOT NULL,"                                                   \
  " provider_status TEXT NOT NULL,"                                           \
  " code TEXT NOT NULL,"                                                      \
  " message TEXT NOT NULL,"                                                   \
  " created_ms BIGINT NOT NULL);"                                             \
  "CREATE INDEX payments_attempts_payment"                                    \
  " ON payments_attempts (payment_id, id);"                                   \
  "CREATE TABLE payments_refunds ("                                           \
  " id TEXT PRIMARY KEY,"                                                     \
  " payment_id TEXT NOT NULL,"                                                \
  " idempotency_key TEXT NOT NULL,"                                           \
  " step_key TEXT NOT NULL,"                                                  \
  " amount BIGINT NOT NULL CHECK (amount > 0),"                               \
  " currency TEXT NOT NULL,"                                                  \
  " reason TEXT NOT NULL,"                                                    \
  " state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded',"             \
  "  'failed')),"                                                             \
  " fail_class TEXT NOT NULL,"                                                \
  " provider_ref TEXT NOT NULL,"                                              \
  " created_ms BIGINT NOT NULL,"                                              \
  " updated_ms BIGINT NOT NULL,"                                              \
  " UNIQUE (payment_id, idempotency_key));"                                   \
  "CREATE INDEX payments_refunds_step ON payments_refunds (step_key);"        \
  "CREATE TABLE payments_webhook_events ("                                    \
  " provider TEXT NOT NULL,"                                                  \
  " event_id TEXT NOT NULL,"                                                  \
  " type TEXT NOT NULL,"                                                      \
  " provider_ref TEXT NOT NULL,"                                              \
  " payment_id TEXT NOT NULL,"                                                \
  " applied BIGINT NOT NULL,"                                                 \
  " received_ms BIGINT NOT NULL,"                                             \
  " PRIMARY KEY (provider, event_id));"

/* Portable SQL (TEXT, BIGINT, no AUTOINCREMENT): one text for both. */
/* 2: which module drives a payment ("orders" for a checkout's payment,
 * "" for one the host drives itself), so the JSON API sends order payments
 * through the orders methods that keep the order and its stock in step. */
#define PAY_SCHEMA_V2                                                          \
  "ALTER TABLE payments_payments ADD COLUMN managed_by TEXT NOT NULL DEFAULT " \
  "''"

static const tc__migration pay_migrations[] = {
    {1, PAY_SCHEMA_V1, PAY_SCHEMA_V1},
    {2, PAY_SCHEMA_V2, PAY_SCHEMA_V2},
};

const tc__schema_module tc__schema_payments = {
    "payments", pay_migrations,
    sizeof(pay_migrations) / sizeof(pay_migrations[0])};
