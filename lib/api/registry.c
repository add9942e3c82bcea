/*
 * lib/api/registry.c - the modules of the JSON API, one line each, in the
 * order system.methods lists them.
 */
#include "api_internal.h"

// clang-format off
const tc__api_module *const tc__api_modules[] = {
    &tc__api_system,
    &tc__api_users,
    &tc__api_auth,
    &tc__api_catalog,
    &tc__api_inventory,
    &tc__api_payments,
    &tc__api_orders,
    &tc__api_notify,
    &tc__api_search,
};
// clang-format on
const size_t tc__api_module_count =
    sizeof(tc__api_modules) / sizeof(tc__api_modules[0]);
