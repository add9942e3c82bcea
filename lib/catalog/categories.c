/*
 * lib/catalog/categories.c - the category tree. Each row keeps its
 * materialized path ("/<root id>/.../<own id>/"), so a subtree is one
 * index range, a cycle check is a prefix test and a move is one UPDATE.
 */
#include <stdio.h>

#include "catalog_priv.h"

void cat__prefix_range(const char *prefix, char *hi, size_t size) {
  size_t n = strlen(prefix);
  if (n + 1 > size) n = size - 1;
  memcpy(hi, prefix, n);
  hi[n] = '\0';
  /* Paths end in '/', whose successor '0' sorts right after it. */
  if (n) hi[n - 1] = (char)(hi[n - 1] + 1);
}

typedef struct {
  char path[CAT__PATH_MAX];
  char parent_id[TC_ID_STRLEN + 1];
  int depth;
} cat_row;

static int path_row(const tc_value *c, size_t n, void *payload) {
  cat_row *r = payload;
  if (n < 3) return TC_ECORRUPT;
  tc__col_copy(r->path, sizeof(r->path), &c[0]);
  r->depth = (int)tc__col_int(&c[1]);
  tc__col_copy(r->parent_id, sizeof(r->parent_id), &c[2]);
  return 0;
}

static int read_category(tc_ctx *ctx, const char *field, const char *id,
                         cat_row *r) {
  int rc = tc__check_id(ctx, field, id);
  if (rc) return rc;
  tc_value p[] = {cat__text(id)};
  rc = tc__db_row(ctx,
                  "SELECT path, depth, parent_id FROM catalog_categories"
                  " WHERE id = ?",
                  p, 1, path_row, r);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, TC_ENOTFOUND, field, "no category %s", id);
  return rc;
}

int cat__category_path(tc_ctx *ctx, const char *field, const char *id,
                       char *path, size_t size, int *depth) {
  cat_row r;
  int rc = read_category(ctx, field, id, &r);
  if (rc) return rc;
  snprintf(path, size, "%s", r.path);
  if (depth) *depth = r.depth;
  return TC_OK;
}

static int check_name(tc_ctx *ctx, const char *name, char *slug, size_t size) {
  int rc = tc__check_text(ctx, "name", name, 0, TC_CATALOG_NAME_MAX,
                          TC__TEXT_NOT_BLANK);
  if (rc) return rc;
  if (tc_catalog_slugify(slug, size, name) != TC_OK)
    return tc__seterr(ctx, TC_EINVAL, "name",
                      "name must contain a letter or a digit");
  return TC_OK;
}

/* TC_ECONFLICT when another child of parent_id has slug. */
static int sibling_free(tc_ctx *ctx, const char *parent_id, const char *slug,
                        const char *self_id, const char *name) {
  tc_value p[] = {cat__text(parent_id), cat__text(slug), cat__text(self_id)};
  int rc = tc__db_row(ctx,
                      "SELECT id FROM catalog_categories"
                      " WHERE parent_id = ? AND slug = ? AND id <> ?",
                      p, 3, NULL, NULL);
  if (rc == TC_ENOTFOUND) return TC_OK;
  if (rc) return rc;
  return tc__seterr(ctx, TC_ECONFLICT, "name",
                    "a category named \"%s\" (slug %s) exists there already",
                    name, slug);
}

static int publish_category(tc_ctx *ctx, const char *topic, const char *id,
                            const char *parent_id, const char *name,
                            const char *path) {
  cJSON *o = cJSON_CreateObject();
  if (!cJSON_AddStringToObject(o, "category_id", id) ||
      !cJSON_AddStringToObject(o, "parent_id", parent_id) ||
      (name && !cJSON_AddStringToObject(o, "name", name)) ||
      !cJSON_AddStringToObject(o, "path", path)) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  return tc__publish_json(ctx, topic, id, o, NULL);
}

static int create_in(tc_ctx *ctx, tc_id *out, const char *parent_id,
                     const char *name, const char *slug) {
  char path[CAT__PATH_MAX] = "/";
  int depth = 0;
  if (*parent_id) {
    cat_row parent;
    int rc = read_category(ctx, "parent_id", parent_id, &parent);
    if (rc) return rc;
    cat__opts o = cat__options(ctx);
    if (parent.depth + 1 >= (int)o.max_category_depth)
      return tc__seterr(ctx, TC_ELIMIT, "parent_id",
                        "categories may be at most %u levels deep",
                        o.max_category_depth);
    snprintf(path, sizeof(path), "%s", parent.path);
    depth = parent.depth + 1;
  }
  int rc = sibling_free(ctx, parent_id, slug, "", name);
  if (rc) return rc;
  tc_id id;
  tc_id_new(&id, ctx);
  size_t n = strlen(path);
  snprintf(path + n, sizeof(path) - n, "%s/", id.str);
  int64_t now = tc__now_ms(ctx);
  tc_value p[] = {cat__text(id.str), cat__text(parent_id), cat__text(name),
                  cat__text(slug),   cat__text(path),      TC_VAL_INT(depth),
                  TC_VAL_INT(now),   TC_VAL_INT(now)};
  rc = tc__db_exec(ctx,
                   "INSERT INTO catalog_categories (id, parent_id, name, slug,"
                   " path, depth, created_ms, updated_ms)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   p, 8, NULL, NULL, NULL);
  if (rc) return rc;
  rc = publish_category(ctx, "catalog.category_created", id.str, parent_id,
                        name, path);
  if (!rc) *out = id;
  return rc;
}

int tc_catalog_category_create(tc_id *out, tc_ctx *ctx, const tc_principal *who,
                               const char *parent_id, const char *name) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  if (!out) return tc__seterr(ctx, TC_EINVAL, "out", "out is NULL");
  char slug[TC_CATALOG_SLUG_MAX + 1];
  int rc = check_name(ctx, name, slug, sizeof(slug));
  if (rc) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = create_in(ctx, out, parent_id ? parent_id : "", name, slug);
  return tc__txn_end(ctx, rc);
}

static int rename_in(tc_ctx *ctx, const char *id, const char *name,
                     const char *slug) {
  cat_row r;
  int rc = read_category(ctx, "id", id, &r);
  if (!rc) rc = sibling_free(ctx, r.parent_id, slug, id, name);
  if (rc) return rc;
  tc_value p[] = {cat__text(name), cat__text(slug), TC_VAL_INT(tc__now_ms(ctx)),
                  cat__text(id)};
  rc = tc__db_exec(ctx,
                   "UPDATE catalog_categories SET name = ?, slug = ?,"
                   " updated_ms = ? WHERE id = ?",
                   p, 4, NULL, NULL, NULL);
  if (rc) return rc;
  return publish_category(ctx, "catalog.category_updated", id, r.parent_id,
                          name, r.path);
}

int tc_catalog_category_rename(tc_ctx *ctx, const tc_principal *who,
                               const char *id, const char *name) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  char slug[TC_CATALOG_SLUG_MAX + 1];
  int rc = check_name(ctx, name, slug, sizeof(slug));
  if (rc) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, rename_in(ctx, id, name, slug));
}

typedef struct {
  char name[TC_CATALOG_NAME_MAX + 1];
  char slug[TC_CATALOG_SLUG_MAX + 1];
  int max_depth;
} subtree_info;

static int subtree_row(const tc_value *c, size_t n, void *payload) {
  subtree_info *s = payload;
  if (n < 3) return TC_ECORRUPT;
  tc__col_copy(s->name, sizeof(s->name), &c[0]);
  tc__col_copy(s->slug, sizeof(s->slug), &c[1]);
  s->max_depth = (int)tc__col_int(&c[2]);
  return 0;
}

static int move_in(tc_ctx *ctx, const char *id, const char *new_parent) {
  cat_row r;
  int rc = read_category(ctx, "id", id, &r);
  if (rc) return rc;
  if (strcmp(r.parent_id, new_parent) == 0) return TC_OK; /* already there */
  char new_path[CAT__PATH_MAX] = "/";
  int new_depth = 0;
  if (*new_parent) {
    cat_row np;
    if ((rc = read_category(ctx, "parent_id", new_parent, &np))) return rc;
    /* Under itself or its own subtree: the tree would become a loop. */
    if (strncmp(np.path, r.path, strlen(r.path)) == 0)
      return tc__seterr(ctx, TC_EINVAL, "parent_id",
                        "moving category %s under %s would make a cycle", id,
                        new_parent);
    snprintf(new_path, sizeof(new_path), "%s", np.path);
    new_depth = np.depth + 1;
  }
  size_t n = strlen(new_path);
  snprintf(new_path + n, sizeof(new_path) - n, "%s/", id);
  char hi[CAT__PATH_MAX];
  cat__prefix_range(r.path, hi, sizeof(hi));
  subtree_info s;
  tc_value ps[] = {cat__text(r.path), cat__text(hi), cat__text(id)};
  rc = tc__db_row(ctx,
                  "SELECT c.name, c.slug, (SELECT max(depth) FROM"
                  " catalog_categories WHERE path >= ? AND path < ?)"
                  " FROM catalog_categories c WHERE c.id = ?",
                  ps, 3, subtree_row, &s);
  if (rc) return rc;
  cat__opts o = cat__options(ctx);
  int delta = new_depth - r.depth;
  if (s.max_depth + delta >= (int)o.max_category_depth)
    return tc__seterr(ctx, TC_ELIMIT, "parent_id",
                      "the moved tree would be deeper than %u levels",
                      o.max_category_depth);
  if ((rc = sibling_free(ctx, new_parent, s.slug, id, s.name))) return rc;
  int64_t now = tc__now_ms(ctx);
  tc_value pu[] = {cat__text(new_path), TC_VAL_INT(strlen(r.path) + 1),
                   TC_VAL_INT(delta),   TC_VAL_INT(now),
                   cat__text(r.path),   cat__text(hi)};
  rc = tc__db_exec(ctx,
                   "UPDATE catalog_categories SET path = ? || substr(path, ?),"
                   " depth = depth + ?, updated_ms = ?"
                   " WHERE path >= ? AND path < ?",
                   pu, 6, NULL, NULL, NULL);
  if (rc) return rc;
  tc_value pp[] = {cat__text(new_parent), cat__text(id)};
  rc = tc__db_exec(ctx,
                   "UPDATE catalog_categories SET parent_id = ? WHERE id = ?",
                   pp, 2, NULL, NULL, NULL);
  if (rc) return rc;
  return publish_category(ctx, "catalog.category_updated", id, new_parent,
                          s.name, new_path);
}

int tc_catalog_category_move(tc_ctx *ctx, const tc_principal *who,
                             const char *id, const char *new_parent_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  int rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = move_in(ctx, id, new_parent_id ? new_parent_id : "");
  return tc__txn_end(ctx, rc);
}

static int update_in(tc_ctx *ctx, const char *id, const char *name,
                     const char *new_parent) {
  int rc = TC_OK;
  if (name) {
    char slug[TC_CATALOG_SLUG_MAX + 1];
    rc = check_name(ctx, name, slug, sizeof(slug));
    if (!rc) rc = rename_in(ctx, id, name, slug);
  }
  if (!rc && new_parent) rc = move_in(ctx, id, new_parent);
  return rc;
}

int tc_catalog_category_update(tc_ctx *ctx, const tc_principal *who,
                               const char *id, const char *name,
                               const char *new_parent_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  if (!name && !new_parent_id)
    return tc__seterr(ctx, TC_EINVAL, "name",
                      "give a new name, a new parent_id (\"\" for the top) "
                      "or both");
  /* Rename and move together or not at all. */
  int rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, update_in(ctx, id, name, new_parent_id));
}

static int delete_in(tc_ctx *ctx, const char *id) {
  cat_row r;
  int rc = read_category(ctx, "id", id, &r);
  if (rc) return rc;
  tc_value p[] = {cat__text(id)};
  rc = tc__db_row(ctx,
                  "SELECT id FROM catalog_categories WHERE parent_id = ?"
                  " LIMIT 1",
                  p, 1, NULL, NULL);
  if (rc == TC_OK)
    return tc__seterr(ctx, TC_ESTATE, "id",
                      "category %s has subcategories; move or delete them "
                      "first",
                      id);
  if (rc != TC_ENOTFOUND) return rc;
  rc = tc__db_row(ctx,
                  "SELECT product_id FROM catalog_product_categories"
                  " WHERE category_id = ? LIMIT 1",
                  p, 1, NULL, NULL);
  if (rc == TC_OK)
    return tc__seterr(ctx, TC_ESTATE, "id",
                      "category %s still has products; take them out first",
                      id);
  if (rc != TC_ENOTFOUND) return rc;
  rc = tc__db_exec(ctx, "DELETE FROM catalog_categories WHERE id = ?", p, 1,
                   NULL, NULL, NULL);
  if (rc) return rc;
  return publish_category(ctx, "catalog.category_deleted", id, r.parent_id,
                          NULL, r.path);
}

int tc_catalog_category_delete(tc_ctx *ctx, const tc_principal *who,
                               const char *id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int arc = cat__may_write(ctx, who);
  if (arc) return arc;
  int rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, delete_in(ctx, id));
}

typedef struct {
  tc_catalog_category_cb cb;
  void *payload;
} list_state;

static int list_row(const tc_value *c, size_t n, void *payload) {
  list_state *s = payload;
  if (n < 5) return TC_ECORRUPT;
  tc_catalog_category cat = {tc__col_text(&c[0]), tc__col_text(&c[1]),
                             tc__col_text(&c[2]), tc__col_text(&c[3]),
                             (int)tc__col_int(&c[4])};
  return s->cb(&cat, s->payload) ? TC_STORE_STOP : 0;
}

int tc_catalog_category_list(tc_ctx *ctx, const char *root_id, bool descendants,
                             tc_catalog_category_cb cb, void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  if (!cb) return tc__seterr(ctx, TC_EINVAL, "cb", "cb is NULL");
  list_state s = {cb, payload};
  if (!root_id || !*root_id)
    return tc__db_exec(ctx,
                       "SELECT id, parent_id, name, slug, depth"
                       " FROM catalog_categories ORDER BY path",
                       NULL, 0, list_row, &s, NULL);
  cat_row r;
  int rc = read_category(ctx, "root_id", root_id, &r);
  if (rc) return rc;
  if (!descendants) {
    tc_value p[] = {cat__text(root_id)};
    return tc__db_exec(ctx,
                       "SELECT id, parent_id, name, slug, depth"
                       " FROM catalog_categories WHERE parent_id = ?"
                       " ORDER BY path",
                       p, 1, list_row, &s, NULL);
  }
  char hi[CAT__PATH_MAX];
  cat__prefix_range(r.path, hi, sizeof(hi));
  tc_value p[] = {cat__text(r.path), cat__text(hi)};
  return tc__db_exec(ctx,
                     "SELECT id, parent_id, name, slug, depth"
                     " FROM catalog_categories WHERE path > ? AND path < ?"
                     " ORDER BY path",
                     p, 2, list_row, &s, NULL);
}
