/*
 * The module registries: every module adds one line to each list it
 * takes part in. Order matters for migrations (a module's tables may refer
 * to those of modules listed before it). The JSON API's list of modules is
 * lib/api/registry.c.
 */
#include "internal.h"

extern const tc__schema_module tc__schema_queue;
extern const tc__schema_module tc__schema_users;
extern const tc__schema_module tc__schema_auth;
extern const tc__schema_module tc__schema_catalog;
extern const tc__schema_module tc__schema_inventory;
extern const tc__schema_module tc__schema_payments;
extern const tc__schema_module tc__schema_orders;
extern const tc__schema_module tc__schema_notify;
extern const tc__schema_module tc__schema_search;

/* One line per module, so that adding a module is a one-line change. */
// clang-format off
const tc__schema_module *const tc__schema_modules[] = {
    &tc__schema_queue,
    &tc__schema_users,
    &tc__schema_auth,
    &tc__schema_catalog,
    &tc__schema_inventory,
    &tc__schema_payments,
    &tc__schema_orders,
    &tc__schema_notify,
    &tc__schema_search,
};
// clang-format on
const size_t tc__schema_module_count =
    sizeof(tc__schema_modules) / sizeof(tc__schema_modules[0]);

/*
 * Standing subscriptions: the consumer groups of the library's own modules.
 * Every new context makes sure they exist (subscribing is idempotent), so an
 * event published on a fresh database before a module's first call is not
 * lost to that module's consumer.
 */
const tc__subscription tc__standing_subscriptions[] = {
    {"notify", "notify.send"},       {"notify.events", "orders.*"},
    {"notify.events", "payments.*"}, {"notify.events", "users.*"},
    {"notify.events", "auth.*"},     {"search", "catalog.*"},
    {"search", "inventory.*"},       {"search", "orders.*"},
};
const size_t tc__standing_subscription_count =
    sizeof(tc__standing_subscriptions) / sizeof(tc__standing_subscriptions[0]);
