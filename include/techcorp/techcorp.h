/*
 * techcorp/techcorp.h - the whole public API of libtechcorp.
 *
 * Include this one header; it includes one header per module and port.
 * Start with context.h (tc_ctx_new, tc_ctx_open_sqlite) and api.h (the
 * JSON API). Ports for implementers are in techcorp/sys/.
 */
#ifndef TECHCORP_H
#define TECHCORP_H

#include "common.h"
#include "version.h"
#include "buf.h"
#include "context.h"
#include "id.h"
#include "money.h"
#include "resilience.h"
#include "sys/store.h"
#include "sys/queue.h"
#include "sys/cache.h"
#include "sys/payment.h"
#include "sys/notifier.h"
#include "adapters.h"
#include "postgres.h"
#include "redis.h"
#include "rabbitmq.h"
#include "events.h"
#include "api.h"
#include "users.h"
#include "auth.h"
#include "catalog.h"
#include "inventory.h"
#include "payments.h"
#include "orders.h"
#include "notify.h"
#include "search.h"

#endif
