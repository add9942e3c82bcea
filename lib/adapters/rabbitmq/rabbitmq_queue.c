/*
 * lib/adapters/rabbitmq/rabbitmq_queue.c - the queue port over RabbitMQ
 * with a transactional outbox in the store; what it promises is in
 * techcorp/rabbitmq.h.
 *
 * Broker objects (P is the prefix, G a group, D a delay in ms):
 *   P.events      topic exchange the relay publishes to (durable)
 *   P.g.G         quorum queue of group G, bound by G's patterns; its
 *                 dead-letter exchange is P.dead with routing key G
 *   P.r.G.D       classic queue, x-message-ttl D, dead-letters into P.g.G
 *                 through the default exchange (the retry of a nack)
 *   P.dead        direct exchange of dead letters, routing key G
 *   P.d.G         queue of G's dead letters, moved into the store table
 *                 tc_rabbitmq_dead by dead_list()
 * Message properties: message_id the port's id, body the payload, and
 * headers tc-topic, tc-key, tc-headers, tc-published-ms, tc-attempts (takes
 * of earlier generations: a retry is a new message with the same id) and
 * tc-last-error.
 *
 * Two channels: channel 1 only gets and settles deliveries (so an error
 * there never takes leases with it), channel 2 declares and publishes in
 * confirm mode; a broker error that closes channel 2 (a queue that does
 * not exist) reopens it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#include "adapters/common/dead_rows.h"
#include "core/internal.h"
#include "techcorp/rabbitmq.h"

#define RQ_DEFAULT_MAX_ATTEMPTS 5u
#define RQ_DEFAULT_TIMEOUT_MS 5000
#define RQ_DEFAULT_BATCH 100u
#define RQ_PREFIX_MAX 64
#define RQ_NAME_MAX 300
#define RQ_MAX_REASON 1024u
#define RQ_BACKOFF_MIN_MS 100
#define RQ_BACKOFF_MAX_MS 5000
#define RQ_CH_GET 1
#define RQ_CH_PUB 2
#define RQ_MEMO 64
#define RQ_DELIVERY_LIMIT 1000
/* A retry queue is declared again before use when its last declaration
 * is older than this, so it never expires under messages being put in. */
#define RQ_RETRY_EXPIRES_MS (3600 * 1000)
#define RQ_RETRY_REDECLARE_MS (600 * 1000)

/* ---- schema: the outbox and the dead letters, in the store ---------------
 */

#define RQ_TABLES                       \
  "CREATE TABLE tc_rabbitmq_outbox (\n" \
  "  id TEXT NOT NULL PRIMARY KEY,\n"   \
  "  topic TEXT NOT NULL,\n"            \
  "  msg_key TEXT NOT NULL,\n"          \
  "  payload TEXT NOT NULL,\n"          \
  "  headers TEXT NOT NULL,\n"          \
  "  published_ms BIGINT NOT NULL\n"    \
  ");\n"                                \
  "CREATE TABLE tc_rabbitmq_dead (\n"   \
  "  grp TEXT NOT NULL,\n"              \
  "  message_id TEXT NOT NULL,\n"       \
  "  topic TEXT NOT NULL,\n"            \
  "  msg_key TEXT NOT NULL,\n"          \
  "  payload TEXT NOT NULL,\n"          \
  "  headers TEXT NOT NULL,\n"          \
  "  attempts INTEGER NOT NULL,\n"      \
  "  last_error TEXT NOT NULL,\n"       \
  "  published_ms BIGINT NOT NULL,\n"   \
  "  PRIMARY KEY (grp, message_id)\n"   \
  ");\n"

static const tc__migration rq_migrations[] = {{1, RQ_TABLES, RQ_TABLES}};
static const tc__schema_module rq_schema = {"rabbitmq", rq_migrations, 1};

static const char *const SQL_OUTBOX_PUT =
    "INSERT INTO tc_rabbitmq_outbox "
    "(id, topic, msg_key, payload, headers, published_ms) "
    "VALUES (?, ?, ?, ?, ?, ?)";
static const char *const SQL_OUTBOX_ANY =
    "SELECT 1 FROM tc_rabbitmq_outbox LIMIT 1";
#define RQ_PICK                                                \
  "SELECT id, topic, msg_key, payload, headers, published_ms " \
  "FROM tc_rabbitmq_outbox ORDER BY id LIMIT ?"
static const char *const SQL_OUTBOX_PICK = RQ_PICK;
/* Relays of several processes take different rows instead of waiting. */
static const char *const SQL_OUTBOX_PICK_PG = RQ_PICK " FOR UPDATE SKIP LOCKED";
static const char *const SQL_OUTBOX_DONE =
    "DELETE FROM tc_rabbitmq_outbox WHERE id = ?";
static const char *const SQL_DEAD_PUT =
    "INSERT INTO tc_rabbitmq_dead (grp, message_id, topic, msg_key, payload, "
    "headers, attempts, last_error, published_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
static const char *const SQL_DEAD_LIST =
    "SELECT message_id, attempts, last_error, topic, msg_key, payload, "
    "headers, published_ms FROM tc_rabbitmq_dead "
    "WHERE grp = ? AND message_id > ? ORDER BY message_id LIMIT ?";
static const char *const SQL_DEAD_ONE =
    "SELECT message_id, attempts, last_error, topic, msg_key, payload, "
    "headers, published_ms FROM tc_rabbitmq_dead "
    "WHERE grp = ? AND message_id = ?";
static const char *const SQL_DEAD_DONE =
    "DELETE FROM tc_rabbitmq_dead WHERE grp = ? AND message_id = ?";

/* ---- state ----------------------------------------------------------------
 */

/* A message taken and not yet settled. */
typedef struct rq_lease {
  struct rq_lease *next;
  uint64_t tag;      /* delivery tag on channel 1 */
  uint64_t conn_gen; /* of the connection it was delivered on */
  int64_t deadline;  /* adapter clock */
  char receipt[33];
  char id[37];
  char group[129];
} rq_lease;

/* The reason of an immediate nack, kept for the next take in this process
 * (a returned message carries no new headers). */
typedef struct rq_memo {
  char id[37];
  char group[129];
  char reason[256];
} rq_memo;

/* Retry queues declared lately. */
typedef struct rq_retryq {
  struct rq_retryq *next;
  char name[RQ_NAME_MAX];
  int64_t declared_mono;
  uint64_t conn_gen;
} rq_retryq;

/* Group queues known to exist (declared or found on this connection). */
typedef struct rq_known {
  struct rq_known *next;
  char group[129];
  uint64_t conn_gen;
} rq_known;

typedef struct rq {
  tc_queue port;
  tc_store *store;
  const char *sql_pick;
  char *host;
  int port_no;
  char *user, *password, *vhost;
  char prefix[RQ_PREFIX_MAX + 1];
  uint32_t max_attempts;
  uint32_t batch;
  int timeout_ms;
  tc_clock clock;
  tc_random random;

  amqp_connection_state_t conn; /* NULL while down */
  uint64_t conn_gen;
  uint64_t pub_seq; /* publishes on channel 2 since confirm.select */
  bool pub_open;    /* channel 2 is open */
  int64_t retry_at_ms, backoff_ms;
  char errmsg[256];

  rq_lease *leases;
  rq_memo memo[RQ_MEMO];
  unsigned memo_next;
  rq_retryq *retryqs;
  rq_known *known;
} rq;

static int64_t rq_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t rq_now(rq *q) {
  return q->clock.now_ms(q->clock.self);
}

static bool rq_nonempty(const char *s) {
  return s && *s;
}

/* ---- the connection -------------------------------------------------------
 */

static void rq_drop(rq *q, const char *why) {
  if (q->conn) {
    amqp_connection_close(q->conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(q->conn);
    q->conn = NULL;
  }
  q->pub_open = false;
  if (why) snprintf(q->errmsg, sizeof(q->errmsg), "rabbitmq: %s", why);
  q->backoff_ms = q->backoff_ms ? q->backoff_ms * 2 : RQ_BACKOFF_MIN_MS;
  if (q->backoff_ms > RQ_BACKOFF_MAX_MS) q->backoff_ms = RQ_BACKOFF_MAX_MS;
  q->retry_at_ms = rq_mono_ms() + q->backoff_ms;
  /* Leases of the old connection are the broker's again. */
  while (q->leases) {
    rq_lease *l = q->leases;
    q->leases = l->next;
    free(l);
  }
}

static const char *rq_reply_text(amqp_rpc_reply_t r, char *buf, size_t size) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = r.reply.decoded;
        snprintf(buf, size, "channel closed by the broker: %d %.*s",
                 m->reply_code, (int)m->reply_text.len,
                 (const char *)m->reply_text.bytes);
      } else if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        amqp_connection_close_t *m = r.reply.decoded;
        snprintf(buf, size, "connection closed by the broker: %d %.*s",
                 m->reply_code, (int)m->reply_text.len,
                 (const char *)m->reply_text.bytes);
      } else {
        snprintf(buf, size, "broker error (method 0x%08x)",
                 (unsigned)r.reply.id);
      }
      return buf;
  }
  return "unknown reply";
}

static int rq_open_channel(rq *q, amqp_channel_t ch) {
  amqp_channel_open(q->conn, ch);
  amqp_rpc_reply_t r = amqp_get_rpc_reply(q->conn);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    char buf[160];
    rq_drop(q, rq_reply_text(r, buf, sizeof(buf)));
    return TC_EUNAVAILABLE;
  }
  if (ch == RQ_CH_PUB) {
    amqp_confirm_select(q->conn, ch);
    r = amqp_get_rpc_reply(q->conn);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      char buf[160];
      rq_drop(q, rq_reply_text(r, buf, sizeof(buf)));
      return TC_EUNAVAILABLE;
    }
    q->pub_seq = 0;
    q->pub_open = true;
  }
  return TC_OK;
}

static int rq_connect(rq *q) {
  q->conn = amqp_new_connection();
  if (!q->conn) {
    snprintf(q->errmsg, sizeof(q->errmsg), "rabbitmq: out of memory");
    return TC_ENOMEM;
  }
  amqp_socket_t *sock = amqp_tcp_socket_new(q->conn);
  struct timeval tv = {q->timeout_ms / 1000, (q->timeout_ms % 1000) * 1000};
  if (!sock) {
    rq_drop(q, "out of memory for a socket");
    return TC_ENOMEM;
  }
  int st = amqp_socket_open_noblock(sock, q->host, q->port_no, &tv);
  if (st != AMQP_STATUS_OK) {
    char why[200];
    snprintf(why, sizeof(why), "cannot connect to %.64s:%d: %s", q->host,
             q->port_no, amqp_error_string2(st));
    rq_drop(q, why);
    return TC_EUNAVAILABLE;
  }
  amqp_set_rpc_timeout(q->conn, &tv);
  amqp_rpc_reply_t r = amqp_login(q->conn, q->vhost, 0, 131072, 0,
                                  AMQP_SASL_METHOD_PLAIN, q->user, q->password);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    char buf[160], why[200];
    snprintf(why, sizeof(why), "login as %.64s failed: %s", q->user,
             rq_reply_text(r, buf, sizeof(buf)));
    rq_drop(q, why);
    return TC_EUNAVAILABLE;
  }
  q->conn_gen++;
  int rc = rq_open_channel(q, RQ_CH_GET);
  if (!rc) rc = rq_open_channel(q, RQ_CH_PUB);
  if (rc) return rc;
  /* The exchanges every group needs. */
  char name[RQ_NAME_MAX];
  snprintf(name, sizeof(name), "%s.events", q->prefix);
  amqp_exchange_declare(q->conn, RQ_CH_PUB, amqp_cstring_bytes(name),
                        amqp_cstring_bytes("topic"), 0, 1, 0, 0,
                        amqp_empty_table);
  r = amqp_get_rpc_reply(q->conn);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) {
    snprintf(name, sizeof(name), "%s.dead", q->prefix);
    amqp_exchange_declare(q->conn, RQ_CH_PUB, amqp_cstring_bytes(name),
                          amqp_cstring_bytes("direct"), 0, 1, 0, 0,
                          amqp_empty_table);
    r = amqp_get_rpc_reply(q->conn);
  }
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    char buf[160];
    rq_drop(q, rq_reply_text(r, buf, sizeof(buf)));
    return TC_EUNAVAILABLE;
  }
  q->backoff_ms = 0;
  q->retry_at_ms = 0;
  q->errmsg[0] = '\0';
  return TC_OK;
}

/* A connection to use now, connecting when the backoff allows. */
static int rq_ensure(rq *q) {
  if (q->conn) {
    if (q->pub_open) return TC_OK;
    return rq_open_channel(q, RQ_CH_PUB);
  }
  if (rq_mono_ms() < q->retry_at_ms) {
    if (!q->errmsg[0])
      snprintf(q->errmsg, sizeof(q->errmsg), "rabbitmq: not connected");
    return TC_EUNAVAILABLE;
  }
  return rq_connect(q);
}

/* After an RPC on channel ch: TC_OK, or the failure handled (a channel
 * the broker closed is acknowledged; a failed connection is dropped).
 * *not_found tells a 404 from the broker. */
static int rq_check(rq *q, amqp_channel_t ch, bool *not_found) {
  if (not_found) *not_found = false;
  amqp_rpc_reply_t r = amqp_get_rpc_reply(q->conn);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) return TC_OK;
  char buf[160];
  const char *text = rq_reply_text(r, buf, sizeof(buf));
  if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
      r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    amqp_channel_close_t *m = r.reply.decoded;
    if (not_found) *not_found = m->reply_code == AMQP_NOT_FOUND;
    snprintf(q->errmsg, sizeof(q->errmsg), "rabbitmq: %s", text);
    amqp_channel_close_ok_t ok = {0};
    amqp_send_method(q->conn, ch, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    if (ch == RQ_CH_PUB) {
      q->pub_open = false;
      return TC_ESTORAGE;
    }
    /* Channel 1 closed: its deliveries went back; start over. */
    rq_drop(q, text);
    return TC_EUNAVAILABLE;
  }
  rq_drop(q, text);
  return TC_EUNAVAILABLE;
}

/* ---- names and headers ------------------------------------------------------
 */

static void rq_group_queue(const rq *q, const char *group, char *out) {
  snprintf(out, RQ_NAME_MAX, "%s.g.%s", q->prefix, group);
}

static void rq_dead_queue(const rq *q, const char *group, char *out) {
  snprintf(out, RQ_NAME_MAX, "%s.d.%s", q->prefix, group);
}

typedef struct rq_msg_fields {
  const char *id, *topic, *key, *payload, *headers, *last_error;
  int64_t published_ms;
  int64_t attempts;
} rq_msg_fields;

static void rq_entry_text(amqp_table_entry_t *e, const char *key,
                          const char *value) {
  e->key = amqp_cstring_bytes(key);
  e->value.kind = AMQP_FIELD_KIND_UTF8;
  e->value.value.bytes = amqp_cstring_bytes(value);
}

static void rq_entry_int(amqp_table_entry_t *e, const char *key, int64_t v) {
  e->key = amqp_cstring_bytes(key);
  e->value.kind = AMQP_FIELD_KIND_I64;
  e->value.value.i64 = v;
}

/* Publish f on channel 2 (confirm mode); the caller waits for the
 * confirm with rq_wait_confirms(). */
static int rq_send(rq *q, const char *exchange, const char *routing_key,
                   const rq_msg_fields *f, int64_t expiration_ms) {
  amqp_table_entry_t entries[6];
  rq_entry_text(&entries[0], "tc-topic", f->topic);
  rq_entry_text(&entries[1], "tc-key", f->key);
  rq_entry_text(&entries[2], "tc-headers", f->headers);
  rq_entry_int(&entries[3], "tc-published-ms", f->published_ms);
  rq_entry_int(&entries[4], "tc-attempts", f->attempts);
  rq_entry_text(&entries[5], "tc-last-error", f->last_error);
  amqp_basic_properties_t props;
  memset(&props, 0, sizeof(props));
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                 AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_HEADERS_FLAG |
                 AMQP_BASIC_TIMESTAMP_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = 2; /* persistent */
  props.message_id = amqp_cstring_bytes(f->id);
  props.timestamp = (uint64_t)(f->published_ms / 1000);
  props.headers.num_entries = 6;
  props.headers.entries = entries;
  char exp[24];
  if (expiration_ms > 0) {
    snprintf(exp, sizeof(exp), "%" PRId64, expiration_ms);
    props._flags |= AMQP_BASIC_EXPIRATION_FLAG;
    props.expiration = amqp_cstring_bytes(exp);
  }
  int st = amqp_basic_publish(q->conn, RQ_CH_PUB, amqp_cstring_bytes(exchange),
                              amqp_cstring_bytes(routing_key), 0, 0, &props,
                              amqp_cstring_bytes(f->payload));
  if (st != AMQP_STATUS_OK) {
    rq_drop(q, amqp_error_string2(st));
    return TC_EUNAVAILABLE;
  }
  q->pub_seq++;
  return TC_OK;
}

/* Wait until the broker confirmed every publish up to q->pub_seq.
 * TC_EUNAVAILABLE when it nacked one or went away. */
static int rq_wait_confirms(rq *q, uint64_t first_seq) {
  uint64_t confirmed = first_seq - 1;
  int64_t deadline = rq_mono_ms() + q->timeout_ms;
  while (confirmed < q->pub_seq) {
    int64_t left = deadline - rq_mono_ms();
    if (left <= 0) {
      rq_drop(q, "no publisher confirm in time");
      return TC_EUNAVAILABLE;
    }
    struct timeval tv = {(time_t)(left / 1000),
                         (suseconds_t)(left % 1000) * 1000};
    amqp_frame_t frame;
    int st = amqp_simple_wait_frame_noblock(q->conn, &frame, &tv);
    if (st != AMQP_STATUS_OK) {
      rq_drop(q, amqp_error_string2(st));
      return TC_EUNAVAILABLE;
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
      amqp_basic_ack_t *ack = frame.payload.method.decoded;
      if (ack->delivery_tag > confirmed) confirmed = ack->delivery_tag;
      if (!ack->multiple && ack->delivery_tag != confirmed) continue;
    } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
      rq_drop(q, "the broker refused a message (nack)");
      return TC_EUNAVAILABLE;
    } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
      amqp_channel_close_t *m = frame.payload.method.decoded;
      snprintf(q->errmsg, sizeof(q->errmsg),
               "rabbitmq: publishing channel closed: %d %.*s", m->reply_code,
               (int)m->reply_text.len, (const char *)m->reply_text.bytes);
      amqp_channel_close_ok_t ok = {0};
      amqp_send_method(q->conn, RQ_CH_PUB, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
      q->pub_open = false;
      return TC_EUNAVAILABLE;
    } else if (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
      rq_drop(q, "the broker closed the connection");
      return TC_EUNAVAILABLE;
    }
  }
  return TC_OK;
}

static void rq_args_add_text(amqp_table_entry_t *e, size_t *n, const char *k,
                             const char *v) {
  rq_entry_text(&e[*n], k, v);
  (*n)++;
}

static void rq_args_add_int(amqp_table_entry_t *e, size_t *n, const char *k,
                            int64_t v) {
  rq_entry_int(&e[*n], k, v);
  (*n)++;
}

/* Remember that group's queue exists on this connection. */
static void rq_remember_group(rq *q, const char *group) {
  rq_known *k = calloc(1, sizeof(*k));
  if (!k) return; /* only asked again */
  snprintf(k->group, sizeof(k->group), "%s", group);
  k->conn_gen = q->conn_gen;
  k->next = q->known;
  q->known = k;
}

/* Declare group's queue (idempotent). */
static int rq_declare_group(rq *q, const char *group) {
  char name[RQ_NAME_MAX], dlx[RQ_NAME_MAX];
  rq_group_queue(q, group, name);
  snprintf(dlx, sizeof(dlx), "%s.dead", q->prefix);
  amqp_table_entry_t e[4];
  size_t n = 0;
  rq_args_add_text(e, &n, "x-queue-type", "quorum");
  rq_args_add_text(e, &n, "x-dead-letter-exchange", dlx);
  rq_args_add_text(e, &n, "x-dead-letter-routing-key", group);
  /* A quorum queue with a delivery limit returns a message to its head
   * (without one, to its tail), which an immediate retry needs to keep
   * the key's order. The limit itself is a backstop far above any
   * max_attempts: take() dead-letters by the adapter's own count. */
  rq_args_add_int(e, &n, "x-delivery-limit", RQ_DELIVERY_LIMIT);
  amqp_table_t args = {(int)n, e};
  amqp_queue_declare(q->conn, RQ_CH_PUB, amqp_cstring_bytes(name), 0, 1, 0, 0,
                     args);
  int rc = rq_check(q, RQ_CH_PUB, NULL);
  if (rc) return rc;
  /* Its dead letters' queue and route. */
  char dead[RQ_NAME_MAX];
  rq_dead_queue(q, group, dead);
  amqp_table_entry_t de[1];
  size_t dn = 0;
  rq_args_add_text(de, &dn, "x-queue-type", "quorum");
  amqp_table_t dargs = {(int)dn, de};
  amqp_queue_declare(q->conn, RQ_CH_PUB, amqp_cstring_bytes(dead), 0, 1, 0, 0,
                     dargs);
  if ((rc = rq_check(q, RQ_CH_PUB, NULL))) return rc;
  amqp_queue_bind(q->conn, RQ_CH_PUB, amqp_cstring_bytes(dead),
                  amqp_cstring_bytes(dlx), amqp_cstring_bytes(group),
                  amqp_empty_table);
  if ((rc = rq_check(q, RQ_CH_PUB, NULL))) return rc;
  rq_remember_group(q, group);
  return TC_OK;
}

/* Does group's queue exist? Asked once per connection. */
static int rq_group_exists(rq *q, const char *group, bool *exists) {
  for (rq_known *k = q->known; k; k = k->next)
    if (k->conn_gen == q->conn_gen && strcmp(k->group, group) == 0) {
      *exists = true;
      return TC_OK;
    }
  char name[RQ_NAME_MAX];
  rq_group_queue(q, group, name);
  amqp_queue_declare(q->conn, RQ_CH_PUB, amqp_cstring_bytes(name), 1, 0, 0, 0,
                     amqp_empty_table);
  bool not_found = false;
  int rc = rq_check(q, RQ_CH_PUB, &not_found);
  if (not_found) {
    *exists = false;
    return rq_ensure(q); /* reopen the channel the broker closed */
  }
  if (rc) return rc;
  *exists = true;
  rq_remember_group(q, group);
  return TC_OK;
}

/* The retry queue of group for delay_ms, declared when needed. */
static int rq_retry_queue(rq *q, const char *group, int64_t delay_ms,
                          char *name) {
  snprintf(name, RQ_NAME_MAX, "%s.r.%s.%" PRId64, q->prefix, group, delay_ms);
  int64_t now = rq_mono_ms();
  for (rq_retryq *r = q->retryqs; r; r = r->next)
    if (r->conn_gen == q->conn_gen && strcmp(r->name, name) == 0 &&
        now - r->declared_mono < RQ_RETRY_REDECLARE_MS)
      return TC_OK;
  char target[RQ_NAME_MAX];
  rq_group_queue(q, group, target);
  amqp_table_entry_t e[4];
  size_t n = 0;
  rq_args_add_int(e, &n, "x-message-ttl", delay_ms);
  rq_args_add_text(e, &n, "x-dead-letter-exchange", "");
  rq_args_add_text(e, &n, "x-dead-letter-routing-key", target);
  rq_args_add_int(e, &n, "x-expires", delay_ms + RQ_RETRY_EXPIRES_MS);
  amqp_table_t args = {(int)n, e};
  amqp_queue_declare(q->conn, RQ_CH_PUB, amqp_cstring_bytes(name), 0, 1, 0, 0,
                     args);
  int rc = rq_check(q, RQ_CH_PUB, NULL);
  if (rc) return rc;
  rq_retryq *r = NULL;
  for (r = q->retryqs; r; r = r->next)
    if (strcmp(r->name, name) == 0) break;
  if (!r) {
    r = calloc(1, sizeof(*r));
    if (!r) return TC_OK; /* declared; only not remembered */
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->next = q->retryqs;
    q->retryqs = r;
  }
  r->declared_mono = now;
  r->conn_gen = q->conn_gen;
  return TC_OK;
}

/* ---- the port: subscribe and publish ----------------------------------------
 */

/* The port's pattern as an AMQP binding key. */
static int rq_binding(const char *pattern, char *out, size_t size) {
  size_t n = strlen(pattern);
  if (strcmp(pattern, "*") == 0) return snprintf(out, size, "#") < 0;
  if (n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == '.')
    /* "orders.*" is everything under "orders.", however deep, and not
     * "orders" itself: one word, then any. */
    return snprintf(out, size, "%s.#", pattern) < 0;
  return snprintf(out, size, "%s", pattern) < 0;
}

static int rq_subscribe(void *self, const char *group, const char *pattern) {
  rq *q = self;
  if (!rq_nonempty(group) || !rq_nonempty(pattern) || strlen(group) > 128)
    return TC_EINVAL;
  int rc = rq_ensure(q);
  if (rc) return rc;
  if ((rc = rq_declare_group(q, group))) return rc;
  char name[RQ_NAME_MAX], key[RQ_NAME_MAX], ex[RQ_NAME_MAX];
  rq_group_queue(q, group, name);
  snprintf(ex, sizeof(ex), "%s.events", q->prefix);
  rq_binding(pattern, key, sizeof(key));
  amqp_queue_bind(q->conn, RQ_CH_PUB, amqp_cstring_bytes(name),
                  amqp_cstring_bytes(ex), amqp_cstring_bytes(key),
                  amqp_empty_table);
  return rq_check(q, RQ_CH_PUB, NULL);
}

typedef struct rq_row {
  char id[37];
  char *topic, *key, *payload, *headers;
  int64_t published_ms;
} rq_row;

typedef struct rq_rows {
  rq_row *rows;
  size_t n, cap;
  int err;
} rq_rows;

static int rq_rows_cb(const tc_value *cols, size_t ncols, void *payload) {
  rq_rows *rs = payload;
  if (ncols < 6) return TC_ESTORAGE;
  if (rs->n == rs->cap) return TC_STORE_STOP;
  rq_row *r = &rs->rows[rs->n];
  memset(r, 0, sizeof(*r));
  tc__col_copy(r->id, sizeof(r->id), &cols[0]);
  r->topic = strdup(tc__col_text(&cols[1]));
  r->key = strdup(tc__col_text(&cols[2]));
  r->payload = strdup(tc__col_text(&cols[3]));
  r->headers = strdup(tc__col_text(&cols[4]));
  r->published_ms = tc__col_int(&cols[5]);
  rs->n++;
  if (!r->topic || !r->key || !r->payload || !r->headers) return TC_ENOMEM;
  return 0;
}

static void rq_rows_free(rq_rows *rs) {
  for (size_t i = 0; i < rs->n; i++) {
    free(rs->rows[i].topic);
    free(rs->rows[i].key);
    free(rs->rows[i].payload);
    free(rs->rows[i].headers);
  }
  free(rs->rows);
}

static int rq_any_cb(const tc_value *cols, size_t ncols, void *payload) {
  (void)cols;
  (void)ncols;
  *(bool *)payload = true;
  return TC_STORE_STOP;
}

/*
 * One batch of the relay in one store transaction: read rows (skipping
 * those another relay holds), publish them, wait for the broker's confirm
 * of all, delete them, commit. Any failure rolls back: the rows stay and
 * are sent again later (at least once).
 */
static int rq_relay_batch(rq *q, size_t limit, size_t *moved) {
  *moved = 0;
  bool any = false;
  int rc = q->store->exec(q->store->self, SQL_OUTBOX_ANY, NULL, 0, rq_any_cb,
                          &any, NULL);
  if (rc || !any) return rc;
  if ((rc = rq_ensure(q))) return rc;
  rc = q->store->begin(q->store->self, TC_TXN_WRITE);
  if (rc) return TC_ESTATE; /* a transaction of the caller's is open */
  rq_rows rs = {calloc(limit, sizeof(rq_row)), 0, limit, 0};
  if (!rs.rows) {
    q->store->rollback(q->store->self);
    return TC_ENOMEM;
  }
  tc_value p[] = {TC_VAL_INT((int64_t)limit)};
  rc = q->store->exec(q->store->self, q->sql_pick, p, 1, rq_rows_cb, &rs, NULL);
  char ex[RQ_NAME_MAX];
  snprintf(ex, sizeof(ex), "%s.events", q->prefix);
  uint64_t first = q->pub_seq + 1;
  for (size_t i = 0; rc == TC_OK && i < rs.n; i++) {
    rq_row *r = &rs.rows[i];
    rq_msg_fields f = {r->id,      r->topic, r->key,          r->payload,
                       r->headers, "",       r->published_ms, 0};
    rc = rq_send(q, ex, r->topic, &f, 0);
  }
  if (rc == TC_OK && rs.n) rc = rq_wait_confirms(q, first);
  for (size_t i = 0; rc == TC_OK && i < rs.n; i++) {
    tc_value d[] = {TC_VAL_TEXT(rs.rows[i].id)};
    rc =
        q->store->exec(q->store->self, SQL_OUTBOX_DONE, d, 1, NULL, NULL, NULL);
  }
  if (rc == TC_OK) rc = q->store->commit(q->store->self);
  if (rc == TC_OK)
    *moved = rs.n;
  else
    q->store->rollback(q->store->self);
  rq_rows_free(&rs);
  return rc;
}

static int rq_relay(rq *q, size_t max, size_t *moved) {
  size_t total = 0;
  int rc = TC_OK;
  for (;;) {
    size_t want = q->batch;
    if (max && max - total < want) want = max - total;
    if (want == 0) break;
    size_t n = 0;
    rc = rq_relay_batch(q, want, &n);
    total += n;
    if (rc || n < want) break;
  }
  if (moved) *moved = total;
  return rc;
}

static int rq_publish(void *self, const char *topic, const char *key,
                      const char *payload, const char *headers, char *id_out) {
  rq *q = self;
  if (!rq_nonempty(topic) || !payload) return TC_EINVAL;
  char id[TC_ID_STRLEN + 1];
  int64_t now = rq_now(q);
  tc__uuid7(id, now, &q->random);
  tc_value p[] = {TC_VAL_TEXTN(id, strlen(id)),          TC_VAL_TEXT(topic),
                  TC_VAL_TEXT(key ? key : ""),           TC_VAL_TEXT(payload),
                  TC_VAL_TEXT(headers ? headers : "{}"), TC_VAL_INT(now)};
  int rc =
      q->store->exec(q->store->self, SQL_OUTBOX_PUT, p, 6, NULL, NULL, NULL);
  if (rc) return rc;
  if (id_out) memcpy(id_out, id, sizeof(id));
  /* Outside a transaction the row is committed already: send it now.
   * Inside one, begin fails and the relay does nothing; the row leaves
   * with the next relay after the commit. A broker that is down changes
   * nothing for the caller: the row waits in the outbox. */
  size_t moved;
  rq_relay(q, 0, &moved);
  return TC_OK;
}

/* ---- the port: take and settle ----------------------------------------------
 */

static const amqp_field_value_t *rq_header(const amqp_table_t *t,
                                           const char *key) {
  size_t n = strlen(key);
  for (int i = 0; i < t->num_entries; i++) {
    const amqp_table_entry_t *e = &t->entries[i];
    if (e->key.len == n && memcmp(e->key.bytes, key, n) == 0) return &e->value;
  }
  return NULL;
}

static int64_t rq_header_int(const amqp_table_t *t, const char *key) {
  const amqp_field_value_t *v = rq_header(t, key);
  if (!v) return 0;
  switch (v->kind) {
    case AMQP_FIELD_KIND_I8:
      return v->value.i8;
    case AMQP_FIELD_KIND_U8:
      return v->value.u8;
    case AMQP_FIELD_KIND_I16:
      return v->value.i16;
    case AMQP_FIELD_KIND_U16:
      return v->value.u16;
    case AMQP_FIELD_KIND_I32:
      return v->value.i32;
    case AMQP_FIELD_KIND_U32:
      return v->value.u32;
    case AMQP_FIELD_KIND_I64:
      return v->value.i64;
    case AMQP_FIELD_KIND_U64:
      return (int64_t)v->value.u64;
    default:
      return 0;
  }
}

static amqp_bytes_t rq_header_text(const amqp_table_t *t, const char *key) {
  const amqp_field_value_t *v = rq_header(t, key);
  if (v &&
      (v->kind == AMQP_FIELD_KIND_UTF8 || v->kind == AMQP_FIELD_KIND_BYTES))
    return v->value.bytes;
  return amqp_empty_bytes;
}

/* Append bytes + NUL to the block at *pos; returns where it went. */
static const char *rq_put(char **pos, const void *s, size_t n) {
  char *dst = *pos;
  if (n) memcpy(dst, s, n);
  dst[n] = '\0';
  *pos = dst + n + 1;
  return dst;
}

/* A delivered AMQP message as the port's message, in one allocation. */
static tc_queue_message *rq_message_new(const char *group,
                                        const amqp_message_t *m,
                                        const char *last_error_override) {
  const amqp_table_t *h = (m->properties._flags & AMQP_BASIC_HEADERS_FLAG)
                              ? &m->properties.headers
                              : &amqp_empty_table;
  amqp_bytes_t topic = rq_header_text(h, "tc-topic");
  amqp_bytes_t key = rq_header_text(h, "tc-key");
  amqp_bytes_t headers = rq_header_text(h, "tc-headers");
  amqp_bytes_t err = rq_header_text(h, "tc-last-error");
  amqp_bytes_t id = (m->properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
                        ? m->properties.message_id
                        : amqp_empty_bytes;
  size_t elen = last_error_override ? strlen(last_error_override) : err.len;
  size_t glen = strlen(group);
  size_t hlen = headers.len ? headers.len : 2;
  size_t total = sizeof(tc_queue_message) + glen + topic.len + key.len +
                 m->body.len + hlen + elen + 33 + 7;
  tc_queue_message *msg = malloc(total);
  if (!msg) return NULL;
  memset(msg, 0, sizeof(*msg));
  char *pos = (char *)(msg + 1);
  size_t idn = id.len < sizeof(msg->id) ? id.len : sizeof(msg->id) - 1;
  memcpy(msg->id, id.bytes ? id.bytes : "", idn);
  msg->id[idn] = '\0';
  msg->group = rq_put(&pos, group, glen);
  msg->topic = rq_put(&pos, topic.bytes, topic.len);
  msg->key = rq_put(&pos, key.bytes, key.len);
  msg->payload = rq_put(&pos, m->body.bytes, m->body.len);
  msg->headers = headers.len ? rq_put(&pos, headers.bytes, headers.len)
                             : rq_put(&pos, "{}", 2);
  msg->last_error = last_error_override
                        ? rq_put(&pos, last_error_override, elen)
                        : rq_put(&pos, err.bytes, err.len);
  msg->receipt = rq_put(&pos, "", 0); /* room for 32 hex digits */
  msg->published_ms = rq_header_int(h, "tc-published-ms");
  return msg;
}

static rq_lease **rq_lease_find(rq *q, const tc_queue_message *msg) {
  for (rq_lease **pp = &q->leases; *pp; pp = &(*pp)->next)
    if (strcmp((*pp)->receipt, msg->receipt) == 0) return pp;
  return NULL;
}

/* Return leases of group whose time is up (by the adapter's clock). */
static int rq_expire_leases(rq *q, const char *group) {
  int64_t now = rq_now(q);
  for (rq_lease **pp = &q->leases; *pp;) {
    rq_lease *l = *pp;
    if (strcmp(l->group, group) == 0 && l->deadline <= now) {
      *pp = l->next;
      int st = l->conn_gen == q->conn_gen && q->conn
                   ? amqp_basic_reject(q->conn, RQ_CH_GET, l->tag, 1)
                   : AMQP_STATUS_OK;
      free(l);
      if (st != AMQP_STATUS_OK) {
        rq_drop(q, amqp_error_string2(st));
        return TC_EUNAVAILABLE;
      }
    } else {
      pp = &l->next;
    }
  }
  return TC_OK;
}

static const char *rq_memo_take(rq *q, const char *group, const char *id) {
  for (unsigned i = 0; i < RQ_MEMO; i++) {
    rq_memo *m = &q->memo[i];
    if (m->id[0] && strcmp(m->id, id) == 0 && strcmp(m->group, group) == 0)
      return m->reason;
  }
  return NULL;
}

static void rq_memo_put(rq *q, const char *group, const char *id,
                        const char *reason) {
  for (unsigned i = 0; i < RQ_MEMO; i++) {
    rq_memo *m = &q->memo[i];
    if (strcmp(m->id, id) == 0 && strcmp(m->group, group) == 0) {
      snprintf(m->reason, sizeof(m->reason), "%.255s", reason);
      return;
    }
  }
  rq_memo *m = &q->memo[q->memo_next++ % RQ_MEMO];
  snprintf(m->id, sizeof(m->id), "%s", id);
  snprintf(m->group, sizeof(m->group), "%s", group);
  snprintf(m->reason, sizeof(m->reason), "%.255s", reason);
}

static void rq_hex(rq *q, char *out) {
  static const char digits[] = "0123456789abcdef";
  unsigned char raw[16];
  q->random.fill(q->random.self, raw, sizeof(raw));
  for (size_t i = 0; i < sizeof(raw); i++) {
    out[2 * i] = digits[raw[i] >> 4];
    out[2 * i + 1] = digits[raw[i] & 0xFu];
  }
  out[32] = '\0';
}

/* Send msg's copy to the dead-letter exchange, then settle the delivery. */
static int rq_bury(rq *q, const tc_queue_message *msg, uint64_t tag,
                   uint32_t attempts, const char *reason) {
  char dlx[RQ_NAME_MAX];
  snprintf(dlx, sizeof(dlx), "%s.dead", q->prefix);
  rq_msg_fields f = {msg->id,           msg->topic,       msg->key,
                     msg->payload,      msg->headers,     reason,
                     msg->published_ms, (int64_t)attempts};
  uint64_t first = q->pub_seq + 1;
  int rc = rq_send(q, dlx, msg->group, &f, 0);
  if (!rc) rc = rq_wait_confirms(q, first);
  if (rc) return rc;
  int st = amqp_basic_ack(q->conn, RQ_CH_GET, tag, 0);
  if (st != AMQP_STATUS_OK) {
    rq_drop(q, amqp_error_string2(st));
    return TC_EUNAVAILABLE;
  }
  return TC_OK;
}

static int rq_take(void *self, const char *group, int64_t visibility_ms,
                   tc_queue_message **out) {
  rq *q = self;
  if (!out) return TC_EINVAL;
  *out = NULL;
  if (!rq_nonempty(group) || visibility_ms <= 0 || strlen(group) > 128)
    return TC_EINVAL;
  size_t moved;
  int rc = rq_relay(q, 0, &moved);
  if (rc == TC_ESTATE) return rc; /* called inside a transaction */
  if ((rc = rq_ensure(q))) return rc;
  if ((rc = rq_expire_leases(q, group))) return rc;
  bool exists = false;
  if ((rc = rq_group_exists(q, group, &exists))) return rc;
  if (!exists) return TC_EEMPTY;
  char name[RQ_NAME_MAX];
  rq_group_queue(q, group, name);
  for (int guard = 0; guard < 1000; guard++) {
    amqp_rpc_reply_t r =
        amqp_basic_get(q->conn, RQ_CH_GET, amqp_cstring_bytes(name), 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      char buf[160];
      rq_drop(q, rq_reply_text(r, buf, sizeof(buf)));
      return TC_EUNAVAILABLE;
    }
    if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return TC_EEMPTY;
    amqp_basic_get_ok_t *ok = r.reply.decoded;
    uint64_t tag = ok->delivery_tag;
    amqp_message_t m;
    r = amqp_read_message(q->conn, RQ_CH_GET, &m, 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      char buf[160];
      rq_drop(q, rq_reply_text(r, buf, sizeof(buf)));
      return TC_EUNAVAILABLE;
    }
    const amqp_table_t *h = (m.properties._flags & AMQP_BASIC_HEADERS_FLAG)
                                ? &m.properties.headers
                                : &amqp_empty_table;
    /* takes of earlier generations + returns of this one + this take */
    int64_t returned = rq_header_int(h, "x-delivery-count");
    int64_t attempts = rq_header_int(h, "tc-attempts") + returned + 1;
    char idbuf[37] = "";
    if (m.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) {
      size_t n =
          m.properties.message_id.len < 36 ? m.properties.message_id.len : 36;
      memcpy(idbuf, m.properties.message_id.bytes, n);
      idbuf[n] = '\0';
    }
    const char *memo = returned ? rq_memo_take(q, group, idbuf) : NULL;
    tc_queue_message *msg = rq_message_new(group, &m, memo);
    amqp_destroy_message(&m);
    if (!msg) {
      amqp_basic_reject(q->conn, RQ_CH_GET, tag, 1);
      return TC_ENOMEM;
    }
    if (attempts > (int64_t)q->max_attempts) {
      /* Its leases ran out (or its takers died) too often. */
      char reason[64];
      snprintf(reason, sizeof(reason), "lease expired after %lld attempts",
               (long long)(attempts - 1));
      rc = rq_bury(q, msg, tag, (uint32_t)(attempts - 1), reason);
      free(msg);
      if (rc) return rc;
      continue;
    }
    rq_lease *l = calloc(1, sizeof(*l));
    if (!l) {
      free(msg);
      amqp_basic_reject(q->conn, RQ_CH_GET, tag, 1);
      return TC_ENOMEM;
    }
    l->tag = tag;
    l->conn_gen = q->conn_gen;
    int64_t now = rq_now(q);
    l->deadline =
        visibility_ms > INT64_MAX - now ? INT64_MAX : now + visibility_ms;
    rq_hex(q, l->receipt);
    snprintf(l->id, sizeof(l->id), "%s", msg->id);
    snprintf(l->group, sizeof(l->group), "%s", group);
    l->next = q->leases;
    q->leases = l;
    memcpy((char *)msg->receipt, l->receipt, 33);
    msg->attempts = (uint32_t)attempts;
    *out = msg;
    amqp_maybe_release_buffers(q->conn);
    return TC_OK;
  }
  return TC_EBUSY;
}

/* The live lease of msg, or NULL (TC_ESTATE for the caller) when it ran
 * out and was returned, or its connection is gone. */
static rq_lease *rq_lease_of(rq *q, tc_queue_message *msg) {
  rq_lease **pp = rq_lease_find(q, msg);
  if (!pp) return NULL;
  rq_lease *l = *pp;
  if (l->conn_gen != q->conn_gen || !q->conn) {
    *pp = l->next;
    free(l);
    return NULL;
  }
  *pp = l->next; /* the caller settles it now */
  return l;
}

static int rq_ack(void *self, tc_queue_message *msg) {
  rq *q = self;
  if (!msg) return TC_EINVAL;
  rq_lease *l = rq_lease_of(q, msg);
  free(msg);
  if (!l) return TC_ESTATE;
  int st = amqp_basic_ack(q->conn, RQ_CH_GET, l->tag, 0);
  free(l);
  if (st != AMQP_STATUS_OK) {
    rq_drop(q, amqp_error_string2(st));
    return TC_EUNAVAILABLE;
  }
  return TC_OK;
}

/* Cut a reason to RQ_MAX_REASON bytes without splitting a UTF-8 sequence. */
static void rq_reason(char *dst, const char *reason) {
  size_t n = strlen(reason);
  if (n > RQ_MAX_REASON) {
    n = RQ_MAX_REASON;
    while (n > 0 && ((unsigned char)reason[n] & 0xC0u) == 0x80u) n--;
  }
  memcpy(dst, reason, n);
  dst[n] = '\0';
}

static int rq_nack(void *self, tc_queue_message *msg, int64_t delay_ms,
                   const char *reason) {
  rq *q = self;
  if (!msg) return TC_EINVAL;
  char why[RQ_MAX_REASON + 1];
  rq_reason(why, reason ? reason : "");
  rq_lease *l = rq_lease_of(q, msg);
  if (!l) {
    free(msg);
    return TC_ESTATE;
  }
  int rc = TC_OK;
  if (msg->attempts >= q->max_attempts) {
    rc = rq_bury(q, msg, l->tag, msg->attempts, why);
  } else if (delay_ms <= 0) {
    /* Back to the head of the queue: taken again before younger ones. */
    rq_memo_put(q, msg->group, msg->id, why);
    int st = amqp_basic_reject(q->conn, RQ_CH_GET, l->tag, 1);
    if (st != AMQP_STATUS_OK) {
      rq_drop(q, amqp_error_string2(st));
      rc = TC_EUNAVAILABLE;
    }
  } else {
    /* A new generation through the retry queue; this one is done. */
    char rq_name[RQ_NAME_MAX];
    rc = rq_retry_queue(q, msg->group, delay_ms, rq_name);
    if (!rc) {
      rq_msg_fields f = {
          msg->id,      msg->topic, msg->key,          msg->payload,
          msg->headers, why,        msg->published_ms, (int64_t)msg->attempts};
      uint64_t first = q->pub_seq + 1;
      rc = rq_send(q, "", rq_name, &f, 0);
      if (!rc) rc = rq_wait_confirms(q, first);
    }
    if (!rc) {
      int st = amqp_basic_ack(q->conn, RQ_CH_GET, l->tag, 0);
      if (st != AMQP_STATUS_OK) {
        rq_drop(q, amqp_error_string2(st));
        rc = TC_EUNAVAILABLE;
      }
    }
  }
  free(l);
  free(msg);
  return rc;
}

static void rq_release(void *self, tc_queue_message *msg) {
  (void)self;
  /* The lease stays: the message comes back when it runs out. */
  free(msg);
}

/* ---- dead letters -----------------------------------------------------------
 */

/* Move what is in group's dead-letter queue into the store's table. */
static int rq_archive_dead(rq *q, const char *group) {
  int rc = rq_ensure(q);
  if (rc) return rc == TC_EUNAVAILABLE ? TC_OK : rc; /* list what we have */
  char name[RQ_NAME_MAX];
  rq_dead_queue(q, group, name);
  for (int guard = 0; guard < 100000; guard++) {
    amqp_rpc_reply_t r =
        amqp_basic_get(q->conn, RQ_CH_PUB, amqp_cstring_bytes(name), 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      bool not_found = r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
                       r.reply.id == AMQP_CHANNEL_CLOSE_METHOD &&
                       ((amqp_channel_close_t *)r.reply.decoded)->reply_code ==
                           AMQP_NOT_FOUND;
      if (not_found) {
        amqp_channel_close_ok_t ok = {0};
        amqp_send_method(q->conn, RQ_CH_PUB, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        q->pub_open = false;
        rq_ensure(q);
        return TC_OK; /* never had any */
      }
      char buf[160];
      rq_drop(q, rq_reply_text(r, buf, sizeof(buf)));
      return TC_OK;
    }
    if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return TC_OK;
    uint64_t tag = ((amqp_basic_get_ok_t *)r.reply.decoded)->delivery_tag;
    amqp_message_t m;
    r = amqp_read_message(q->conn, RQ_CH_PUB, &m, 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      char buf[160];
      rq_drop(q, rq_reply_text(r, buf, sizeof(buf)));
      return TC_OK;
    }
    tc_queue_message *msg = rq_message_new(group, &m, NULL);
    const amqp_table_t *h = (m.properties._flags & AMQP_BASIC_HEADERS_FLAG)
                                ? &m.properties.headers
                                : &amqp_empty_table;
    int64_t attempts = rq_header_int(h, "tc-attempts");
    amqp_destroy_message(&m);
    if (!msg) return TC_ENOMEM;
    tc_value p[] = {TC_VAL_TEXT(group),           TC_VAL_TEXT(msg->id),
                    TC_VAL_TEXT(msg->topic),      TC_VAL_TEXT(msg->key),
                    TC_VAL_TEXT(msg->payload),    TC_VAL_TEXT(msg->headers),
                    TC_VAL_INT(attempts),         TC_VAL_TEXT(msg->last_error),
                    TC_VAL_INT(msg->published_ms)};
    rc = q->store->exec(q->store->self, SQL_DEAD_PUT, p, 9, NULL, NULL, NULL);
    free(msg);
    if (rc) {
      amqp_basic_reject(q->conn, RQ_CH_PUB, tag, 1);
      return rc;
    }
    /* Stored first, then acked: a crash in between stores it twice, which
     * the primary key makes once. */
    int st = amqp_basic_ack(q->conn, RQ_CH_PUB, tag, 0);
    if (st != AMQP_STATUS_OK) {
      rq_drop(q, amqp_error_string2(st));
      return TC_OK;
    }
  }
  return TC_OK;
}

static int rq_dead_list(void *self, const char *group, const char *after_id,
                        size_t limit, tc_queue_dead_cb cb, void *payload) {
  rq *q = self;
  if (!rq_nonempty(group) || !cb) return TC_EINVAL;
  if (limit == 0) return TC_OK;
  if (limit > (size_t)INT64_MAX) limit = (size_t)INT64_MAX;
  int rc = rq_archive_dead(q, group);
  if (rc) return rc;
  tc__dead_list l = {group, cb, payload};
  tc_value p[] = {TC_VAL_TEXT(group), TC_VAL_TEXT(after_id ? after_id : ""),
                  TC_VAL_INT((int64_t)limit)};
  return q->store->exec(q->store->self, SQL_DEAD_LIST, p, 3, tc__dead_row_cb,
                        &l, NULL);
}

typedef struct rq_dead_row {
  bool found;
  rq_row row;
  char *last_error;
} rq_dead_row;

static int rq_dead_one_cb(const tc_value *cols, size_t ncols, void *payload) {
  rq_dead_row *d = payload;
  if (ncols < TC__DEAD_COUNT) return TC_ESTORAGE;
  d->found = true;
  tc__col_copy(d->row.id, sizeof(d->row.id), &cols[TC__DEAD_ID]);
  d->row.topic = strdup(tc__col_text(&cols[TC__DEAD_TOPIC]));
  d->row.key = strdup(tc__col_text(&cols[TC__DEAD_KEY]));
  d->row.payload = strdup(tc__col_text(&cols[TC__DEAD_PAYLOAD]));
  d->row.headers = strdup(tc__col_text(&cols[TC__DEAD_HEADERS]));
  d->last_error = strdup(tc__col_text(&cols[TC__DEAD_LAST_ERROR]));
  d->row.published_ms = tc__col_int(&cols[TC__DEAD_PUBLISHED]);
  if (!d->row.topic || !d->row.key || !d->row.payload || !d->row.headers ||
      !d->last_error)
    return TC_ENOMEM;
  return TC_STORE_STOP;
}

static int rq_dead_replay(void *self, const char *group,
                          const char *message_id) {
  rq *q = self;
  if (!rq_nonempty(group) || !rq_nonempty(message_id)) return TC_EINVAL;
  int rc = rq_archive_dead(q, group);
  if (rc) return rc;
  rq_dead_row d;
  memset(&d, 0, sizeof(d));
  tc_value p[] = {TC_VAL_TEXT(group), TC_VAL_TEXT(message_id)};
  rc = q->store->exec(q->store->self, SQL_DEAD_ONE, p, 2, rq_dead_one_cb, &d,
                      NULL);
  if (rc == TC_OK && !d.found) rc = TC_ENOTFOUND;
  if (rc == TC_OK) rc = rq_ensure(q);
  if (rc == TC_OK) {
    /* Straight into the group's queue, a fresh set of attempts. */
    char target[RQ_NAME_MAX];
    rq_group_queue(q, group, target);
    rq_msg_fields f = {
        d.row.id,      d.row.topic,  d.row.key,          d.row.payload,
        d.row.headers, d.last_error, d.row.published_ms, 0};
    uint64_t first = q->pub_seq + 1;
    rc = rq_send(q, "", target, &f, 0);
    if (!rc) rc = rq_wait_confirms(q, first);
    /* Sent, then forgotten here: a crash in between replays it twice. */
    if (!rc)
      rc =
          q->store->exec(q->store->self, SQL_DEAD_DONE, p, 2, NULL, NULL, NULL);
  }
  free(d.row.topic);
  free(d.row.key);
  free(d.row.payload);
  free(d.row.headers);
  free(d.last_error);
  return rc;
}

/* ---- lifetime
 * -----------------------------------------------------------------
 */

static void rq_free(void *self) {
  rq *q = self;
  if (!q) return;
  q->backoff_ms = 0;
  rq_drop(q, NULL);
  while (q->retryqs) {
    rq_retryq *r = q->retryqs;
    q->retryqs = r->next;
    free(r);
  }
  while (q->known) {
    rq_known *k = q->known;
    q->known = k->next;
    free(k);
  }
  if (q->password) {
    memset(q->password, 0, strlen(q->password));
    free(q->password);
  }
  free(q->host);
  free(q->user);
  free(q->vhost);
  free(q);
  tc_shutdown();
}

int tc_queue_rabbitmq_relay(tc_queue *queue, size_t max, size_t *moved) {
  if (moved) *moved = 0;
  if (!queue || queue->free != rq_free) return TC_EINVAL;
  return rq_relay(queue->self, max, moved);
}

int tc_queue_rabbitmq_connected(tc_queue *queue) {
  if (!queue || queue->free != rq_free) return 0;
  return ((rq *)queue->self)->conn != NULL;
}

static bool rq_prefix_ok(const char *p) {
  size_t n = strlen(p);
  if (n == 0 || n > RQ_PREFIX_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return false;
  }
  return true;
}

static int rq_parse(rq *q, const char *url) {
  char *copy = strdup(url);
  if (!copy) return TC_ENOMEM;
  struct amqp_connection_info info;
  int rc = TC_OK;
  if (amqp_parse_url(copy, &info) != AMQP_STATUS_OK) {
    rc = TC_EINVAL;
  } else if (info.ssl) {
    rc = TC_EUNSUPPORTED;
  } else {
    q->host = strdup(info.host);
    q->user = strdup(info.user);
    q->password = strdup(info.password);
    q->vhost = strdup(info.vhost && *info.vhost ? info.vhost : "/");
    q->port_no = info.port;
    if (!q->host || !q->user || !q->password || !q->vhost) rc = TC_ENOMEM;
  }
  memset(copy, 0, strlen(url));
  free(copy);
  return rc;
}

int tc_queue_rabbitmq_new(tc_queue **out, const char *url, tc_store *store,
                          const tc_rabbitmq_options *opts) {
  if (out) *out = NULL;
  if (!out || !url || !store)
    return tc__set_thread_error(TC_EINVAL, "tc_queue_rabbitmq_new: %s is NULL",
                                !out   ? "out"
                                : !url ? "url"
                                       : "store");
  if (!store->exec || !store->begin || !store->commit || !store->rollback)
    return tc__set_thread_error(TC_EINVAL, "store is incomplete");
  if (opts && opts->version < 1)
    return tc__set_thread_error(TC_EINVAL,
                                "tc_rabbitmq_options.version is %u, expected "
                                "%d",
                                (unsigned)opts->version,
                                TC_RABBITMQ_OPTIONS_VERSION);
  tc_rabbitmq_options o = TC_RABBITMQ_OPTIONS_INIT;
  if (opts) o = *opts;
  const char *prefix = o.prefix ? o.prefix : "tc";
  if (!rq_prefix_ok(prefix))
    return tc__set_thread_error(TC_EINVAL,
                                "tc_rabbitmq_options.prefix must be 1 to %d "
                                "bytes of A-Z a-z 0-9 _ . -",
                                RQ_PREFIX_MAX);
  if (o.clock && (o.clock->version < 1 || !o.clock->now_ms))
    return tc__set_thread_error(TC_EINVAL, "clock is incomplete");
  if (o.random && (o.random->version < 1 || !o.random->fill))
    return tc__set_thread_error(TC_EINVAL, "random source is incomplete");
  if (tc_init() != TC_OK)
    return tc__set_thread_error(TC_ERROR, "library initialisation failed");
  rq *q = calloc(1, sizeof(*q));
  if (!q) {
    tc_shutdown();
    return tc__set_thread_error(TC_ENOMEM, "out of memory");
  }
  int rc = rq_parse(q, url);
  if (rc) {
    rq_free(q);
    return tc__set_thread_error(
        rc, rc == TC_EINVAL         ? "rabbitmq url must look like "
                                      "amqp://user:password@host:port/vhost"
            : rc == TC_EUNSUPPORTED ? "amqps:// (TLS) is not supported by "
                                      "this build"
                                    : "out of memory");
  }
  const tc__schema_module *mods[] = {&rq_schema};
  rc = tc__migrate_modules(store, o.clock, mods, 1);
  if (rc) {
    rq_free(q);
    return rc; /* the runner set the thread's message */
  }
  q->store = store;
  q->sql_pick = store->dialect && strcmp(store->dialect, "postgres") == 0
                    ? SQL_OUTBOX_PICK_PG
                    : SQL_OUTBOX_PICK;
  snprintf(q->prefix, sizeof(q->prefix), "%s", prefix);
  q->max_attempts = o.max_attempts ? o.max_attempts : RQ_DEFAULT_MAX_ATTEMPTS;
  q->batch = o.relay_batch ? o.relay_batch : RQ_DEFAULT_BATCH;
  q->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : RQ_DEFAULT_TIMEOUT_MS;
  q->clock = o.clock ? *o.clock : tc__system_clock;
  q->random = o.random ? *o.random : tc__sodium_random;
  /* A broker that is not there yet is fine: the outbox waits for it. */
  rq_connect(q);
  q->port.version = TC_QUEUE_VERSION;
  q->port.self = q;
  q->port.subscribe = rq_subscribe;
  q->port.publish = rq_publish;
  q->port.take = rq_take;
  q->port.ack = rq_ack;
  q->port.nack = rq_nack;
  q->port.release = rq_release;
  q->port.dead_list = rq_dead_list;
  q->port.dead_replay = rq_dead_replay;
  q->port.free = rq_free;
  *out = &q->port;
  return TC_OK;
}
