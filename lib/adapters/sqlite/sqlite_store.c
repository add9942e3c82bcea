/*
 * lib/adapters/sqlite/sqlite_store.c - the embedded store: one SQLite
 * connection behind the tc_store port (techcorp/sys/store.h).
 *
 * The connection runs in WAL mode with foreign keys on, synchronous=NORMAL
 * and a busy timeout. Statements are prepared once and kept in a cache keyed
 * by their SQL text (hash table + LRU list), so the hot path of exec is: hash
 * the text, find the statement, bind, step, reset.
 *
 * Thread rules: one store is one connection used by one thread at a time
 * (the connection is opened with SQLITE_OPEN_NOMUTEX). exec may be re-entered
 * from a row callback: a statement that is being stepped is never evicted
 * nor reused; a nested exec of the same text gets a private statement.
 *
 * The store is made before any context exists, so it allocates with the C
 * library's malloc, not a context allocator.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/common/text_lru.h"
#include "core/internal.h"

#define SQ_DEFAULT_BUSY_MS 5000
#define SQ_DEFAULT_CACHE 128
#define SQ_STACK_COLS 32
#define SQ_ERRMSG_SIZE 512

/* sqlite3_changes64 came with 3.37; the build accepts 3.35. */
#if SQLITE_VERSION_NUMBER >= 3037000
#define SQ_CHANGES(db) ((int64_t)sqlite3_changes64(db))
#else
#define SQ_CHANGES(db) ((int64_t)sqlite3_changes(db))
#endif

typedef struct sq_entry {
  tc__lru_node node; /* first: keyed by the statement's text */
  sqlite3_stmt *stmt;
  int busy; /* being stepped: never evict or share */
} sq_entry;

typedef struct sq_store {
  tc_store port;
  sqlite3 *db;
  tc__lru cache; /* of sq_entry */
  char errmsg[SQ_ERRMSG_SIZE];
} sq_store;

/* ---- errors -------------------------------------------------------------- */

static int sq_map(int xrc) {
  switch (xrc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return TC_ECONFLICT;
    default:
      break;
  }
  switch (xrc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return TC_EBUSY;
    case SQLITE_READONLY:
      return TC_EREADONLY;
    case SQLITE_FULL:
      return TC_EFULL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return TC_ECORRUPT;
    case SQLITE_NOMEM:
      return TC_ENOMEM;
    default:
      return TC_ESTORAGE; /* constraints other than unique, I/O, SQL... */
  }
}

static const char *sq_code_name(int xrc) {
  switch (xrc & 0xff) {
    case SQLITE_ERROR:
      return "SQLITE_ERROR";
    case SQLITE_INTERNAL:
      return "SQLITE_INTERNAL";
    case SQLITE_PERM:
      return "SQLITE_PERM";
    case SQLITE_ABORT:
      return "SQLITE_ABORT";
    case SQLITE_BUSY:
      return "SQLITE_BUSY";
    case SQLITE_LOCKED:
      return "SQLITE_LOCKED";
    case SQLITE_NOMEM:
      return "SQLITE_NOMEM";
    case SQLITE_READONLY:
      return "SQLITE_READONLY";
    case SQLITE_INTERRUPT:
      return "SQLITE_INTERRUPT";
    case SQLITE_IOERR:
      return "SQLITE_IOERR";
    case SQLITE_CORRUPT:
      return "SQLITE_CORRUPT";
    case SQLITE_FULL:
      return "SQLITE_FULL";
    case SQLITE_CANTOPEN:
      return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL:
      return "SQLITE_PROTOCOL";
    case SQLITE_SCHEMA:
      return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG:
      return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT:
      return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH:
      return "SQLITE_MISMATCH";
    case SQLITE_MISUSE:
      return "SQLITE_MISUSE";
    case SQLITE_RANGE:
      return "SQLITE_RANGE";
    case SQLITE_NOTADB:
      return "SQLITE_NOTADB";
    default:
      return "SQLITE error";
  }
}

/* The first line of sql, shortened, so a message says which statement. */
static void sq_excerpt(char *dst, size_t size, const char *sql) {
  size_t n = 0;
  while (sql && (*sql == ' ' || *sql == '\n' || *sql == '\t')) sql++;
  while (sql && sql[n] && sql[n] != '\n' && n + 4 < size) n++;
  if (!sql) n = 0;
  memcpy(dst, sql ? sql : "", n);
  if (sql && sql[n] && n + 4 >= size) {
    memcpy(dst + n, "...", 4);
  } else {
    dst[n] = '\0';
  }
}

/* Record the connection's current error; returns the mapped code. */
static int sq_fail(sq_store *s, int xrc, const char *sql) {
  char what[64];
  sq_excerpt(what, sizeof(what), sql);
  snprintf(s->errmsg, sizeof(s->errmsg), "sqlite: %s (%s, code %d) in \"%s\"",
           sqlite3_errmsg(s->db), sq_code_name(xrc), xrc, what);
  return sq_map(xrc);
}

static int sq_misuse(sq_store *s, int code, const char *msg, const char *sql) {
  char what[64];
  sq_excerpt(what, sizeof(what), sql);
  snprintf(s->errmsg, sizeof(s->errmsg), "%s in \"%s\"", msg, what);
  return code;
}

/* ---- statement cache ----------------------------------------------------- */

static void sq_entry_drop(sq_store *s, sq_entry *e) {
  tc__lru_remove(&s->cache, &e->node);
  sqlite3_finalize(e->stmt);
  free(e);
}

/* Make room for one more entry: drop the least recently used idle one.
 * false when every entry is being stepped (nested callbacks). */
static bool sq_make_room(sq_store *s) {
  if (s->cache.count < s->cache.cap) return true;
  for (tc__lru_node *n = s->cache.lru; n; n = n->prev) {
    sq_entry *e = (sq_entry *)n;
    if (!e->busy) {
      sq_entry_drop(s, e);
      return true;
    }
  }
  return false;
}

static sq_entry *sq_insert(sq_store *s, uint64_t h, const char *sql, size_t len,
                           sqlite3_stmt *stmt) {
  if (!sq_make_room(s)) return NULL;
  sq_entry *e = calloc(1, sizeof(*e));
  if (!e) return NULL;
  if (!tc__lru_add(&s->cache, &e->node, h, sql, len)) {
    free(e);
    return NULL;
  }
  e->stmt = stmt;
  return e;
}

/* ---- running statements -------------------------------------------------- */

/* true when p holds nothing but blanks, semicolons and SQL comments. */
static bool sq_only_trivia(const char *p) {
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';' ||
           *p == '\f' || *p == '\v')
      p++;
    if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      if (!end) return true; /* SQLite reads an open comment to the end */
      p = end + 2;
    } else {
      return *p == '\0';
    }
  }
}

static int sq_bind(sq_store *s, sqlite3_stmt *stmt, const char *sql,
                   const tc_value *params, size_t nparams) {
  int want = sqlite3_bind_parameter_count(stmt);
  if ((size_t)want != nparams) {
    char msg[96];
    snprintf(msg, sizeof(msg), "statement takes %d parameters, got %zu", want,
             nparams);
    return sq_misuse(s, TC_EINVAL, msg, sql);
  }
  if (nparams && !params) return sq_misuse(s, TC_EINVAL, "params is NULL", sql);
  for (size_t i = 0; i < nparams; i++) {
    const tc_value *p = &params[i];
    int idx = (int)i + 1, rc;
    switch (p->type) {
      case TC_VALUE_NULL:
        rc = sqlite3_bind_null(stmt, idx);
        break;
      case TC_VALUE_INT:
        rc = sqlite3_bind_int64(stmt, idx, p->v.i);
        break;
      case TC_VALUE_REAL:
        rc = sqlite3_bind_double(stmt, idx, p->v.r);
        break;
      case TC_VALUE_TEXT:
        if (!p->v.s && p->len)
          return sq_misuse(s, TC_EINVAL, "text parameter is NULL", sql);
        /* SQLITE_STATIC: the caller keeps params alive until exec returns,
         * and bindings are cleared before that. */
        rc = sqlite3_bind_text64(stmt, idx, p->v.s ? p->v.s : "", p->len,
                                 SQLITE_STATIC, SQLITE_UTF8);
        break;
      case TC_VALUE_BLOB:
        if (!p->v.b && p->len)
          return sq_misuse(s, TC_EINVAL, "blob parameter is NULL", sql);
        rc = p->v.b
                 ? sqlite3_bind_blob64(stmt, idx, p->v.b, p->len, SQLITE_STATIC)
                 : sqlite3_bind_zeroblob(stmt, idx, 0);
        break;
      default: {
        char msg[64];
        snprintf(msg, sizeof(msg), "parameter %zu has unknown type %d", i + 1,
                 (int)p->type);
        return sq_misuse(s, TC_EINVAL, msg, sql);
      }
    }
    if (rc != SQLITE_OK) return sq_fail(s, rc, sql);
  }
  return TC_OK;
}

static const unsigned char sq_empty[1] = {0};

/* Read the current row into cols. */
static int sq_row(sq_store *s, sqlite3_stmt *stmt, tc_value *cols, size_t ncols,
                  const char *sql) {
  for (size_t i = 0; i < ncols; i++) {
    int c = (int)i;
    tc_value *v = &cols[i];
    v->len = 0;
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        v->type = TC_VALUE_INT;
        v->v.i = sqlite3_column_int64(stmt, c);
        break;
      case SQLITE_FLOAT:
        v->type = TC_VALUE_REAL;
        v->v.r = sqlite3_column_double(stmt, c);
        break;
      case SQLITE_TEXT: {
        const unsigned char *t = sqlite3_column_text(stmt, c);
        if (!t) return sq_fail(s, SQLITE_NOMEM, sql);
        v->type = TC_VALUE_TEXT;
        v->v.s = (const char *)t;
        v->len = (size_t)sqlite3_column_bytes(stmt, c);
        break;
      }
      case SQLITE_BLOB: {
        const void *b = sqlite3_column_blob(stmt, c);
        v->len = (size_t)sqlite3_column_bytes(stmt, c);
        if (!b && v->len) return sq_fail(s, SQLITE_NOMEM, sql);
        v->type = TC_VALUE_BLOB;
        v->v.b = b ? b : sq_empty; /* an empty blob is not NULL */
        break;
      }
      default:
        v->type = TC_VALUE_NULL;
        v->v.i = 0;
        break;
    }
  }
  return TC_OK;
}

/* Step stmt to the end (or until the callback stops), then reset it.
 * *changes gets the rows this statement changed. */
static int sq_step_all(sq_store *s, sqlite3_stmt *stmt, const char *sql,
                       tc_store_row_cb cb, void *payload, int64_t *changes) {
  tc_value stack_cols[SQ_STACK_COLS];
  tc_value *cols = stack_cols;
  size_t ncols = (size_t)sqlite3_column_count(stmt);
  int rc = TC_OK, src;

  /* Heap only for wide rows; never a per-store buffer, since a nested exec
   * from the callback would overwrite the columns the caller is reading. */
  if (cb && ncols > SQ_STACK_COLS) {
    cols = malloc(ncols * sizeof(*cols));
    if (!cols) {
      snprintf(s->errmsg, sizeof(s->errmsg), "out of memory for %zu columns",
               ncols);
      return TC_ENOMEM;
    }
  }
  while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!cb) continue;
    if ((rc = sq_row(s, stmt, cols, ncols, sql))) break;
    int r = cb(cols, ncols, payload);
    if (r < 0) {
      rc = r;
      break;
    }
    if (r > 0) break; /* TC_STORE_STOP (any positive value stops) */
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE) rc = sq_fail(s, src, sql);
  /* reset ends the statement, which is what sets the change count (also
   * for an INSERT ... RETURNING stopped early). */
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (changes) *changes = sqlite3_stmt_readonly(stmt) ? 0 : SQ_CHANGES(s->db);
  if (cols != stack_cols) free(cols);
  return rc;
}

/*
 * A script: several statements in one string, run one after another with
 * sqlite3_prepare_v2's tail, none of them cached. Migrations send their
 * SQL this way. It takes no parameters (which statement would they be
 * for?); *changes is the sum over the statements.
 */
static int sq_run_script(sq_store *s, const char *sql, tc_store_row_cb cb,
                         void *payload, int64_t *changes) {
  const char *p = sql;
  int64_t total = 0;
  while (*p) {
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    int src = sqlite3_prepare_v2(s->db, p, -1, &stmt, &tail);
    if (src != SQLITE_OK) return sq_fail(s, src, p);
    if (!stmt) break; /* only blanks or comments were left */
    int64_t n = 0;
    int rc = sq_step_all(s, stmt, p, cb, payload, &n);
    sqlite3_finalize(stmt);
    if (rc) return rc;
    total += n;
    p = tail;
  }
  if (changes) *changes = total;
  return TC_OK;
}

static int sq_exec(void *self, const char *sql, const tc_value *params,
                   size_t nparams, tc_store_row_cb cb, void *payload,
                   int64_t *changes) {
  sq_store *s = self;
  if (changes) *changes = 0;
  if (!sql) return sq_misuse(s, TC_EINVAL, "sql is NULL", "");

  size_t len;
  uint64_t h = tc__lru_hash(sql, &len);
  if (len >= (size_t)INT_MAX)
    return sq_misuse(s, TC_EINVAL, "sql is longer than 2 GiB", sql);
  sq_entry *e = (sq_entry *)tc__lru_find(&s->cache, h, sql, len);
  sqlite3_stmt *stmt = NULL;
  bool own = false; /* a private statement, finalized here */

  if (e && !e->busy) {
    /* The hot path: move to the front of the LRU list and run it. */
    tc__lru_touch(&s->cache, &e->node);
    stmt = e->stmt;
  } else {
    const char *tail = NULL;
    int src = sqlite3_prepare_v3(s->db, sql, (int)len + 1,
                                 SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (src != SQLITE_OK) return sq_fail(s, src, sql);
    if (!stmt) return TC_OK; /* nothing but blanks or comments */
    if (tail && !sq_only_trivia(tail)) {
      sqlite3_finalize(stmt);
      if (nparams)
        return sq_misuse(s, TC_EINVAL,
                         "several statements cannot take parameters", sql);
      return sq_run_script(s, sql, cb, payload, changes);
    }
    /* A busy entry (the same text nested in its own row callback) keeps
     * its statement; this run gets a private one, as it does when the
     * cache is full of busy entries or out of memory. */
    e = e ? NULL : sq_insert(s, h, sql, len, stmt);
    if (!e) own = true;
  }

  int rc = sq_bind(s, stmt, sql, params, nparams);
  if (rc == TC_OK) {
    if (!own) e->busy = 1;
    rc = sq_step_all(s, stmt, sql, cb, payload, changes);
    if (!own) e->busy = 0;
  } else {
    sqlite3_clear_bindings(stmt);
  }
  if (own) sqlite3_finalize(stmt);
  return rc;
}

/* ---- transactions -------------------------------------------------------- */

static int sq_begin(void *self, tc_txn_mode mode) {
  return sq_exec(self, mode == TC_TXN_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", NULL,
                 0, NULL, NULL, NULL);
}

static int sq_commit(void *self) {
  return sq_exec(self, "COMMIT", NULL, 0, NULL, NULL, NULL);
}

static int sq_rollback(void *self) {
  sq_store *s = self;
  /* SQLite rolls back by itself after some errors (FULL, IOERR, BUSY...),
   * and the port promises rollback without a transaction is fine. */
  if (sqlite3_get_autocommit(s->db)) return TC_OK;
  return sq_exec(self, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
}

static const char *sq_errmsg(void *self) {
  return ((sq_store *)self)->errmsg;
}

static void sq_free(void *self) {
  sq_store *s = self;
  if (!s) return;
  while (s->cache.mru) sq_entry_drop(s, (sq_entry *)s->cache.mru);
  tc__lru_dispose(&s->cache);
  sqlite3_close_v2(s->db);
  free(s);
}

/* ---- opening ------------------------------------------------------------- */

/* Close what was opened and say why on the thread (no context yet). */
static int sq_open_fail(sq_store *s, int code, const char *fmt, ...)
    TC_PRINTF(3, 4);
static int sq_open_fail(sq_store *s, int code, const char *fmt, ...) {
  char msg[SQ_ERRMSG_SIZE + 256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  tc__set_thread_error(code, "%s", msg);
  sq_free(s);
  return code;
}

static int sq_pragma(sq_store *s, const char *sql) {
  return sq_exec(s, sql, NULL, 0, NULL, NULL, NULL);
}

/* SQLite retries a failed read-write open read-only, so creating a file in
 * a directory we may not write ends in ENOENT: look at the directory. */
static bool sq_dir_read_only(const char *path) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 1;
  if (n >= sizeof(dir)) return false;
  if (slash) {
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (n == 0) strcpy(dir, "/");
  } else {
    strcpy(dir, ".");
  }
  struct stat st;
  return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK) != 0;
}

int tc_store_sqlite_open(tc_store **out, const char *path,
                         const tc_sqlite_options *opts) {
  if (out) *out = NULL;
  if (!out || !path)
    return tc__set_thread_error(TC_EINVAL, "tc_store_sqlite_open: %s is NULL",
                                out ? "path" : "out");
  if (opts && opts->version < 1)
    return tc__set_thread_error(
        TC_EINVAL, "tc_sqlite_options.version is %u, expected %d",
        (unsigned)opts->version, TC_SQLITE_OPTIONS_VERSION);

  tc_sqlite_options o = TC_SQLITE_OPTIONS_INIT;
  if (opts) o = *opts;
  int busy_ms = o.busy_timeout_ms > 0   ? o.busy_timeout_ms
                : o.busy_timeout_ms < 0 ? 0 /* never wait */
                                        : SQ_DEFAULT_BUSY_MS;
  size_t cap =
      o.statement_cache_size ? o.statement_cache_size : SQ_DEFAULT_CACHE;
  if (cap > ((size_t)1 << 20)) cap = (size_t)1 << 20;

  sq_store *s = calloc(1, sizeof(*s));
  if (!s)
    return tc__set_thread_error(TC_ENOMEM, "out of memory opening %s", path);
  if (!tc__lru_init(&s->cache, cap)) {
    free(s);
    return tc__set_thread_error(TC_ENOMEM, "out of memory opening %s", path);
  }

  int flags = SQLITE_OPEN_NOMUTEX |
              (o.read_only ? SQLITE_OPEN_READONLY
                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int src = sqlite3_open_v2(path, &s->db, flags, NULL);
  if (src != SQLITE_OK) {
    if (!s->db)
      return sq_open_fail(s, TC_ENOMEM, "cannot open database '%s': %s", path,
                          "out of memory");
    int err = sqlite3_system_errno(s->db);
    int code = (err == EACCES || err == EPERM || err == EROFS) ? TC_EREADONLY
                                                               : sq_map(src);
    if (!o.read_only && err == ENOENT && sq_dir_read_only(path))
      return sq_open_fail(s, TC_EREADONLY,
                          "cannot create database '%s': its directory "
                          "cannot be written",
                          path);
    if ((src & 0xff) == SQLITE_CANTOPEN && code == TC_ESTORAGE && err)
      return sq_open_fail(s, code, "cannot open database '%s': %s", path,
                          strerror(err));
    return sq_open_fail(s, code, "cannot open database '%s': %s", path,
                        sqlite3_errmsg(s->db));
  }
  sqlite3_extended_result_codes(s->db, 1);
  sqlite3_busy_timeout(s->db, busy_ms);

  /* Opening is lazy: reading the schema is what shows whether the file is
   * a database at all (SQLITE_NOTADB) or can be read. */
  int rc = sq_pragma(s, "PRAGMA schema_version");
  if (rc == TC_ECORRUPT)
    return sq_open_fail(s, rc, "'%s' is not an SQLite database (%s)", path,
                        s->errmsg);
  if (rc) {
    return sq_open_fail(s, rc, "cannot open database '%s': %s", path,
                        s->errmsg);
  }
  if (!o.read_only && sqlite3_db_readonly(s->db, "main") == 1)
    return sq_open_fail(s, TC_EREADONLY,
                        "database '%s' cannot be written (%s); open it with "
                        "read_only to read it",
                        path, "the file or its directory is read-only");

  bool memory = path[0] == '\0' || strcmp(path, ":memory:") == 0;
  if (!memory && !o.read_only) {
    rc = sq_pragma(s, "PRAGMA journal_mode=WAL");
    if (rc)
      return sq_open_fail(
          s,
          rc == TC_ESTORAGE && sqlite3_system_errno(s->db) == EACCES
              ? TC_EREADONLY
              : rc,
          "cannot use WAL mode on '%s': %s", path, s->errmsg);
  }
  if ((rc = sq_pragma(s, "PRAGMA foreign_keys=ON")) ||
      (rc = sq_pragma(s, "PRAGMA synchronous=NORMAL")))
    return sq_open_fail(s, rc, "cannot configure database '%s': %s", path,
                        s->errmsg);
  s->errmsg[0] = '\0';

  s->port.version = TC_STORE_VERSION;
  s->port.self = s;
  s->port.dialect = "sqlite";
  s->port.begin = sq_begin;
  s->port.commit = sq_commit;
  s->port.rollback = sq_rollback;
  s->port.exec = sq_exec;
  s->port.errmsg = sq_errmsg;
  s->port.free = sq_free;
  *out = &s->port;
  return TC_OK;
}
