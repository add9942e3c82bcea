/*
 * lib/adapters/postgres/pg_store.c - the PostgreSQL store: one libpq
 * connection behind the tc_store port (techcorp/postgres.h says what it
 * promises).
 *
 * The hot path of exec: hash the text, find its cache entry (placeholders
 * already translated, statement already prepared on this connection), send
 * Bind/Execute with the values in text format (bytea in binary), read the
 * result, call the row callback per row. Inside a transaction the
 * statement is sent in one pipeline with a SAVEPOINT before it and a
 * RELEASE after it, so that a failure costs only that statement (ROLLBACK
 * TO the savepoint, one more round trip, only on failure), as the port
 * requires.
 *
 * Values are read back in text format and converted by column type:
 * integers and booleans as TC_VALUE_INT, floats as TC_VALUE_REAL, numeric
 * as an integer when it has no fraction (SQLite's sum() of integers is an
 * integer; PostgreSQL's sum(bigint) is numeric), bytea as TC_VALUE_BLOB,
 * everything else as text.
 *
 * Parameter types are left to the server to infer from where each `?`
 * stands (so an integer column gets int4, a text one text). Where it
 * cannot ("SELECT ?", "? IS NULL"), preparing fails with 42P18 and the
 * statement is prepared again with the types of the values given
 * (int8, float8, text, bytea).
 *
 * The whole result of a statement is read before the first row callback
 * runs, so a callback may run other statements on the same store.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "core/internal.h"
#include "adapters/common/text_lru.h"
#include "pg_internal.h"
#include "techcorp/postgres.h"

#define PG_DEFAULT_CACHE 256
#define PG_DEFAULT_LOCK_MS 5000
#define PG_DEFAULT_CONNECT_S 10
#define PG_DEFAULT_BUSY_RETRIES 3
#define PG_ERRMSG_SIZE 768
#define PG_STACK_COLS 32
#define PG_MAX_PARAMS 65535
#define PG_BACKOFF_MIN_MS 100
#define PG_BACKOFF_MAX_MS 5000

/* Type OIDs from the server's catalog (pg_type.dat); fixed forever. */
enum {
  PG_BOOLOID = 16,
  PG_BYTEAOID = 17,
  PG_INT8OID = 20,
  PG_INT2OID = 21,
  PG_INT4OID = 23,
  PG_TEXTOID = 25,
  PG_OIDOID = 26,
  PG_FLOAT4OID = 700,
  PG_FLOAT8OID = 701,
  PG_NUMERICOID = 1700,
};

typedef struct pg_entry {
  tc__lru_node node; /* first: the key is the library's text */
  char *pg_sql;      /* with $n placeholders */
  size_t nparams;
  bool several; /* a script: run with the simple protocol, never prepared */
  char name[24];
  uint64_t prepared_gen; /* connection generation it is prepared on; 0: not */
  Oid *types;            /* explicit parameter types, NULL: inferred */
  Oid *inferred;         /* the types the server settled on */
} pg_entry;

typedef struct pg_store {
  tc_store port;
  PGconn *conn;
  char *conninfo;
  uint64_t gen; /* bumped by every (re)connection */
  uint64_t next_name;
  tc__lru cache; /* of pg_entry */
  tc_pg_options opts;
  int64_t retry_at_ms; /* no reconnection attempt before this */
  int64_t backoff_ms;
  char errmsg[PG_ERRMSG_SIZE];
} pg_store;

/* ---- time ----------------------------------------------------------------
 * Backoff is about the network, not about the library's clock: monotonic
 * time. */
static int64_t pg_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pg_sleep_ms(int64_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

/* ---- errors ---------------------------------------------------------------
 */

static int pg_map_sqlstate(const char *st) {
  if (!st || strlen(st) != 5) return TC_ESTORAGE;
  if (strcmp(st, "23505") == 0) return TC_ECONFLICT;
  if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 ||
      strcmp(st, "55P03") == 0 || strcmp(st, "57014") == 0)
    return TC_EBUSY;
  if (strcmp(st, "25006") == 0) return TC_EREADONLY;
  if (strcmp(st, "53100") == 0) return TC_EFULL;
  if (strcmp(st, "53200") == 0) return TC_ENOMEM;
  if (strcmp(st, "53300") == 0) return TC_EUNAVAILABLE;
  if (strncmp(st, "XX00", 4) == 0 && (st[4] == '1' || st[4] == '2'))
    return TC_ECORRUPT;
  if (strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 ||
      strcmp(st, "57P02") == 0 || strcmp(st, "57P03") == 0)
    return TC_EUNAVAILABLE;
  if (strncmp(st, "28", 2) == 0) return TC_EDENIED;
  return TC_ESTORAGE;
}

/* The first line of sql, shortened, so a message says which statement. */
static void pg_excerpt(char *dst, size_t size, const char *sql) {
  size_t n = 0;
  while (sql && (*sql == ' ' || *sql == '\n' || *sql == '\t')) sql++;
  if (!sql) sql = "";
  while (sql[n] && sql[n] != '\n' && n + 4 < size) n++;
  memcpy(dst, sql, n);
  if (sql[n] && sql[n] != '\n')
    memcpy(dst + n, "...", 4);
  else
    dst[n] = '\0';
}

/* One line from libpq's multi-line messages. */
static void pg_one_line(char *dst, size_t size, const char *msg) {
  size_t n = 0;
  if (!msg) msg = "";
  while (msg[n] && n + 1 < size) {
    dst[n] = msg[n] == '\n' || msg[n] == '\r' ? ' ' : msg[n];
    n++;
  }
  while (n > 0 && dst[n - 1] == ' ') n--;
  dst[n] = '\0';
}

static bool pg_connection_lost(pg_store *s) {
  return !s->conn || PQstatus(s->conn) != CONNECTION_OK;
}

/* Record the error of res (or of the connection when res has none) for
 * the statement sql; returns the mapped code. */
static int pg_fail_result(pg_store *s, const PGresult *res, const char *sql) {
  char what[72], line[512];
  pg_excerpt(what, sizeof(what), sql);
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  const char *primary =
      res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  int code;
  if (state) {
    code = pg_map_sqlstate(state);
    pg_one_line(line, sizeof(line),
                primary ? primary : PQresultErrorMessage(res));
    snprintf(s->errmsg, sizeof(s->errmsg),
             "postgres: %s (SQLSTATE %s) in \"%s\"", line, state, what);
  } else {
    /* No SQLSTATE: libpq's own failure, mostly a lost connection. */
    code = pg_connection_lost(s) ? TC_EUNAVAILABLE : TC_ESTORAGE;
    pg_one_line(line, sizeof(line),
                res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res)
                : s->conn                         ? PQerrorMessage(s->conn)
                                                  : "no connection");
    snprintf(s->errmsg, sizeof(s->errmsg), "postgres: %s in \"%s\"",
             *line ? line : "connection lost", what);
  }
  if (code == TC_ESTORAGE && pg_connection_lost(s)) code = TC_EUNAVAILABLE;
  return code;
}

static int pg_misuse(pg_store *s, int code, const char *msg, const char *sql) {
  char what[72];
  pg_excerpt(what, sizeof(what), sql);
  snprintf(s->errmsg, sizeof(s->errmsg), "%s in \"%s\"", msg, what);
  return code;
}

/* ---- connection -----------------------------------------------------------
 */

static int pg_simple(pg_store *s, const char *sql);

/* Settings every connection gets, in one round trip. */
static int pg_configure(pg_store *s) {
  char sql[256];
  int lock_ms = s->opts.lock_timeout_ms;
  snprintf(sql, sizeof(sql),
           "SET lock_timeout = %d; SET statement_timeout = %d; "
           "SET client_encoding = 'UTF8'",
           lock_ms < 0 ? 0 : lock_ms,
           s->opts.statement_timeout_ms > 0 ? s->opts.statement_timeout_ms : 0);
  return pg_simple(s, sql);
}

/* Server notices (NOTICE: drop cascades to...) are not the host's
 * business and must not reach stderr. */
static void pg_quiet(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

static int pg_open_conn(pg_store *s, bool first) {
  char timeout[16];
  snprintf(timeout, sizeof(timeout), "%d", s->opts.connect_timeout_s);
  /* Earlier entries are defaults: what the connection string says (it is
   * expanded in the place of dbname) comes later and wins. */
  const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
  const char *vals[] = {timeout, "libtechcorp", s->conninfo, NULL};
  if (s->conn) PQfinish(s->conn);
  s->conn = PQconnectdbParams(keys, vals, 1);
  if (!s->conn) {
    snprintf(s->errmsg, sizeof(s->errmsg),
             "postgres: out of memory connecting");
    return TC_ENOMEM;
  }
  if (PQstatus(s->conn) != CONNECTION_OK) {
    char line[512];
    pg_one_line(line, sizeof(line), PQerrorMessage(s->conn));
    int code = TC_EUNAVAILABLE;
    if (strstr(line, "password authentication failed") ||
        strstr(line, "no password supplied") ||
        strstr(line, "authentication failed") ||
        PQconnectionNeedsPassword(s->conn))
      code = TC_EDENIED;
    else if (first &&
             (strstr(line, "invalid connection option") ||
              strstr(line, "missing \"=\"") || strstr(line, "invalid URI") ||
              strstr(line, "invalid percent-encoded")))
      code = TC_EINVAL;
    snprintf(s->errmsg, sizeof(s->errmsg), "postgres: cannot connect: %s",
             *line ? line : "unknown error");
    return code;
  }
  PQsetNoticeProcessor(s->conn, pg_quiet, NULL);
  s->gen++;
  int rc = pg_configure(s);
  if (rc) return rc;
  s->backoff_ms = 0;
  s->retry_at_ms = 0;
  return TC_OK;
}

/*
 * A backend terminated while we were idle (pg_terminate_backend, a server
 * restart) has sent its last words and closed the socket; reading them
 * now shows the connection is gone before a statement is lost to it.
 */
static void pg_check_idle(pg_store *s) {
  /* The farewell message is one read, the end of the stream the next. */
  for (int i = 0; i < 4; i++) {
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) return;
    struct pollfd pfd = {PQsocket(s->conn), POLLIN, 0};
    if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0) return;
    if (!PQconsumeInput(s->conn)) return; /* status is now CONNECTION_BAD */
    PGnotify *n;
    while ((n = PQnotifies(s->conn)) != NULL) PQfreemem(n);
  }
}

/* Make sure there is a working connection, outside a transaction only (a
 * transaction does not survive its connection). */
static int pg_ensure(pg_store *s) {
  pg_check_idle(s);
  if (!pg_connection_lost(s)) return TC_OK;
  int64_t now = pg_mono_ms();
  if (s->retry_at_ms && now < s->retry_at_ms) {
    snprintf(s->errmsg, sizeof(s->errmsg),
             "postgres: connection lost; next reconnection attempt in %" PRId64
             " ms",
             s->retry_at_ms - now);
    return TC_EUNAVAILABLE;
  }
  int rc = pg_open_conn(s, false);
  if (rc == TC_OK) return TC_OK;
  s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : PG_BACKOFF_MIN_MS;
  if (s->backoff_ms > PG_BACKOFF_MAX_MS) s->backoff_ms = PG_BACKOFF_MAX_MS;
  s->retry_at_ms = now + s->backoff_ms;
  return rc == TC_EDENIED ? rc : TC_EUNAVAILABLE;
}

static bool pg_in_txn(pg_store *s) {
  if (!s->conn) return false;
  PGTransactionStatusType t = PQtransactionStatus(s->conn);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* Run sql (no parameters, maybe several statements) with the simple
 * protocol; changes gets the rows the statements changed. */
static int pg_simple_changes(pg_store *s, const char *sql, int64_t *changes);

static int pg_simple(pg_store *s, const char *sql) {
  return pg_simple_changes(s, sql, NULL);
}

static int64_t pg_changes_of(const PGresult *res) {
  const char *status = PQcmdStatus((PGresult *)res);
  if (strncmp(status, "INSERT", 6) && strncmp(status, "UPDATE", 6) &&
      strncmp(status, "DELETE", 6) && strncmp(status, "MERGE", 5))
    return 0;
  return strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
}

static int pg_simple_changes(pg_store *s, const char *sql, int64_t *changes) {
  if (changes) *changes = 0;
  if (!PQsendQuery(s->conn, sql)) return pg_fail_result(s, NULL, sql);
  int rc = TC_OK;
  PGresult *res;
  while ((res = PQgetResult(s->conn)) != NULL) {
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) {
      if (rc == TC_OK) rc = pg_fail_result(s, res, sql);
    } else if (changes) {
      *changes += pg_changes_of(res);
    }
    PQclear(res);
  }
  if (rc == TC_OK && pg_connection_lost(s)) rc = pg_fail_result(s, NULL, sql);
  return rc;
}

/* ---- statement cache ------------------------------------------------------
 */

static void pg_entry_free(pg_entry *e) {
  free(e->pg_sql);
  free(e->types);
  free(e->inferred);
  free(e);
}

/* Forget e; its prepared statement is deallocated on the server when it
 * is still there (outside a transaction, or in one that is healthy:
 * DEALLOCATE is not transactional and cannot fail on a known name). */
static void pg_entry_drop(pg_store *s, pg_entry *e) {
  tc__lru_remove(&s->cache, &e->node);
  if (e->prepared_gen == s->gen && s->conn && !pg_connection_lost(s) &&
      PQtransactionStatus(s->conn) != PQTRANS_INERROR) {
    char sql[48];
    snprintf(sql, sizeof(sql), "DEALLOCATE %s", e->name);
    PGresult *res = PQexec(s->conn, sql);
    PQclear(res);
  }
  pg_entry_free(e);
}

static pg_entry *pg_entry_new(pg_store *s, uint64_t h, const char *sql,
                              size_t len, const tc__pg_scan_result *scan) {
  if (s->cache.count >= s->cache.cap && s->cache.lru)
    pg_entry_drop(s, (pg_entry *)s->cache.lru);
  pg_entry *e = calloc(1, sizeof(*e));
  if (!e) return NULL;
  e->pg_sql =
      scan->several ? NULL : tc__pg_translate(sql, len, scan->placeholders);
  if ((!scan->several && !e->pg_sql) ||
      !tc__lru_add(&s->cache, &e->node, h, sql, len)) {
    pg_entry_free(e);
    return NULL;
  }
  e->nparams = scan->placeholders;
  e->several = scan->several;
  snprintf(e->name, sizeof(e->name), "tc_%" PRIu64, ++s->next_name);
  return e;
}

/* ---- parameters -----------------------------------------------------------
 */

typedef struct pg_params {
  const char **values;
  int *lengths;
  int *formats;
  char *arena; /* text copies and numbers, NUL-terminated */
  const char *stack_values[16];
  int stack_lengths[16];
  int stack_formats[16];
  char stack_arena[512];
} pg_params;

static void pg_params_free(pg_params *pp) {
  if (pp->values != pp->stack_values) free((void *)pp->values);
  if (pp->lengths != pp->stack_lengths) free(pp->lengths);
  if (pp->formats != pp->stack_formats) free(pp->formats);
  if (pp->arena != pp->stack_arena) free(pp->arena);
}

static int pg_params_build(pg_store *s, pg_params *pp, const char *sql,
                           const tc_value *params, size_t n) {
  pp->values = pp->stack_values;
  pp->lengths = pp->stack_lengths;
  pp->formats = pp->stack_formats;
  pp->arena = pp->stack_arena;
  size_t need = 0;
  for (size_t i = 0; i < n; i++) {
    const tc_value *p = &params[i];
    if (p->type == TC_VALUE_TEXT) {
      if (!p->v.s && p->len)
        return pg_misuse(s, TC_EINVAL, "text parameter is NULL", sql);
      if (p->len && memchr(p->v.s, '\0', p->len))
        return pg_misuse(s, TC_EINVAL,
                         "text parameter holds a NUL byte (PostgreSQL text "
                         "cannot)",
                         sql);
      need += p->len + 1;
    } else if (p->type == TC_VALUE_INT || p->type == TC_VALUE_REAL) {
      need += 32;
    } else if (p->type == TC_VALUE_BLOB) {
      if (!p->v.b && p->len)
        return pg_misuse(s, TC_EINVAL, "blob parameter is NULL", sql);
      if (p->len > (size_t)INT_MAX)
        return pg_misuse(s, TC_EINVAL, "blob parameter is larger than 2 GiB",
                         sql);
    } else if (p->type != TC_VALUE_NULL) {
      char msg[64];
      snprintf(msg, sizeof(msg), "parameter %zu has unknown type %d", i + 1,
               (int)p->type);
      return pg_misuse(s, TC_EINVAL, msg, sql);
    }
  }
  if (n > 16) {
    pp->values = malloc(n * sizeof(*pp->values));
    pp->lengths = malloc(n * sizeof(*pp->lengths));
    pp->formats = malloc(n * sizeof(*pp->formats));
  }
  if (need > sizeof(pp->stack_arena)) pp->arena = malloc(need);
  if (!pp->values || !pp->lengths || !pp->formats || !pp->arena) {
    pg_params_free(pp);
    memset(pp, 0, sizeof(*pp));
    pp->values = pp->stack_values;
    pp->lengths = pp->stack_lengths;
    pp->formats = pp->stack_formats;
    pp->arena = pp->stack_arena;
    snprintf(s->errmsg, sizeof(s->errmsg), "out of memory binding %zu values",
             n);
    return TC_ENOMEM;
  }
  char *w = pp->arena;
  for (size_t i = 0; i < n; i++) {
    const tc_value *p = &params[i];
    pp->lengths[i] = 0;
    pp->formats[i] = 0;
    switch (p->type) {
      case TC_VALUE_NULL:
        pp->values[i] = NULL;
        break;
      case TC_VALUE_INT:
        pp->values[i] = w;
        w += snprintf(w, 32, "%" PRId64, p->v.i) + 1;
        break;
      case TC_VALUE_REAL:
        pp->values[i] = w;
        if (isnan(p->v.r))
          w += snprintf(w, 32, "NaN") + 1;
        else if (isinf(p->v.r))
          w += snprintf(w, 32, "%sInfinity", p->v.r < 0 ? "-" : "") + 1;
        else
          w += snprintf(w, 32, "%.17g", p->v.r) + 1;
        break;
      case TC_VALUE_TEXT:
        pp->values[i] = w;
        if (p->len) memcpy(w, p->v.s, p->len);
        w[p->len] = '\0';
        w += p->len + 1;
        break;
      case TC_VALUE_BLOB:
        pp->values[i] = p->len ? p->v.b : "";
        pp->lengths[i] = (int)p->len;
        pp->formats[i] = 1;
        break;
    }
  }
  return TC_OK;
}

/* The type a value asks for when the server cannot infer one. */
static Oid pg_type_of(const tc_value *p) {
  switch (p->type) {
    case TC_VALUE_INT:
      return PG_INT8OID;
    case TC_VALUE_REAL:
      return PG_FLOAT8OID;
    case TC_VALUE_BLOB:
      return PG_BYTEAOID;
    default:
      return PG_TEXTOID;
  }
}

/* ---- results --------------------------------------------------------------
 */

static int pg_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decode bytea's hex text output ("\x0102...") in place: the result is
 * never longer than its text. */
static size_t pg_unhex(char *text, size_t len) {
  if (len < 2 || text[0] != '\\' || text[1] != 'x') return len;
  size_t n = 0;
  for (size_t i = 2; i + 1 < len; i += 2) {
    int hi = pg_hexval(text[i]), lo = pg_hexval(text[i + 1]);
    if (hi < 0 || lo < 0) break;
    text[n++] = (char)(hi * 16 + lo);
  }
  return n;
}

static bool pg_numeric_int(const char *t, int64_t *out) {
  if (strpbrk(t, ".eEN")) return false; /* a fraction, exponent or NaN */
  errno = 0;
  char *end;
  long long v = strtoll(t, &end, 10);
  if (errno || *end) return false;
  *out = v;
  return true;
}

static void pg_read_col(tc_value *v, PGresult *res, int row, int col,
                        Oid type) {
  memset(v, 0, sizeof(*v));
  if (PQgetisnull(res, row, col)) {
    v->type = TC_VALUE_NULL;
    return;
  }
  char *t = PQgetvalue(res, row, col);
  size_t len = (size_t)PQgetlength(res, row, col);
  switch (type) {
    case PG_INT2OID:
    case PG_INT4OID:
    case PG_INT8OID:
    case PG_OIDOID:
      v->type = TC_VALUE_INT;
      v->v.i = strtoll(t, NULL, 10);
      return;
    case PG_BOOLOID:
      v->type = TC_VALUE_INT;
      v->v.i = t[0] == 't';
      return;
    case PG_FLOAT4OID:
    case PG_FLOAT8OID:
      v->type = TC_VALUE_REAL;
      v->v.r = strtod(t, NULL);
      return;
    case PG_NUMERICOID:
      if (pg_numeric_int(t, &v->v.i)) {
        v->type = TC_VALUE_INT;
      } else {
        v->type = TC_VALUE_REAL;
        v->v.r = strtod(t, NULL);
      }
      return;
    case PG_BYTEAOID:
      /* libpq owns the text and does not read it again: decode in place. */
      v->type = TC_VALUE_BLOB;
      v->len = pg_unhex(t, len);
      v->v.b = t;
      return;
    default:
      v->type = TC_VALUE_TEXT;
      v->v.s = t;
      v->len = len;
      return;
  }
}

/* Hand the rows of res to cb. */
static int pg_deliver(pg_store *s, PGresult *res, tc_store_row_cb cb,
                      void *payload) {
  int nrows = PQntuples(res), ncols = PQnfields(res);
  if (!cb || nrows == 0) return TC_OK;
  tc_value stack[PG_STACK_COLS];
  Oid stack_types[PG_STACK_COLS];
  tc_value *cols = stack;
  Oid *types = stack_types;
  if (ncols > PG_STACK_COLS) {
    cols = malloc((size_t)ncols * sizeof(*cols));
    types = malloc((size_t)ncols * sizeof(*types));
    if (!cols || !types) {
      free(cols);
      free(types);
      snprintf(s->errmsg, sizeof(s->errmsg), "out of memory for %d columns",
               ncols);
      return TC_ENOMEM;
    }
  }
  for (int c = 0; c < ncols; c++) types[c] = PQftype(res, c);
  int rc = TC_OK;
  for (int r = 0; r < nrows; r++) {
    for (int c = 0; c < ncols; c++) pg_read_col(&cols[c], res, r, c, types[c]);
    int x = cb(cols, (size_t)ncols, payload);
    if (x < 0) {
      rc = x;
      break;
    }
    if (x > 0) break; /* TC_STORE_STOP */
  }
  if (cols != stack) {
    free(cols);
    free(types);
  }
  return rc;
}

/* ---- running a prepared statement -----------------------------------------
 */

typedef struct pg_outcome {
  PGresult *rows;      /* the statement's result when it succeeded */
  PGresult *error;     /* the first failure */
  PGresult *described; /* Describe's answer: the parameter types */
} pg_outcome;

typedef enum pg_step {
  PG_STEP_OTHER,
  PG_STEP_DESCRIBE,
  PG_STEP_EXECUTE
} pg_step;

static void pg_outcome_clear(pg_outcome *o) {
  PQclear(o->rows);
  PQclear(o->error);
  PQclear(o->described);
  memset(o, 0, sizeof(*o));
}

/* Read the results of one pipelined command; keep the interesting one. */
static void pg_collect(pg_store *s, pg_outcome *o, pg_step step) {
  PGresult *res;
  while ((res = PQgetResult(s->conn)) != NULL) {
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) {
      if (!o->error)
        o->error = res;
      else
        PQclear(res);
      continue;
    }
    if (st != PGRES_PIPELINE_ABORTED) {
      PGresult **keep = step == PG_STEP_EXECUTE    ? &o->rows
                        : step == PG_STEP_DESCRIBE ? &o->described
                                                   : NULL;
      if (keep && !*keep) {
        *keep = res;
        continue;
      }
    }
    PQclear(res);
  }
}

/* Wait for the pipeline's sync, whatever came before it. */
static void pg_drain_to_sync(pg_store *s, pg_outcome *o) {
  for (int guard = 0; guard < 64; guard++) {
    PGresult *res = PQgetResult(s->conn);
    if (!res) {
      if (pg_connection_lost(s)) return;
      continue;
    }
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(res);
      return;
    }
    if ((st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) && !o->error)
      o->error = res;
    else
      PQclear(res);
  }
}

/*
 * One round trip: [SAVEPOINT] then either Parse + Describe (prepare) or
 * Bind/Execute (pp given), [RELEASE], Sync. Fills o; a code is returned
 * only when the round trip itself failed (o->error holds the statement's
 * own failure).
 */
static int pg_round_trip(pg_store *s, pg_entry *e, const pg_params *pp,
                         bool savepoint, pg_outcome *o) {
  memset(o, 0, sizeof(*o));
  int n = (int)e->nparams;
  if (!PQenterPipelineMode(s->conn))
    return pg_fail_result(s, NULL, e->node.text);
  bool sent = !savepoint || PQsendQueryParams(s->conn, "SAVEPOINT tc_stmt", 0,
                                              NULL, NULL, NULL, NULL, 0);
  if (pp)
    sent = sent && PQsendQueryPrepared(s->conn, e->name, n, pp->values,
                                       pp->lengths, pp->formats, 0);
  else
    sent = sent && PQsendPrepare(s->conn, e->name, e->pg_sql, n, e->types) &&
           PQsendDescribePrepared(s->conn, e->name);
  sent = sent &&
         (!savepoint || PQsendQueryParams(s->conn, "RELEASE SAVEPOINT tc_stmt",
                                          0, NULL, NULL, NULL, NULL, 0)) &&
         PQpipelineSync(s->conn);
  if (!sent) {
    int rc = pg_fail_result(s, NULL, e->node.text);
    if (!pg_connection_lost(s)) pg_drain_to_sync(s, o);
    PQexitPipelineMode(s->conn);
    return rc;
  }
  if (savepoint) pg_collect(s, o, PG_STEP_OTHER);
  if (pp) {
    pg_collect(s, o, PG_STEP_EXECUTE);
  } else {
    pg_collect(s, o, PG_STEP_OTHER);
    pg_collect(s, o, PG_STEP_DESCRIBE);
  }
  if (savepoint) pg_collect(s, o, PG_STEP_OTHER);
  pg_drain_to_sync(s, o);
  if (!PQexitPipelineMode(s->conn) && !o->error && !pg_connection_lost(s))
    return pg_fail_result(s, NULL, e->node.text);
  return TC_OK;
}

static bool pg_sqlstate_is(const PGresult *res, const char *state) {
  const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  return st && strcmp(st, state) == 0;
}

static bool pg_retryable(const PGresult *res) {
  return pg_sqlstate_is(res, "40001") || pg_sqlstate_is(res, "40P01");
}

/* After a failed statement in a transaction: undo only that statement. */
static int pg_undo_statement(pg_store *s) {
  char saved[PG_ERRMSG_SIZE];
  memcpy(saved, s->errmsg, sizeof(saved));
  int rc = pg_simple(s,
                     "ROLLBACK TO SAVEPOINT tc_stmt; "
                     "RELEASE SAVEPOINT tc_stmt");
  /* The message of the statement's own failure, not the rollback's. */
  if (rc == TC_OK) memcpy(s->errmsg, saved, sizeof(saved));
  return rc;
}

/* Give e new explicit parameter types: it is prepared again under a new
 * name (the old one stays until the connection ends or is dropped from
 * the cache with the entry). */
static int pg_retype(pg_store *s, pg_entry *e, Oid *types) {
  free(e->types);
  e->types = types;
  snprintf(e->name, sizeof(e->name), "tc_%" PRIu64, ++s->next_name);
  e->prepared_gen = 0;
  return TC_OK;
}

/* Types for the values at hand, when the server could infer none. */
static Oid *pg_value_types(const tc_value *params, size_t n) {
  Oid *types = malloc(n * sizeof(*types));
  if (!types) return NULL;
  for (size_t i = 0; i < n; i++) types[i] = pg_type_of(&params[i]);
  return types;
}

/*
 * The server infers a parameter's type from where it stands, which can
 * be narrower than what the library binds ("CASE ... THEN 0 ELSE ? END" is
 * int4, the library's millisecond times are not): such a parameter is
 * widened to int8 and the statement prepared again. NULL when every
 * value fits (or out of memory: the server then says what overflowed).
 */
static Oid *pg_widened_types(const pg_entry *e, const tc_value *params,
                             size_t n) {
  if (!e->inferred) return NULL;
  Oid *types = NULL;
  for (size_t i = 0; i < n; i++) {
    if (params[i].type != TC_VALUE_INT) continue;
    int64_t v = params[i].v.i;
    Oid t = e->inferred[i];
    bool fits = t == PG_INT2OID   ? v >= INT16_MIN && v <= INT16_MAX
                : t == PG_INT4OID ? v >= INT32_MIN && v <= INT32_MAX
                                  : true;
    if (fits) continue;
    if (!types) {
      types = malloc(n * sizeof(*types));
      if (!types) return NULL;
      memcpy(types, e->inferred, n * sizeof(*types));
    }
    types[i] = PG_INT8OID;
  }
  return types;
}

/* Make sure e is prepared on this connection with types its values fit. */
static int pg_prepare(pg_store *s, pg_entry *e, const tc_value *params,
                      size_t n, bool in_txn) {
  for (int round = 0; round < 3; round++) {
    if (e->prepared_gen == s->gen) {
      Oid *wide = pg_widened_types(e, params, n);
      if (!wide) return TC_OK;
      pg_retype(s, e, wide);
    }
    pg_outcome o;
    int rc = pg_round_trip(s, e, NULL, in_txn, &o);
    if (rc) {
      pg_outcome_clear(&o);
      return rc;
    }
    if (!o.error && o.described) {
      int np = PQnparams(o.described);
      free(e->inferred);
      e->inferred = np > 0 ? malloc((size_t)np * sizeof(Oid)) : NULL;
      for (int i = 0; e->inferred && i < np; i++)
        e->inferred[i] = PQparamtype(o.described, i);
      e->prepared_gen = s->gen;
      pg_outcome_clear(&o);
      continue; /* check the values against what was inferred */
    }
    bool untyped = pg_sqlstate_is(o.error, "42P18") && !e->types && n;
    rc = o.error ? pg_fail_result(s, o.error, e->node.text)
                 : pg_fail_result(s, NULL, e->node.text);
    pg_outcome_clear(&o);
    if (in_txn && !pg_connection_lost(s)) {
      int rrc = pg_undo_statement(s);
      if (rrc) return rrc;
    }
    if (!untyped) return rc;
    Oid *types = pg_value_types(params, n);
    if (!types) return TC_ENOMEM;
    pg_retype(s, e, types);
  }
  return TC_OK;
}

static int pg_run_prepared(pg_store *s, pg_entry *e, const tc_value *params,
                           size_t nparams, tc_store_row_cb cb, void *payload,
                           int64_t *changes) {
  pg_params pp;
  int rc = pg_params_build(s, &pp, e->node.text, params, nparams);
  if (rc) return rc;
  int retries = s->opts.busy_retries;
  for (int attempt = 0;; attempt++) {
    bool in_txn = pg_in_txn(s);
    rc = pg_prepare(s, e, params, nparams, in_txn);
    if (rc) break;
    pg_outcome o;
    rc = pg_round_trip(s, e, &pp, in_txn, &o);
    if (rc) {
      pg_outcome_clear(&o);
      break;
    }
    if (!o.error) {
      if (changes) *changes = o.rows ? pg_changes_of(o.rows) : 0;
      rc = o.rows ? pg_deliver(s, o.rows, cb, payload) : TC_OK;
      pg_outcome_clear(&o);
      break;
    }
    bool busy = pg_retryable(o.error);
    /* A statement deallocated behind our back (DISCARD ALL by a pooler):
     * prepare it again. */
    bool gone = pg_sqlstate_is(o.error, "26000");
    rc = pg_fail_result(s, o.error, e->node.text);
    pg_outcome_clear(&o);
    if (in_txn && !pg_connection_lost(s)) {
      int rrc = pg_undo_statement(s);
      if (rrc) {
        rc = rrc;
        break;
      }
    }
    if (gone && attempt == 0) {
      e->prepared_gen = 0;
      continue;
    }
    if (busy && !in_txn && attempt < retries) {
      pg_sleep_ms(5 << attempt);
      continue;
    }
    break;
  }
  pg_params_free(&pp);
  return rc;
}

/* A script (several statements, no parameters), as the migrations send. */
static int pg_run_script(pg_store *s, const char *sql, int64_t *changes) {
  bool in_txn = pg_in_txn(s);
  if (in_txn) {
    int rc = pg_simple(s, "SAVEPOINT tc_stmt");
    if (rc) return rc;
  }
  int rc = pg_simple_changes(s, sql, changes);
  if (in_txn && !pg_connection_lost(s)) {
    char saved[PG_ERRMSG_SIZE];
    memcpy(saved, s->errmsg, sizeof(saved));
    int rrc = pg_simple(s, rc ? "ROLLBACK TO SAVEPOINT tc_stmt; "
                                "RELEASE SAVEPOINT tc_stmt"
                              : "RELEASE SAVEPOINT tc_stmt");
    if (rc)
      memcpy(s->errmsg, saved, sizeof(saved));
    else
      rc = rrc;
  }
  return rc;
}

static int pg_exec(void *self, const char *sql, const tc_value *params,
                   size_t nparams, tc_store_row_cb cb, void *payload,
                   int64_t *changes) {
  pg_store *s = self;
  if (changes) *changes = 0;
  if (!sql) return pg_misuse(s, TC_EINVAL, "sql is NULL", "");
  if (nparams && !params) return pg_misuse(s, TC_EINVAL, "params is NULL", sql);
  if (nparams > PG_MAX_PARAMS)
    return pg_misuse(s, TC_EINVAL, "more than 65535 parameters", sql);

  if (!pg_in_txn(s)) {
    int rc = pg_ensure(s);
    if (rc) return rc;
  } else if (pg_connection_lost(s)) {
    snprintf(s->errmsg, sizeof(s->errmsg),
             "postgres: connection lost inside a transaction");
    return TC_EUNAVAILABLE;
  }

  size_t len;
  uint64_t h = tc__lru_hash(sql, &len);
  pg_entry *e = (pg_entry *)tc__lru_find(&s->cache, h, sql, len);
  if (e) {
    tc__lru_touch(&s->cache, &e->node);
  } else {
    tc__pg_scan_result scan;
    tc__pg_scan(sql, &scan);
    if (scan.several && nparams)
      return pg_misuse(s, TC_EINVAL,
                       "several statements cannot take parameters", sql);
    e = pg_entry_new(s, h, sql, len, &scan);
    if (!e) {
      snprintf(s->errmsg, sizeof(s->errmsg),
               "out of memory preparing a statement");
      return TC_ENOMEM;
    }
  }
  if (e->several) {
    if (nparams)
      return pg_misuse(s, TC_EINVAL,
                       "several statements cannot take parameters", sql);
    return pg_run_script(s, sql, changes);
  }
  if (e->nparams != nparams) {
    char msg[96];
    snprintf(msg, sizeof(msg), "statement takes %zu parameters, got %zu",
             e->nparams, nparams);
    return pg_misuse(s, TC_EINVAL, msg, sql);
  }
  return pg_run_prepared(s, e, params, nparams, cb, payload, changes);
}

/* ---- transactions ---------------------------------------------------------
 */

static int pg_begin(void *self, tc_txn_mode mode) {
  pg_store *s = self;
  if (pg_in_txn(s)) {
    snprintf(s->errmsg, sizeof(s->errmsg),
             "postgres: a transaction is already open on this connection");
    return TC_ESTATE;
  }
  int rc = pg_ensure(s);
  if (rc) return rc;
  const char *sql = "BEGIN";
  if (mode == TC_TXN_WRITE) {
    switch (s->opts.write_isolation) {
      case TC_PG_SERIALIZABLE:
        sql = "BEGIN ISOLATION LEVEL SERIALIZABLE";
        break;
      case TC_PG_REPEATABLE_READ:
        sql = "BEGIN ISOLATION LEVEL REPEATABLE READ";
        break;
      default:
        sql = "BEGIN ISOLATION LEVEL READ COMMITTED";
        break;
    }
  }
  return pg_simple(s, sql);
}

static int pg_commit(void *self) {
  pg_store *s = self;
  if (pg_connection_lost(s)) {
    snprintf(s->errmsg, sizeof(s->errmsg),
             "postgres: connection lost before commit; the transaction was "
             "rolled back");
    return TC_EUNAVAILABLE;
  }
  bool failed = PQtransactionStatus(s->conn) == PQTRANS_INERROR;
  PGresult *res = PQexec(s->conn, "COMMIT");
  int rc = TC_OK;
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    rc = pg_fail_result(s, res, "COMMIT");
  } else if (failed || strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
    snprintf(s->errmsg, sizeof(s->errmsg),
             "postgres: the transaction had failed and was rolled back");
    rc = TC_ESTORAGE;
  }
  PQclear(res);
  return rc;
}

static int pg_rollback(void *self) {
  pg_store *s = self;
  /* A lost connection took its transaction with it. */
  if (pg_connection_lost(s) || !pg_in_txn(s)) return TC_OK;
  PGresult *res = PQexec(s->conn, "ROLLBACK");
  int rc = PQresultStatus(res) == PGRES_COMMAND_OK || pg_connection_lost(s)
               ? TC_OK
               : pg_fail_result(s, res, "ROLLBACK");
  PQclear(res);
  return rc;
}

static const char *pg_errmsg(void *self) {
  return ((pg_store *)self)->errmsg;
}

static void pg_free(void *self) {
  pg_store *s = self;
  if (!s) return;
  while (s->cache.mru) {
    pg_entry *e = (pg_entry *)s->cache.mru;
    tc__lru_remove(&s->cache, &e->node);
    pg_entry_free(e);
  }
  tc__lru_dispose(&s->cache);
  if (s->conn) PQfinish(s->conn);
  if (s->conninfo) {
    /* it may hold a password */
    memset(s->conninfo, 0, strlen(s->conninfo));
    free(s->conninfo);
  }
  free(s);
}

/* ---- opening --------------------------------------------------------------
 */

int tc_store_pg_open(tc_store **out, const char *conninfo,
                     const tc_pg_options *opts) {
  if (out) *out = NULL;
  if (!out || !conninfo)
    return tc__set_thread_error(TC_EINVAL, "tc_store_pg_open: %s is NULL",
                                out ? "conninfo" : "out");
  if (opts && opts->version < 1)
    return tc__set_thread_error(TC_EINVAL,
                                "tc_pg_options.version is %u, expected %d",
                                (unsigned)opts->version, TC_PG_OPTIONS_VERSION);
  tc_pg_options o = TC_PG_OPTIONS_INIT;
  if (opts) o = *opts;
  if (o.write_isolation < TC_PG_READ_COMMITTED ||
      o.write_isolation > TC_PG_SERIALIZABLE)
    return tc__set_thread_error(TC_EINVAL,
                                "tc_pg_options.write_isolation %d is unknown",
                                (int)o.write_isolation);
  if (o.lock_timeout_ms == 0) o.lock_timeout_ms = PG_DEFAULT_LOCK_MS;
  if (o.connect_timeout_s <= 0) o.connect_timeout_s = PG_DEFAULT_CONNECT_S;
  if (o.busy_retries == 0) o.busy_retries = PG_DEFAULT_BUSY_RETRIES;
  if (o.busy_retries < 0) o.busy_retries = 0;
  if (o.busy_retries > 10) o.busy_retries = 10;
  size_t cap =
      o.statement_cache_size ? o.statement_cache_size : PG_DEFAULT_CACHE;
  if (cap > ((size_t)1 << 16)) cap = (size_t)1 << 16;

  pg_store *s = calloc(1, sizeof(*s));
  if (!s) return tc__set_thread_error(TC_ENOMEM, "out of memory");
  s->opts = o;
  bool cache_ok = tc__lru_init(&s->cache, cap);
  s->conninfo = strdup(conninfo);
  if (!cache_ok || !s->conninfo) {
    pg_free(s);
    return tc__set_thread_error(TC_ENOMEM, "out of memory");
  }
  int rc = pg_open_conn(s, true);
  if (rc) {
    tc__set_thread_error(rc, "%s", s->errmsg);
    pg_free(s);
    return rc;
  }
  s->errmsg[0] = '\0';
  s->port.version = TC_STORE_VERSION;
  s->port.self = s;
  s->port.dialect = "postgres";
  s->port.begin = pg_begin;
  s->port.commit = pg_commit;
  s->port.rollback = pg_rollback;
  s->port.exec = pg_exec;
  s->port.errmsg = pg_errmsg;
  s->port.free = pg_free;
  *out = &s->port;
  return TC_OK;
}
