/*
 * techcorp/notify.h - notifications: templates, opt-outs, rate limits,
 * delivery through the queue with retry and dead letters, history, the
 * in-app inbox, and the shipped notifiers (in-app, log, SMTP, HTTP).
 *
 * How a message travels:
 *   tc_notify_send()  renders the template (name, channel, locale with
 *                     fallback pt-BR -> pt -> en), applies the recipient's
 *                     opt-outs and the per-recipient rate limit, and in ONE
 *                     store transaction writes the history row ('queued')
 *                     and publishes a "notify.send" event (the outbox).
 *   tc_notify_process() is the worker: it takes "notify.send" events of the
 *                     consumer group "notify", sends each through the
 *                     notifier of its channel with the message's
 *                     idempotency key and records the outcome: 'sent';
 *                     a transient failure is retried with exponential
 *                     backoff (tc_retry_delay_ms); a permanent one, or the
 *                     last allowed attempt, ends 'failed' and the event is
 *                     dead-lettered; tc_notify_replay_dead() brings it back.
 *   tc_notify_consume_events() turns other modules' events (orders.paid,
 *                     users.password_reset_requested, ...) into sends.
 *
 * At most once per idempotency key. Before calling the notifier the worker
 * commits a claim ('sending', with a lease); after the notifier answers it
 * commits 'sent' and only then acks the queue. So:
 * - a crash after 'sent' is committed (before the ack) never sends again:
 *   the redelivered event finds 'sent' and is acked;
 * - the only window is between the notifier accepting the message and the
 *   'sent' commit (one UPDATE). A message caught there stays 'sending'.
 *   When its lease has run out, a channel configured `idempotent` (the
 *   in-app inbox, an HTTP gateway honouring Idempotency-Key) is sent again
 *   with the same key, which the provider deduplicates; any other channel
 *   (SMTP, log) is NOT sent again: the message ends 'failed' with reason
 *   "unknown_outcome" and is dead-lettered for a human to replay.
 *
 * Categories: transactional and security messages cannot be opted out;
 * marketing can, per channel. Opt-outs live in this module's own tables
 * (the users module's preferences are profile settings, not these).
 *
 * Rate limits: a fixed window per (channel, recipient) counted with the
 * cache port's incr; a message over the limit is not delayed but recorded
 * as 'suppressed' with reason "rate_limited" (a late password-reset mail is
 * worse than none, and a delayed flood is still a flood).
 *
 * Subscriptions: the first notify call on a context (tc_notify_configure()
 * included) subscribes the groups "notify" and "notify.events"; events
 * published before that are not delivered to them, so a host calls
 * tc_notify_configure() at start-up.
 *
 * Who may do what is decided here (the library's one policy, for every
 * front alike): functions that act for someone take the caller's principal
 * `who` (NULL: anonymous). A user's inbox, opt-outs and history are theirs
 * (support reads them, admin and system do everything); templates,
 * previews and sending are for admin and system callers. The worker, the
 * event consumer and the dead-letter replay are host jobs and take no
 * principal.
 *
 * Errors: TC_OK or a negative TC_E code, with tc_errmsg() naming the field
 * (templates: part, line and column). Thread rules: as for the context; a
 * notifier made for a context is used with that context only.
 */
#ifndef TECHCORP_NOTIFY_H
#define TECHCORP_NOTIFY_H

#include <stdio.h>

#include "common.h"
#include "context.h"
#include "resilience.h"
#include "sys/notifier.h"

TC_BEGIN_DECL

/* ---- channels, categories, statuses ------------------------------------ */

typedef enum tc_notify_channel {
  TC_NOTIFY_EMAIL = 0,
  TC_NOTIFY_SMS = 1,
  TC_NOTIFY_PUSH = 2,
  TC_NOTIFY_IN_APP = 3,
} tc_notify_channel;

#define TC_NOTIFY_CHANNEL_COUNT 4

typedef enum tc_notify_category {
  TC_NOTIFY_TRANSACTIONAL = 0, /**< orders, payments: never opted out */
  TC_NOTIFY_SECURITY = 1,      /**< verification, reset, login: never */
  TC_NOTIFY_MARKETING = 2,     /**< may be opted out per channel */
} tc_notify_category;

typedef enum tc_notify_status {
  TC_NOTIFY_QUEUED = 0,     /**< waiting for the worker (or a retry) */
  TC_NOTIFY_SENDING = 1,    /**< claimed by a worker, outcome pending */
  TC_NOTIFY_SENT = 2,       /**< the notifier accepted it */
  TC_NOTIFY_FAILED = 3,     /**< given up; its event is dead-lettered */
  TC_NOTIFY_SUPPRESSED = 4, /**< not sent: opted_out or rate_limited */
} tc_notify_status;

/** "email", "sms", "push", "in_app"; "" for an unknown value. Static. */
TC_EXTERN const char *tc_notify_channel_name(tc_notify_channel channel);
/** Parse a channel name. TC_EINVAL (message naming "channel") if unknown;
 *  ctx may be NULL (no message then). */
TC_EXTERN int tc_notify_channel_parse(tc_notify_channel *out, tc_ctx *ctx,
                                      const char *name);
/** "transactional", "security", "marketing"; "" if unknown. Static. */
TC_EXTERN const char *tc_notify_category_name(tc_notify_category category);
/** Parse a category name. TC_EINVAL naming "category"; ctx may be NULL. */
TC_EXTERN int tc_notify_category_parse(tc_notify_category *out, tc_ctx *ctx,
                                       const char *name);
/** "queued", "sending", "sent", "failed", "suppressed". Static. */
TC_EXTERN const char *tc_notify_status_name(tc_notify_status status);

/* ---- options ------------------------------------------------------------ */

/** How one channel is served. A value struct inside tc_notify_options. */
typedef struct tc_notify_channel_options {
  /** Borrowed, must outlive the context; NULL: the in-app notifier for
   *  in_app, tc_config.notifier or else the log notifier for the rest. */
  tc_notifier *notifier;
  /** Non-zero when the notifier deduplicates by idempotency key, so a
   *  message whose outcome a crash left unknown may be sent again (see
   *  the top of this file). The default in-app notifier always is. */
  int idempotent;
  /** Messages per window per recipient on this channel; 0: no limit. */
  uint32_t rate_limit;
  /** The fixed window in ms (0: one hour). */
  int64_t rate_window_ms;
} tc_notify_channel_options;

#define TC_NOTIFY_OPTIONS_VERSION 1
/**
 * Module options. Declare with TC_NOTIFY_OPTIONS_INIT, change fields, pass
 * to tc_notify_configure(). Strings are copied.
 */
typedef struct tc_notify_options {
  uint32_t version;
  /** Indexed by tc_notify_channel. */
  tc_notify_channel_options channels[TC_NOTIFY_CHANNEL_COUNT];
  /** Sends per message before it is given up (max_attempts) and the
   *  backoff between them. Keep max_attempts <= the queue's own limit
   *  (the table queue's default is 5): the queue dead-letters at its own
   *  limit whatever this says. */
  tc_retry_policy retry;
  /** Lease of a message while the worker sends it (0: 60000 ms). */
  int64_t visibility_ms;
  /** E-mail From address, "Name <addr>" or "addr" (NULL: the default
   *  "TechCorp <no-reply@techcorp.example>"). */
  const char *sender;
  /** Locale when neither the request nor the user has one (NULL: "en"). */
  const char *default_locale;
} tc_notify_options;

#define TC_NOTIFY_OPTIONS_INIT                                        \
  {                                                                   \
    TC_NOTIFY_OPTIONS_VERSION,                                        \
        {{NULL, 0, 20, 3600000},                                      \
         {NULL, 0, 10, 3600000},                                      \
         {NULL, 0, 30, 3600000},                                      \
         {NULL, 1, 0, 0}},                                            \
        {TC_RETRY_POLICY_VERSION, 5, 1000, 300000}, 60000, NULL, NULL \
  }

/**
 * Set the module's options for ctx (defaults: TC_NOTIFY_OPTIONS_INIT when
 * never called) and subscribe its consumer groups. opts is copied; the
 * notifiers in it are borrowed. TC_EINVAL naming the field for a bad
 * version, policy, window or sender; nothing changes then.
 */
TC_EXTERN int tc_notify_configure(tc_ctx *ctx, const tc_notify_options *opts);

/* ---- templates ---------------------------------------------------------- */

/**
 * A template: subject, text and html parts with {{variable}} tags, where a
 * variable is a dotted path of names ([A-Za-z_][A-Za-z0-9_]*) or array
 * indexes into the JSON object of variables ({{order.number}},
 * {{items.0.sku}}), spaces allowed inside the braces. Text and subject get
 * the value as is; html gets it HTML-escaped. A single '{' or '}' is
 * literal text; "{{" without "}}", a "}}" without "{{" and bad names are
 * errors. Strings are borrowed (as input) or owned by the struct (from
 * tc_notify_template_get()).
 */
typedef struct tc_notify_template {
  const char *name; /**< [a-z0-9_.-], 1..64 bytes */
  tc_notify_channel channel;
  const char *locale;  /**< "en", "pt-BR" (BCP 47 language[-REGION]) */
  const char *subject; /**< may be NULL/"" for sms, push */
  const char *text;    /**< required */
  const char *html;    /**< email only; may be NULL */
  int builtin;         /**< output: 1 for a shipped default */
  int64_t updated_ms;  /**< output: 0 for a shipped default */
} tc_notify_template;

/**
 * Check the syntax of one part. TC_OK, or TC_EINVAL with the message
 * "<part>: line L, column C: ..." and field `part`. ctx required.
 */
TC_EXTERN int tc_notify_template_check(tc_ctx *ctx, const char *part,
                                       const char *source);

/**
 * Store (insert or replace) a template after validating every part. A
 * stored template takes precedence over the shipped default of the same
 * name, channel and locale. TC_EINVAL naming the field.
 */
TC_EXTERN int tc_notify_template_put(tc_ctx *ctx, const tc_principal *who,
                                     const tc_notify_template *t);

/**
 * The template for (name, channel, locale) exactly as stored, or the
 * shipped default, without locale fallback. *out is one allocation to
 * free with tc_notify_template_free(). TC_ENOTFOUND.
 */
TC_EXTERN int tc_notify_template_get(tc_notify_template **out, tc_ctx *ctx,
                                     const tc_principal *who, const char *name,
                                     tc_notify_channel channel,
                                     const char *locale);

/** Free a template from tc_notify_template_get(). NULL is a no-op. */
TC_EXTERN void tc_notify_template_free(tc_ctx *ctx, tc_notify_template *t);

/** Called per template; t is borrowed for the call. Non-zero stops. */
typedef int (*tc_notify_template_cb)(const tc_notify_template *t,
                                     void *payload);

/**
 * List stored templates ordered by (name, channel, locale), after the
 * cursor `after` (from a previous call's `next`, NULL: from the start), at
 * most limit (1..100); `next` (128 bytes, may be NULL) gets the cursor of
 * the next page or "". With builtin non-zero lists the shipped defaults
 * instead (one page, cursor ignored).
 */
TC_EXTERN int tc_notify_template_list(char *next, tc_ctx *ctx,
                                      const tc_principal *who,
                                      const char *after, size_t limit,
                                      int builtin, tc_notify_template_cb cb,
                                      void *payload);

/** A rendered message. Strings are owned; release with
 *  tc_notify_rendered_finish(). */
typedef struct tc_notify_rendered {
  char *subject; /**< "" when the template has none; no CR/LF */
  char *text;
  char *html;      /**< NULL when the template has none */
  char locale[16]; /**< the locale of the template used */
} tc_notify_rendered;

/**
 * Render template name for channel in locale (falling back "pt-BR" ->
 * "pt" -> the default locale -> "en") with variables, a JSON object text
 * (NULL: {}). Missing variables, or objects/arrays/null where a value is
 * needed, are TC_EINVAL naming field "variables" and the variable.
 * TC_ENOTFOUND when no template matches. On error *out is zeroed.
 */
TC_EXTERN int tc_notify_render(tc_notify_rendered *out, tc_ctx *ctx,
                               const tc_principal *who, const char *name,
                               tc_notify_channel channel, const char *locale,
                               const char *variables);

/** Free what tc_notify_render() filled and zero it. NULL is a no-op. */
TC_EXTERN void tc_notify_rendered_finish(tc_ctx *ctx, tc_notify_rendered *r);

/* ---- sending ------------------------------------------------------------ */

#define TC_NOTIFY_REQUEST_VERSION 1
/** What to send. Strings are borrowed for the call. */
typedef struct tc_notify_request {
  uint32_t version;
  const char *template_name; /**< required */
  tc_notify_channel channel;
  tc_notify_category category;
  /** The user it is for (history, opt-outs, in-app inbox, default
   *  address and locale), or NULL for an address with no account. */
  const char *user_id;
  /** Address: e-mail, phone, device token; NULL: the user's e-mail for
   *  email, the user id for in_app (sms and push need one). */
  const char *recipient;
  const char *locale;          /**< NULL: the user's, else the default */
  const char *variables;       /**< JSON object text; NULL: {} */
  const char *idempotency_key; /**< NULL: a new one (the message id) */
} tc_notify_request;

#define TC_NOTIFY_REQUEST_INIT                                                 \
  {                                                                            \
    TC_NOTIFY_REQUEST_VERSION, NULL, TC_NOTIFY_EMAIL, TC_NOTIFY_TRANSACTIONAL, \
        NULL, NULL, NULL, NULL, NULL                                           \
  }

/** The outcome of tc_notify_send(). A value struct. */
typedef struct tc_notify_result {
  char id[TC_ID_STRLEN + 1]; /**< the message id (history) */
  tc_notify_status status;   /**< queued or suppressed (or the first
                                  message's status when duplicate) */
  char reason[64];           /**< "opted_out", "rate_limited" or "" */
  int duplicate; /**< 1: the key was used before; nothing was enqueued */
} tc_notify_result;

/**
 * Render and enqueue one message (see the top of this file). Returns TC_OK
 * also when the message is suppressed (out->status says so). A key used
 * before returns the first message with duplicate = 1. TC_EINVAL naming
 * the field, TC_ENOTFOUND for an unknown user or template. May run inside
 * the caller's transaction (it nests; the enqueue then commits with it).
 */
TC_EXTERN int tc_notify_send(tc_notify_result *out, tc_ctx *ctx,
                             const tc_principal *who,
                             const tc_notify_request *req);

/**
 * The worker: take up to max_messages "notify.send" events of group
 * "notify" and deliver them. *processed (may be NULL) gets how many events
 * were taken and answered. Returns TC_OK when the queue ran empty or max
 * was reached; a store or queue failure is returned (the message being
 * handled goes back to the queue). Must not be called inside a
 * transaction (TC_ESTATE). Notifiers are called with no transaction open.
 */
TC_EXTERN int tc_notify_process(tc_ctx *ctx, size_t max_messages,
                                size_t *processed);

/**
 * Put a dead-lettered message back in the queue with its attempts reset
 * and its history back to 'queued'. message_id is the notify message id;
 * NULL replays every dead letter of group "notify" (up to 1000 per call).
 * *replayed (may be NULL) gets the count. TC_ENOTFOUND when the id is not
 * dead-lettered.
 */
TC_EXTERN int tc_notify_replay_dead(size_t *replayed, tc_ctx *ctx,
                                    const char *message_id);

/**
 * The event consumer: take up to max events of group "notify.events"
 * (subscribed to orders.*, payments.*, users.*, auth.*) and turn the
 * mapped ones into sends (see tc_notify_event_map()); others are acked
 * untouched. Each send's idempotency key is derived from the event (or
 * the order), so a redelivered event never notifies twice. *handled (may
 * be NULL) gets how many events were answered.
 */
TC_EXTERN int tc_notify_consume_events(tc_ctx *ctx, size_t max,
                                       size_t *handled);

/** One row of the event mapping, for documentation and tests. */
typedef struct tc_notify_event_rule {
  const char *topic; /**< "orders.paid" */
  const char *template_name;
  tc_notify_category category;
  unsigned channels;   /**< bit (1u << tc_notify_channel) per channel */
  const char *require; /**< payload field that must be true, or NULL */
} tc_notify_event_rule;

/** The mapping table (static; *count gets its length). */
TC_EXTERN const tc_notify_event_rule *tc_notify_event_map(size_t *count);

/* ---- history ------------------------------------------------------------ */

/** One message of the history, borrowed for a callback. No bodies (they
 *  may carry tokens). */
typedef struct tc_notify_history_item {
  const char *id;
  const char *user_id; /**< "" when none */
  tc_notify_channel channel;
  tc_notify_category category;
  const char *template_name;
  const char *locale;
  const char *recipient;
  const char *subject;
  tc_notify_status status;
  const char *reason;       /**< last error or suppression reason */
  uint32_t attempts;        /**< sends tried */
  const char *provider_ref; /**< the notifier's reference, "" if none */
  const char *idempotency_key;
  int64_t created_ms, updated_ms, sent_ms;
} tc_notify_history_item;

typedef int (*tc_notify_history_cb)(const tc_notify_history_item *item,
                                    void *payload);

/**
 * List messages newest first. user_id NULL lists everybody's for support,
 * admin and system callers, and the caller's own for a customer; a
 * customer may list only their own. after: a
 * message id cursor (NULL: newest); limit 1..100; next (37 bytes, may be
 * NULL) gets the next cursor or "". TC_EDENIED, TC_EUNAUTHENTICATED.
 */
TC_EXTERN int tc_notify_history_list(char *next, tc_ctx *ctx,
                                     const tc_principal *who,
                                     const char *user_id, const char *after,
                                     size_t limit, tc_notify_history_cb cb,
                                     void *payload);

/** One message by id (authorized as the list). TC_ENOTFOUND. */
TC_EXTERN int tc_notify_history_get(tc_ctx *ctx, const tc_principal *who,
                                    const char *message_id,
                                    tc_notify_history_cb cb, void *payload);

/* ---- preferences (opt-outs) --------------------------------------------- */

/**
 * Opt user_id in (enabled != 0) or out of category on channel. Only
 * marketing may be opted out (TC_EINVAL naming "category" otherwise).
 * The owner, admin or system may change it.
 */
TC_EXTERN int tc_notify_pref_set(tc_ctx *ctx, const tc_principal *who,
                                 const char *user_id, tc_notify_channel channel,
                                 tc_notify_category category, int enabled);

/** Is category on channel enabled for user_id? (*enabled 0 or 1) */
TC_EXTERN int tc_notify_pref_get(int *enabled, tc_ctx *ctx,
                                 const tc_principal *who, const char *user_id,
                                 tc_notify_channel channel,
                                 tc_notify_category category);

/* ---- in-app inbox ------------------------------------------------------- */

/** An inbox entry, borrowed for a callback. */
typedef struct tc_notify_inbox_item {
  const char *id;
  const char *message_id;
  const char *subject;
  const char *body;
  int64_t created_ms;
  int64_t read_ms; /**< 0 while unread */
} tc_notify_inbox_item;

typedef int (*tc_notify_inbox_cb)(const tc_notify_inbox_item *item,
                                  void *payload);

/**
 * List user_id's inbox newest first (owner, support, admin, system).
 * after: an entry id cursor (NULL: newest), limit 1..100, unread_only,
 * next (37 bytes, may be NULL) gets the next cursor or "".
 */
TC_EXTERN int tc_notify_inbox_list(char *next, tc_ctx *ctx,
                                   const tc_principal *who, const char *user_id,
                                   const char *after, size_t limit,
                                   int unread_only, tc_notify_inbox_cb cb,
                                   void *payload);

/** Number of unread entries of user_id. */
TC_EXTERN int tc_notify_inbox_unread(int64_t *count, tc_ctx *ctx,
                                     const tc_principal *who,
                                     const char *user_id);

/** Mark one entry read (owner, admin, system). Idempotent; TC_ENOTFOUND
 *  when user_id has no such entry. */
TC_EXTERN int tc_notify_inbox_mark_read(tc_ctx *ctx, const tc_principal *who,
                                        const char *user_id,
                                        const char *entry_id);

/** Mark every entry read; *changed (may be NULL) gets how many. */
TC_EXTERN int tc_notify_inbox_mark_all_read(int64_t *changed, tc_ctx *ctx,
                                            const tc_principal *who,
                                            const char *user_id);

/* ---- shipped notifiers -------------------------------------------------- */

/**
 * The in-app notifier: stores the message (subject, text) in ctx's inbox
 * table for the user whose id is the recipient, once per idempotency key
 * (it is idempotent). Serves only in_app (TC_EUNSUPPORTED otherwise).
 * ctx is borrowed and must outlive it; use it with that context only.
 * *out is freed through its free method.
 */
TC_EXTERN int tc_notify_inapp_new(tc_notifier **out, tc_ctx *ctx);

/**
 * The log notifier: one line per message (id, channel, masked recipient,
 * subject, body length, key; never the body, which may hold a token)
 * through ctx's logger (ctx non-NULL) or to fp (ctx NULL; fp borrowed).
 * Serves every channel. *out is freed through its free method.
 */
TC_EXTERN int tc_notify_log_new(tc_notifier **out, tc_ctx *ctx, FILE *fp);

#define TC_NOTIFY_SMTP_OPTIONS_VERSION 1
/** SMTP notifier settings. Strings are copied (the password is wiped on
 *  free). */
typedef struct tc_notify_smtp_options {
  uint32_t version;
  const char *url; /**< "smtp://host:25", "smtps://host:465" */
  /** Envelope and header From, "Name <a@b>"; NULL: the notify module's
   *  sender (tc_notify_options.sender, passed in the metadata). */
  const char *from;
  const char *username; /**< NULL: no AUTH */
  const char *password;
  /** Require STARTTLS on smtp:// (TLS is always verified: peer and host). */
  int starttls;
  /** Extra CA file for verification (NULL: the system's). */
  const char *ca_file;
  long timeout_ms;         /**< whole transfer (0: 30000) */
  long connect_timeout_ms; /**< (0: 10000) */
  const tc_clock *clock;   /**< Date header; NULL: system clock; borrowed */
} tc_notify_smtp_options;

#define TC_NOTIFY_SMTP_OPTIONS_INIT                                        \
  {                                                                        \
    TC_NOTIFY_SMTP_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, NULL, 0, 0, \
        NULL                                                               \
  }

/**
 * The SMTP notifier (libcurl): email only. Sends an RFC 5322 message with
 * Date, Message-ID (derived from the idempotency key, so receivers can
 * deduplicate), From, To, an RFC 2047 encoded Subject when not ASCII, and
 * a MIME multipart/alternative body (text/plain and text/html, UTF-8,
 * quoted-printable). Connection failures and 4xx replies are transient,
 * 5xx replies permanent. SMTP does not honour idempotency keys: configure
 * its channel with idempotent = 0. TC_EINVAL for a bad option, with the
 * message in tc_last_error_message(). *out is freed through its free
 * method; usable from one thread at a time.
 */
TC_EXTERN int tc_notify_smtp_new(tc_notifier **out,
                                 const tc_notify_smtp_options *opts);

#define TC_NOTIFY_HTTP_OPTIONS_VERSION 1
/** HTTP notifier settings. Strings are copied; the secret is wiped on
 *  free. */
typedef struct tc_notify_http_options {
  uint32_t version;
  const char *url;         /**< http:// or https:// endpoint */
  const void *secret;      /**< HMAC-SHA256 key */
  size_t secret_len;       /**< 16..1024 bytes */
  long timeout_ms;         /**< whole request (0: 10000) */
  long connect_timeout_ms; /**< (0: 5000) */
  const tc_clock *clock;   /**< signature time; NULL: system; borrowed */
  const char *ca_file;     /**< NULL: the system's CAs */
} tc_notify_http_options;

#define TC_NOTIFY_HTTP_OPTIONS_INIT \
  { TC_NOTIFY_HTTP_OPTIONS_VERSION, NULL, NULL, 0, 0, 0, NULL, NULL }

/**
 * The HTTP notifier (libcurl): POSTs the message as JSON
 * {"id","channel","recipient","subject","text","html","metadata"} with
 * headers Idempotency-Key and X-Techcorp-Signature: t=<unix seconds>,
 * v1=<hex HMAC-SHA256(secret, "<t>.<body>")>. 2xx: sent (the reply's
 * JSON "id", if any, is the provider reference); 429, 5xx, connection
 * failures: TC_EUNAVAILABLE; timeouts: TC_ETIMEOUT; other 4xx:
 * TC_EPROVIDER (permanent). Serves every channel. TC_EINVAL for a bad
 * option (message in tc_last_error_message()). *out is freed through its
 * free method; usable from one thread at a time.
 */
TC_EXTERN int tc_notify_http_new(tc_notifier **out,
                                 const tc_notify_http_options *opts);

/**
 * Compute the signature header value for body at time t (unix seconds)
 * into out (at least 96 bytes): "t=<t>,v1=<hex>". For receivers and tests.
 */
TC_EXTERN int tc_notify_http_sign(char *out, size_t out_size,
                                  const void *secret, size_t secret_len,
                                  int64_t t, const char *body, size_t body_len);

TC_END_DECL

#endif
