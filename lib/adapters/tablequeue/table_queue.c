/*
 * lib/adapters/tablequeue/table_queue.c - the embedded queue: messages kept
 * in tables of a store, so that publishing is part of the caller's
 * transaction (the transactional outbox).
 *
 * Design (why it is safe without knowing whether a transaction is open):
 * - publish is ONE statement, an INSERT into tc_queue_messages. A trigger
 *   fans the message out into tc_queue_deliveries (one row per subscribed
 *   group whose pattern matches) and drops the message again when no group
 *   wants it. One statement is atomic on its own when no transaction is
 *   open and joins the caller's when one is, on SQLite and PostgreSQL
 *   alike, so a crash can never leave a message without its deliveries.
 * - ack and nack are ONE conditional statement each, checked by the lease
 *   (the receipt), so they too may run inside a caller's transaction (a
 *   consumer can ack in the same transaction as the work it did). A second
 *   trigger deletes a message when its last delivery is acked.
 * - take needs a read then a write, so it runs in its own write
 *   transaction: take must not be called while a transaction is open on
 *   the store (the store's begin then fails and take returns its error;
 *   tc_events_take() checks for it and answers TC_ESTATE). The UPDATE that
 *   leases is conditional on what was read (attempts, visibility) and is
 *   checked by rows changed, so it stays correct on stores where the
 *   transaction does not lock the row (PostgreSQL read committed, where
 *   the pick also uses FOR UPDATE SKIP LOCKED so takers do not collide).
 * - On PostgreSQL an INSERT outside a transaction autocommits as on
 *   SQLite, so none of this needs SAVEPOINTs (which PostgreSQL refuses
 *   outside a transaction block).
 *
 * A delivery is 'live' (waiting, or leased until visible_ms when lease is
 * not NULL) or 'dead'. take reads the index (grp, state, visible_ms,
 * message_id) as a range: the first row is the answer. A nack with no
 * delay puts the message back at its publish time so that it is taken
 * before the messages published after it (per-key order survives an
 * immediate retry). Dead rows keep visible_ms = 0, so listing them is a
 * range of the same index in message id (= publish) order.
 */
#include <stdio.h>
#include <stdlib.h>

#include "adapters/common/dead_rows.h"
#include "core/internal.h"

#define TQ_DEFAULT_MAX_ATTEMPTS 5u
#define TQ_MAX_REASON 1024u
#define TQ_LEASE_BYTES 16u
#define TQ_LEASE_RETRIES 16

/* ---- schema ------------------------------------------------------------- */

/* Tables and indexes: the same text for both dialects. */
#define TQ_TABLES                                                     \
  "CREATE TABLE tc_queue_subscriptions (\n"                           \
  "  grp TEXT NOT NULL,\n"                                            \
  "  pattern TEXT NOT NULL,\n"                                        \
  "  created_ms BIGINT NOT NULL,\n"                                   \
  "  PRIMARY KEY (grp, pattern)\n"                                    \
  ");\n"                                                              \
  "CREATE TABLE tc_queue_messages (\n"                                \
  "  id TEXT NOT NULL PRIMARY KEY,\n"                                 \
  "  topic TEXT NOT NULL,\n"                                          \
  "  msg_key TEXT NOT NULL,\n"                                        \
  "  payload TEXT NOT NULL,\n"                                        \
  "  headers TEXT NOT NULL,\n"                                        \
  "  published_ms BIGINT NOT NULL\n"                                  \
  ");\n"                                                              \
  "CREATE TABLE tc_queue_deliveries (\n"                              \
  "  grp TEXT NOT NULL,\n"                                            \
  "  message_id TEXT NOT NULL REFERENCES tc_queue_messages(id),\n"    \
  "  state TEXT NOT NULL CHECK (state IN ('live', 'dead')),\n"        \
  "  attempts INTEGER NOT NULL,\n"                                    \
  "  visible_ms BIGINT NOT NULL,\n"                                   \
  "  lease TEXT,\n"                                                   \
  "  last_error TEXT NOT NULL,\n"                                     \
  "  PRIMARY KEY (grp, message_id)\n"                                 \
  ");\n"                                                              \
  "CREATE INDEX tc_queue_deliveries_take ON tc_queue_deliveries\n"    \
  "  (grp, state, visible_ms, message_id);\n"                         \
  "CREATE INDEX tc_queue_deliveries_message ON tc_queue_deliveries\n" \
  "  (message_id);\n"

static const char tq_schema_sqlite_1[] = TQ_TABLES
    "CREATE TRIGGER tc_queue_fanout AFTER INSERT ON tc_queue_messages\n"
    "BEGIN\n"
    "  INSERT INTO tc_queue_deliveries\n"
    "    (grp, message_id, state, attempts, visible_ms, lease, last_error)\n"
    "  SELECT DISTINCT s.grp, NEW.id, 'live', 0, NEW.published_ms, NULL, ''\n"
    "  FROM tc_queue_subscriptions s\n"
    "  WHERE s.pattern = NEW.topic OR s.pattern = '*'\n"
    "     OR (s.pattern LIKE '%.*'\n"
    "         AND substr(NEW.topic, 1, length(s.pattern) - 1) =\n"
    "             substr(s.pattern, 1, length(s.pattern) - 1));\n"
    "  DELETE FROM tc_queue_messages WHERE id = NEW.id AND NOT EXISTS\n"
    "    (SELECT 1 FROM tc_queue_deliveries d WHERE d.message_id = NEW.id);\n"
    "END;\n"
    "CREATE TRIGGER tc_queue_collect AFTER DELETE ON tc_queue_deliveries\n"
    "BEGIN\n"
    "  DELETE FROM tc_queue_messages WHERE id = OLD.message_id AND NOT EXISTS\n"
    "    (SELECT 1 FROM tc_queue_deliveries d\n"
    "     WHERE d.message_id = OLD.message_id);\n"
    "END;\n";

/* The same for PostgreSQL: triggers there call plpgsql functions. */
static const char tq_schema_postgres_1[] = TQ_TABLES
    "CREATE FUNCTION tc_queue_fanout() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  INSERT INTO tc_queue_deliveries\n"
    "    (grp, message_id, state, attempts, visible_ms, lease, last_error)\n"
    "  SELECT DISTINCT s.grp, NEW.id, 'live', 0, NEW.published_ms, NULL, ''\n"
    "  FROM tc_queue_subscriptions s\n"
    "  WHERE s.pattern = NEW.topic OR s.pattern = '*'\n"
    "     OR (s.pattern LIKE '%.*'\n"
    "         AND substr(NEW.topic, 1, length(s.pattern) - 1) =\n"
    "             substr(s.pattern, 1, length(s.pattern) - 1));\n"
    "  IF NOT FOUND THEN\n"
    "    DELETE FROM tc_queue_messages WHERE id = NEW.id;\n"
    "  END IF;\n"
    "  RETURN NULL;\n"
    "END $$;\n"
    "CREATE TRIGGER tc_queue_fanout AFTER INSERT ON tc_queue_messages\n"
    "  FOR EACH ROW EXECUTE FUNCTION tc_queue_fanout();\n"
    "CREATE FUNCTION tc_queue_collect() RETURNS trigger LANGUAGE plpgsql AS "
    "$$\n"
    "BEGIN\n"
    "  DELETE FROM tc_queue_messages WHERE id = OLD.message_id AND NOT EXISTS\n"
    "    (SELECT 1 FROM tc_queue_deliveries d\n"
    "     WHERE d.message_id = OLD.message_id);\n"
    "  RETURN NULL;\n"
    "END $$;\n"
    "CREATE TRIGGER tc_queue_collect AFTER DELETE ON tc_queue_deliveries\n"
    "  FOR EACH ROW EXECUTE FUNCTION tc_queue_collect();\n";

static const tc__migration tq_migrations[] = {
    {1, tq_schema_sqlite_1, tq_schema_postgres_1},
};

const tc__schema_module tc__schema_queue = {
    "queue", tq_migrations, sizeof(tq_migrations) / sizeof(tq_migrations[0])};

/* ---- statements (constant text: the store caches them by it) ------------ */

static const char *const SQL_SUBSCRIBE =
    "INSERT INTO tc_queue_subscriptions (grp, pattern, created_ms) "
    "VALUES (?, ?, ?) ON CONFLICT DO NOTHING";

static const char *const SQL_PUBLISH =
    "INSERT INTO tc_queue_messages "
    "(id, topic, msg_key, payload, headers, published_ms) "
    "VALUES (?, ?, ?, ?, ?, ?)";

/* The oldest visible live delivery of a group, with its message. */
#define TQ_PICK                                                         \
  "SELECT d.message_id, d.attempts, d.last_error, m.topic, m.msg_key, " \
  "m.payload, m.headers, m.published_ms "                               \
  "FROM tc_queue_deliveries d "                                         \
  "JOIN tc_queue_messages m ON m.id = d.message_id "                    \
  "WHERE d.grp = ? AND d.state = 'live' AND d.visible_ms <= ? "         \
  "ORDER BY d.visible_ms, d.message_id LIMIT 1"
static const char *const SQL_PICK = TQ_PICK;
/* On PostgreSQL concurrent takers skip each other's rows instead of
 * racing for the same one (SQLite's write transaction already excludes
 * them). */
static const char *const SQL_PICK_PG = TQ_PICK " FOR UPDATE OF d SKIP LOCKED";

/* Lease it, only if nobody took it since we read it. */
static const char *const SQL_LEASE =
    "UPDATE tc_queue_deliveries "
    "SET attempts = attempts + 1, visible_ms = ?, lease = ? "
    "WHERE grp = ? AND message_id = ? AND state = 'live' AND attempts = ? "
    "AND visible_ms <= ?";

/* Its attempts are used up and its last lease ran out. */
static const char *const SQL_BURY =
    "UPDATE tc_queue_deliveries "
    "SET state = 'dead', visible_ms = 0, lease = NULL, last_error = ? "
    "WHERE grp = ? AND message_id = ? AND state = 'live' AND attempts = ?";

static const char *const SQL_ACK =
    "DELETE FROM tc_queue_deliveries "
    "WHERE grp = ? AND message_id = ? AND state = 'live' AND lease = ?";

static const char *const SQL_NACK =
    "UPDATE tc_queue_deliveries "
    "SET state = CASE WHEN attempts >= ? THEN 'dead' ELSE 'live' END, "
    "visible_ms = CASE WHEN attempts >= ? THEN 0 ELSE ? END, "
    "lease = NULL, last_error = ? "
    "WHERE grp = ? AND message_id = ? AND state = 'live' AND lease = ?";

static const char *const SQL_DEAD_LIST =
    "SELECT d.message_id, d.attempts, d.last_error, m.topic, m.msg_key, "
    "m.payload, m.headers, m.published_ms "
    "FROM tc_queue_deliveries d "
    "JOIN tc_queue_messages m ON m.id = d.message_id "
    "WHERE d.grp = ? AND d.state = 'dead' AND d.visible_ms = 0 "
    "AND d.message_id > ? "
    "ORDER BY d.message_id LIMIT ?";

static const char *const SQL_DEAD_REPLAY =
    "UPDATE tc_queue_deliveries "
    "SET state = 'live', attempts = 0, visible_ms = ?, lease = NULL "
    "WHERE grp = ? AND message_id = ? AND state = 'dead'";

/* ---- the adapter -------------------------------------------------------- */

typedef struct tq {
  tc_queue port; /* first: the value handed out is &tq->port */
  tc_store *store;
  const char *sql_pick; /* SQL_PICK or its dialect variant */
  uint32_t max_attempts;
  tc_clock clock;
  tc_random random;
} tq;

static int64_t tq_now(tq *q) {
  return q->clock.now_ms(q->clock.self);
}

static int tq_exec(tq *q, const char *sql, const tc_value *params, size_t n,
                   tc_store_row_cb cb, void *payload, int64_t *changes) {
  if (changes) *changes = 0;
  return q->store->exec(q->store->self, sql, params, n, cb, payload, changes);
}

static bool tq_nonempty(const char *s) {
  return s && *s;
}

/* TC_VAL_TEXT for arrays, which are never NULL. */
#define TQ_TEXT(a) TC_VAL_TEXTN((a), strlen(a))

/* Cut a reason to TQ_MAX_REASON bytes without splitting a UTF-8 sequence. */
static size_t tq_reason_len(const char *reason) {
  size_t n = strlen(reason);
  if (n <= TQ_MAX_REASON) return n;
  n = TQ_MAX_REASON;
  while (n > 0 && ((unsigned char)reason[n] & 0xC0u) == 0x80u) n--;
  return n;
}

static int tq_subscribe(void *self, const char *group, const char *pattern) {
  tq *q = self;
  if (!tq_nonempty(group) || !tq_nonempty(pattern)) return TC_EINVAL;
  tc_value p[] = {TC_VAL_TEXT(group), TC_VAL_TEXT(pattern),
                  TC_VAL_INT(tq_now(q))};
  return tq_exec(q, SQL_SUBSCRIBE, p, 3, NULL, NULL, NULL);
}

static int tq_publish(void *self, const char *topic, const char *key,
                      const char *payload, const char *headers, char *id_out) {
  tq *q = self;
  if (!tq_nonempty(topic) || !payload) return TC_EINVAL;
  char id[TC_ID_STRLEN + 1];
  int64_t now = tq_now(q);
  tc__uuid7(id, now, &q->random);
  tc_value p[] = {TQ_TEXT(id),
                  TC_VAL_TEXT(topic),
                  TC_VAL_TEXT(key ? key : ""),
                  TC_VAL_TEXT(payload),
                  TC_VAL_TEXT(headers ? headers : "{}"),
                  TC_VAL_INT(now)};
  int rc = tq_exec(q, SQL_PUBLISH, p, 6, NULL, NULL, NULL);
  if (rc == TC_OK && id_out) memcpy(id_out, id, sizeof(id));
  return rc;
}

/* Columns of SQL_PICK and SQL_DEAD_LIST (the order of dead_rows.h). */
enum {
  COL_ID,
  COL_ATTEMPTS,
  COL_LAST_ERROR,
  COL_TOPIC,
  COL_KEY,
  COL_PAYLOAD,
  COL_HEADERS,
  COL_PUBLISHED,
  COL_COUNT
};

/* Append s to the block at *pos and return where it went. */
static const char *tq_put(char **pos, const char *s, size_t n) {
  char *dst = *pos;
  memcpy(dst, s, n);
  dst[n] = '\0';
  *pos = dst + n + 1;
  return dst;
}

/*
 * One allocation holds the message and all its strings, so release is one
 * free(). The receipt slot is left blank for take to fill.
 */
static tc_queue_message *tq_message_new(const tc_value *cols,
                                        const char *group) {
  const char *s[] = {group,
                     tc__col_text(&cols[COL_TOPIC]),
                     tc__col_text(&cols[COL_KEY]),
                     tc__col_text(&cols[COL_PAYLOAD]),
                     tc__col_text(&cols[COL_HEADERS]),
                     tc__col_text(&cols[COL_LAST_ERROR])};
  size_t len[6];
  size_t total = sizeof(tc_queue_message) + TQ_LEASE_BYTES * 2 + 1;
  for (size_t i = 0; i < 6; i++) {
    len[i] = strlen(s[i]);
    total += len[i] + 1;
  }
  tc_queue_message *m = malloc(total);
  if (!m) return NULL;
  memset(m, 0, sizeof(*m));
  char *pos = (char *)(m + 1);
  tc__col_copy(m->id, sizeof(m->id), &cols[COL_ID]);
  m->group = tq_put(&pos, s[0], len[0]);
  m->topic = tq_put(&pos, s[1], len[1]);
  m->key = tq_put(&pos, s[2], len[2]);
  m->payload = tq_put(&pos, s[3], len[3]);
  m->headers = tq_put(&pos, s[4], len[4]);
  m->last_error = tq_put(&pos, s[5], len[5]);
  m->receipt = tq_put(&pos, "", 0); /* last: room for the lease's hex */
  int64_t attempts = tc__col_int(&cols[COL_ATTEMPTS]);
  m->attempts = attempts < 0 ? 0u : (uint32_t)attempts;
  m->published_ms = tc__col_int(&cols[COL_PUBLISHED]);
  return m;
}

typedef struct tq_pick {
  const char *group;
  tc_queue_message *msg;
  int64_t attempts;
} tq_pick;

static int tq_pick_cb(const tc_value *cols, size_t ncols, void *payload) {
  tq_pick *pick = payload;
  if (ncols < COL_COUNT) return TC_ESTORAGE;
  pick->msg = tq_message_new(cols, pick->group);
  if (!pick->msg) return TC_ENOMEM;
  pick->attempts = tc__col_int(&cols[COL_ATTEMPTS]);
  return TC_STORE_STOP;
}

static void tq_lease_new(tq *q, char *hex) {
  static const char digits[] = "0123456789abcdef";
  unsigned char raw[TQ_LEASE_BYTES];
  q->random.fill(q->random.self, raw, sizeof(raw));
  for (size_t i = 0; i < sizeof(raw); i++) {
    hex[2 * i] = digits[raw[i] >> 4];
    hex[2 * i + 1] = digits[raw[i] & 0xFu];
  }
  hex[2 * sizeof(raw)] = '\0';
}

/*
 * One step of take: pick the oldest visible delivery, then bury it (its
 * attempts are used up: *buried) or lease it (*msg). TC_OK with neither
 * set nor *empty means another taker won the row: repeat.
 */
static int tq_take_step(tq *q, const char *group, int64_t visibility_ms,
                        tc_queue_message **msg, bool *empty, bool *buried) {
  int64_t now = tq_now(q);
  tq_pick pick = {group, NULL, 0};
  tc_value pp[] = {TC_VAL_TEXT(group), TC_VAL_INT(now)};
  int rc = tq_exec(q, q->sql_pick, pp, 2, tq_pick_cb, &pick, NULL);
  if (rc != TC_OK) {
    free(pick.msg);
    return rc;
  }
  if (!pick.msg) {
    *empty = true;
    return TC_OK;
  }
  tc_queue_message *m = pick.msg;
  int64_t changes = 0;
  if (pick.attempts >= (int64_t)q->max_attempts) {
    char reason[64];
    snprintf(reason, sizeof(reason), "lease expired after %lld attempts",
             (long long)pick.attempts);
    tc_value bp[] = {TQ_TEXT(reason), TC_VAL_TEXT(group), TQ_TEXT(m->id),
                     TC_VAL_INT(pick.attempts)};
    rc = tq_exec(q, SQL_BURY, bp, 4, NULL, NULL, &changes);
    free(m);
    *buried = changes > 0;
    return rc;
  }
  char *lease = (char *)m->receipt;
  tq_lease_new(q, lease);
  int64_t until =
      visibility_ms > INT64_MAX - now ? INT64_MAX : now + visibility_ms;
  tc_value lp[] = {TC_VAL_INT(until),         TC_VAL_TEXT(lease),
                   TC_VAL_TEXT(group),        TQ_TEXT(m->id),
                   TC_VAL_INT(pick.attempts), TC_VAL_INT(now)};
  rc = tq_exec(q, SQL_LEASE, lp, 6, NULL, NULL, &changes);
  if (rc != TC_OK || changes == 0) {
    free(m);
    return rc;
  }
  m->attempts = (uint32_t)(pick.attempts + 1);
  *msg = m;
  return TC_OK;
}

static int tq_take(void *self, const char *group, int64_t visibility_ms,
                   tc_queue_message **out) {
  tq *q = self;
  if (!out) return TC_EINVAL;
  *out = NULL;
  if (!tq_nonempty(group) || visibility_ms <= 0) return TC_EINVAL;
  int rc = q->store->begin(q->store->self, TC_TXN_WRITE);
  if (rc != TC_OK) return rc;
  tc_queue_message *msg = NULL;
  bool empty = false;
  int lost_races = 0;
  /* Burying makes progress (a row leaves 'live'); a lost race is retried a
   * few times, then reported as busy. */
  while (rc == TC_OK && !msg && !empty) {
    bool buried = false;
    rc = tq_take_step(q, group, visibility_ms, &msg, &empty, &buried);
    if (rc == TC_OK && !msg && !empty && !buried &&
        ++lost_races > TQ_LEASE_RETRIES)
      rc = TC_EBUSY;
  }
  if (rc != TC_OK) {
    q->store->rollback(q->store->self);
    free(msg);
    return rc;
  }
  /* Commit even when empty: dead letters may have been buried. */
  rc = q->store->commit(q->store->self);
  if (rc != TC_OK) {
    q->store->rollback(q->store->self);
    free(msg);
    return rc;
  }
  if (empty) return TC_EEMPTY;
  *out = msg;
  return TC_OK;
}

static int tq_ack(void *self, tc_queue_message *msg) {
  tq *q = self;
  if (!msg) return TC_EINVAL;
  int64_t changes = 0;
  tc_value p[] = {TC_VAL_TEXT(msg->group), TQ_TEXT(msg->id),
                  TC_VAL_TEXT(msg->receipt)};
  int rc = tq_exec(q, SQL_ACK, p, 3, NULL, NULL, &changes);
  free(msg);
  if (rc == TC_OK && changes == 0) rc = TC_ESTATE;
  return rc;
}

static int tq_nack(void *self, tc_queue_message *msg, int64_t delay_ms,
                   const char *reason) {
  tq *q = self;
  if (!msg) return TC_EINVAL;
  if (!reason) reason = "";
  /* No delay: back at its publish time, ahead of younger messages. */
  int64_t now = tq_now(q);
  int64_t visible = msg->published_ms;
  if (delay_ms > 0)
    visible = delay_ms > INT64_MAX - now ? INT64_MAX : now + delay_ms;
  int64_t changes = 0;
  tc_value p[] = {
      TC_VAL_INT(q->max_attempts), TC_VAL_INT(q->max_attempts),
      TC_VAL_INT(visible),         TC_VAL_TEXTN(reason, tq_reason_len(reason)),
      TC_VAL_TEXT(msg->group),     TQ_TEXT(msg->id),
      TC_VAL_TEXT(msg->receipt)};
  int rc = tq_exec(q, SQL_NACK, p, 7, NULL, NULL, &changes);
  free(msg);
  if (rc == TC_OK && changes == 0) rc = TC_ESTATE;
  return rc;
}

static void tq_release(void *self, tc_queue_message *msg) {
  (void)self;
  free(msg);
}

/* cb runs while the listing statement is open; listing in pages and
 * replaying between pages is the safe way to act on what it shows. */
static int tq_dead_list(void *self, const char *group, const char *after_id,
                        size_t limit, tc_queue_dead_cb cb, void *payload) {
  tq *q = self;
  if (!tq_nonempty(group) || !cb) return TC_EINVAL;
  if (limit == 0) return TC_OK;
  if (limit > (size_t)INT64_MAX) limit = (size_t)INT64_MAX;
  tc__dead_list l = {group, cb, payload};
  tc_value p[] = {TC_VAL_TEXT(group), TC_VAL_TEXT(after_id ? after_id : ""),
                  TC_VAL_INT((int64_t)limit)};
  return tq_exec(q, SQL_DEAD_LIST, p, 3, tc__dead_row_cb, &l, NULL);
}

static int tq_dead_replay(void *self, const char *group,
                          const char *message_id) {
  tq *q = self;
  if (!tq_nonempty(group) || !tq_nonempty(message_id)) return TC_EINVAL;
  int64_t changes = 0;
  tc_value p[] = {TC_VAL_INT(tq_now(q)), TC_VAL_TEXT(group),
                  TC_VAL_TEXT(message_id)};
  int rc = tq_exec(q, SQL_DEAD_REPLAY, p, 3, NULL, NULL, &changes);
  if (rc == TC_OK && changes == 0) rc = TC_ENOTFOUND;
  return rc;
}

static void tq_free(void *self) {
  if (!self) return;
  free(self);
  tc_shutdown();
}

int tc_queue_table_new(tc_queue **out, tc_store *store,
                       const tc_table_queue_options *opts) {
  if (!out) return tc__set_thread_error(TC_EINVAL, "out must not be NULL");
  *out = NULL;
  if (!store || !store->exec || !store->begin || !store->commit ||
      !store->rollback)
    return tc__set_thread_error(TC_EINVAL, "store is missing or incomplete");
  if (opts && opts->version < 1)
    return tc__set_thread_error(TC_EINVAL, "table queue options version is 0");
  const tc_clock *clock = opts && opts->clock ? opts->clock : NULL;
  const tc_random *random = opts && opts->random ? opts->random : NULL;
  if (clock && (clock->version < 1 || !clock->now_ms))
    return tc__set_thread_error(TC_EINVAL, "clock is incomplete");
  if (random && (random->version < 1 || !random->fill))
    return tc__set_thread_error(TC_EINVAL, "random source is incomplete");
  if (tc_init() != TC_OK)
    return tc__set_thread_error(TC_ERROR, "library initialisation failed");
  int rc = tc_store_migrate(store, clock);
  if (rc != TC_OK) {
    tc_shutdown();
    return rc; /* tc_store_migrate set the thread's message */
  }
  tq *q = calloc(1, sizeof(*q));
  if (!q) {
    tc_shutdown();
    return tc__set_thread_error(TC_ENOMEM, "out of memory");
  }
  q->store = store;
  q->sql_pick = store->dialect && strcmp(store->dialect, "postgres") == 0
                    ? SQL_PICK_PG
                    : SQL_PICK;
  q->max_attempts =
      opts && opts->max_attempts ? opts->max_attempts : TQ_DEFAULT_MAX_ATTEMPTS;
  q->clock = clock ? *clock : tc__system_clock;
  q->random = random ? *random : tc__sodium_random;
  q->port.version = TC_QUEUE_VERSION;
  q->port.self = q;
  q->port.subscribe = tq_subscribe;
  q->port.publish = tq_publish;
  q->port.take = tq_take;
  q->port.ack = tq_ack;
  q->port.nack = tq_nack;
  q->port.release = tq_release;
  q->port.dead_list = tq_dead_list;
  q->port.dead_replay = tq_dead_replay;
  q->port.free = tq_free;
  *out = &q->port;
  return TC_OK;
}
