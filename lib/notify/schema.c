/*
 * lib/notify/schema.c - the notify module's tables. Migrations are
 * append-only.
 *
 * notify_messages is the history and the work item: the worker reads the
 * rendered message from it (the queue event carries only the id). Bodies
 * are cleared once sent, since they may hold one-time tokens.
 */
#include "notify_priv.h"

#define NOTIFY_SCHEMA_V1                                                     \
  "CREATE TABLE notify_messages ("                                           \
  " id TEXT PRIMARY KEY,"                                                    \
  " idempotency_key TEXT NOT NULL UNIQUE,"                                   \
  " user_id TEXT NOT NULL,"                                                  \
  " channel TEXT NOT NULL,"                                                  \
  " category TEXT NOT NULL,"                                                 \
  " template TEXT NOT NULL,"                                                 \
  " locale TEXT NOT NULL,"                                                   \
  " recipient TEXT NOT NULL,"                                                \
  " subject TEXT NOT NULL,"                                                  \
  " body_text TEXT,"                                                         \
  " body_html TEXT,"                                                         \
  " status TEXT NOT NULL CHECK (status IN"                                   \
  "  ('queued', 'sending', 'sent', 'failed', 'suppressed')),"                \
  " reason TEXT NOT NULL,"                                                   \
  " attempts BIGINT NOT NULL,"                                               \
  " claim_until BIGINT NOT NULL,"                                            \
  " provider_ref TEXT NOT NULL,"                                             \
  " event_id TEXT NOT NULL,"                                                 \
  " created_ms BIGINT NOT NULL,"                                             \
  " updated_ms BIGINT NOT NULL,"                                             \
  " sent_ms BIGINT NOT NULL);"                                               \
  "CREATE INDEX notify_messages_user ON notify_messages (user_id, id);"      \
  "CREATE TABLE notify_inbox ("                                              \
  " id TEXT PRIMARY KEY,"                                                    \
  " user_id TEXT NOT NULL,"                                                  \
  " message_id TEXT NOT NULL,"                                               \
  " idempotency_key TEXT NOT NULL UNIQUE,"                                   \
  " subject TEXT NOT NULL,"                                                  \
  " body TEXT NOT NULL,"                                                     \
  " created_ms BIGINT NOT NULL,"                                             \
  " read_ms BIGINT NOT NULL);"                                               \
  "CREATE INDEX notify_inbox_user ON notify_inbox (user_id, id);"            \
  "CREATE INDEX notify_inbox_unread ON notify_inbox (user_id, read_ms, id);" \
  "CREATE TABLE notify_templates ("                                          \
  " name TEXT NOT NULL,"                                                     \
  " channel TEXT NOT NULL,"                                                  \
  " locale TEXT NOT NULL,"                                                   \
  " subject TEXT NOT NULL,"                                                  \
  " body_text TEXT NOT NULL,"                                                \
  " body_html TEXT,"                                                         \
  " updated_ms BIGINT NOT NULL,"                                             \
  " PRIMARY KEY (name, channel, locale));"                                   \
  "CREATE TABLE notify_optouts ("                                            \
  " user_id TEXT NOT NULL,"                                                  \
  " channel TEXT NOT NULL,"                                                  \
  " category TEXT NOT NULL,"                                                 \
  " created_ms BIGINT NOT NULL,"                                             \
  " PRIMARY KEY (user_id, channel, category));"

/* Portable SQL (TEXT, BIGINT, no AUTOINCREMENT): one text, two dialects. */
static const tc__migration notify_migrations[] = {
    {1, NOTIFY_SCHEMA_V1, NOTIFY_SCHEMA_V1},
};

const tc__schema_module tc__schema_notify = {
    "notify", notify_migrations,
    sizeof(notify_migrations) / sizeof(notify_migrations[0])};
