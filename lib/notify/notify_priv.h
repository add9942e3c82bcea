/*
 * lib/notify/notify_priv.h - shared inside the notify module only.
 */
#ifndef TC_NOTIFY_PRIV_H
#define TC_NOTIFY_PRIV_H

#include <cjson/cJSON.h>

#include "core/internal.h"
#include "techcorp/notify.h"

#define TC__NOTIFY_GROUP "notify"
#define TC__NOTIFY_EVENTS_GROUP "notify.events"
#define TC__NOTIFY_TOPIC "notify.send"
#define TC__NOTIFY_PART_MAX (64u * 1024u)
#define TC__NOTIFY_VARS_MAX (64u * 1024u)
#define TC__NOTIFY_NAME_MAX 64u
#define TC__NOTIFY_LOCALE_MAX 15u
#define TC__NOTIFY_RECIPIENT_MAX 320u
#define TC__NOTIFY_KEY_MAX 200u

/* Where the worker may be stopped by a test to simulate a crash. */
typedef enum tc__notify_stage {
  TC__NOTIFY_AFTER_CLAIM = 1, /* claim committed, notifier not called */
  TC__NOTIFY_AFTER_SEND,      /* notifier accepted, 'sent' not recorded */
  TC__NOTIFY_AFTER_RECORD,    /* 'sent' committed, event not acked */
} tc__notify_stage;

/* Returns non-zero to "crash" at stage: the worker releases the event
 * without an answer and returns TC_ERROR. Tests only. */
typedef int (*tc__notify_crash_hook)(void *payload, tc__notify_stage stage);

typedef struct tc__notify_state {
  tc_notify_options opts;
  char sender[256];
  char default_locale[TC__NOTIFY_LOCALE_MAX + 1];
  tc_notifier *inapp; /* owned defaults */
  tc_notifier *log;
  bool subscribed;
  tc__notify_crash_hook crash_hook;
  void *crash_payload;
} tc__notify_state;

/* The state of ctx, made (with defaults, subscriptions) on first use;
 * NULL with the message set on failure. */
tc__notify_state *tc__notify_state_get(tc_ctx *ctx);
/* Install a crash hook (tests). */
int tc__notify_set_crash_hook(tc_ctx *ctx, tc__notify_crash_hook hook,
                              void *payload);
/* The notifier serving channel (never NULL on TC_OK). */
int tc__notify_notifier(tc_ctx *ctx, tc_notify_channel ch, tc_notifier **out,
                        bool *idempotent);

/* ---- validation ---- */
int tc__notify_check_name(tc_ctx *ctx, const char *field, const char *name);
int tc__notify_check_locale(tc_ctx *ctx, const char *field, const char *locale);
int tc__notify_check_channel(tc_ctx *ctx, tc_notify_channel ch);
int tc__notify_check_category(tc_ctx *ctx, tc_notify_category c);

/* ---- template engine (template.c) ---- */
int tc__notify_tpl_render(tc_ctx *ctx, tc_buf *out, const char *part,
                          const char *src, const cJSON *vars, bool html,
                          const char *tname);

/* ---- templates (templates.c, builtin.c) ---- */
extern const tc_notify_template tc__notify_builtin[];
extern const size_t tc__notify_builtin_count;
const tc_notify_template *tc__notify_builtin_find(const char *name,
                                                  tc_notify_channel ch,
                                                  const char *locale);

int tc__notify_render(tc_notify_rendered *out, tc_ctx *ctx, const char *name,
                      tc_notify_channel channel, const char *locale,
                      const cJSON *vars);
int tc__notify_parse_vars(tc_ctx *ctx, const char *variables, cJSON **out);

/* ---- sending (send.c) ---- */
/* tc_notify_send without clearing the error, for the event consumer. */
int tc__notify_send(tc_notify_result *out, tc_ctx *ctx,
                    const tc_notify_request *req);

/* ---- misc ---- */
/* Mask an address for logs: "a***@example.com", "+55*******21". */
void tc__notify_mask(char *out, size_t size, const char *recipient);

extern const tc__schema_module tc__schema_notify;

#endif
