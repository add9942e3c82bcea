/* Addresses: several per user, exactly one default shipping and one default
 * billing address whenever the user has any (partial unique indexes keep
 * "at most one"; the code below keeps "at least one"). */
#include <stdio.h>

#include "users/users_priv.h"

int tc__users_address_row_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  tc_address *a = payload;
  memset(a, 0, sizeof(*a));
  tc__col_copy(a->id, sizeof(a->id), &cols[0]);
  tc__col_copy(a->user_id, sizeof(a->user_id), &cols[1]);
  tc__col_copy(a->label, sizeof(a->label), &cols[2]);
  tc__col_copy(a->recipient, sizeof(a->recipient), &cols[3]);
  tc__col_copy(a->line1, sizeof(a->line1), &cols[4]);
  tc__col_copy(a->line2, sizeof(a->line2), &cols[5]);
  tc__col_copy(a->city, sizeof(a->city), &cols[6]);
  tc__col_copy(a->region, sizeof(a->region), &cols[7]);
  tc__col_copy(a->postal_code, sizeof(a->postal_code), &cols[8]);
  tc__col_copy(a->country, sizeof(a->country), &cols[9]);
  tc__col_copy(a->phone, sizeof(a->phone), &cols[10]);
  a->default_shipping = tc__col_int(&cols[11]) != 0;
  a->default_billing = tc__col_int(&cols[12]) != 0;
  a->created_ms = tc__col_int(&cols[13]);
  a->updated_ms = tc__col_int(&cols[14]);
  return 0;
}

cJSON *tc__users_address_json(tc_ctx *ctx, const tc_address *a) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddStringToObject(o, "id", a->id) &&
            cJSON_AddStringToObject(o, "user_id", a->user_id) &&
            cJSON_AddStringToObject(o, "label", a->label) &&
            cJSON_AddStringToObject(o, "recipient", a->recipient) &&
            cJSON_AddStringToObject(o, "line1", a->line1) &&
            cJSON_AddStringToObject(o, "line2", a->line2) &&
            cJSON_AddStringToObject(o, "city", a->city) &&
            cJSON_AddStringToObject(o, "region", a->region) &&
            cJSON_AddStringToObject(o, "postal_code", a->postal_code) &&
            cJSON_AddStringToObject(o, "country", a->country) &&
            cJSON_AddStringToObject(o, "phone", a->phone) &&
            cJSON_AddBoolToObject(o, "default_shipping", a->default_shipping) &&
            cJSON_AddBoolToObject(o, "default_billing", a->default_billing) &&
            cJSON_AddNumberToObject(o, "created_ms", (double)a->created_ms) &&
            cJSON_AddNumberToObject(o, "updated_ms", (double)a->updated_ms);
  if (!ok) {
    cJSON_Delete(o);
    if (ctx) tc__oom(ctx);
    return NULL;
  }
  return o;
}

int tc_users_address_json(tc_buf *out, const tc_address *a) {
  if (!out || !a) return TC_EINVAL;
  return tc__users_put_json(out, tc__users_address_json(NULL, a));
}

/* The address as the history records it: the postal fields only. */
char *tc__users_address_text(const tc_address *a) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddStringToObject(o, "label", a->label) &&
            cJSON_AddStringToObject(o, "recipient", a->recipient) &&
            cJSON_AddStringToObject(o, "line1", a->line1) &&
            cJSON_AddStringToObject(o, "line2", a->line2) &&
            cJSON_AddStringToObject(o, "city", a->city) &&
            cJSON_AddStringToObject(o, "region", a->region) &&
            cJSON_AddStringToObject(o, "postal_code", a->postal_code) &&
            cJSON_AddStringToObject(o, "country", a->country) &&
            cJSON_AddStringToObject(o, "phone", a->phone) &&
            cJSON_AddBoolToObject(o, "default_shipping", a->default_shipping) &&
            cJSON_AddBoolToObject(o, "default_billing", a->default_billing);
  char *s = ok ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return s;
}

/* Copy src into dst (size bytes) after checking it as field: NULL keeps
 * dst; "" clears an optional field. */
static int set_field(tc_ctx *ctx, const char *field, const char *src, char *dst,
                     size_t size, bool required) {
  if (!src) return TC_OK;
  int rc = tc__check_text(ctx, field, src, required ? 1 : 0, size - 1, 0);
  if (rc == TC_OK && required) {
    const char *p = src;
    while (*p == ' ') p++;
    if (!*p) rc = tc__seterr(ctx, TC_EINVAL, field, "%s is blank", field);
  }
  if (rc == TC_OK) snprintf(dst, size, "%s", src);
  return rc;
}

/* Apply fields onto a (a copy of the stored address or a blank one). */
static int apply_fields(tc_ctx *ctx, const tc_address_fields *f, tc_address *a,
                        bool adding) {
  if (!f || f->version != TC_ADDRESS_FIELDS_VERSION)
    return tc__seterr(ctx, TC_EINVAL, "fields",
                      "fields must be a tc_address_fields of version %d",
                      TC_ADDRESS_FIELDS_VERSION);
  int rc;
  if ((rc = set_field(ctx, "label", f->label, a->label, sizeof(a->label),
                      false)) ||
      (rc = set_field(ctx, "recipient", f->recipient, a->recipient,
                      sizeof(a->recipient), true)) ||
      (rc = set_field(ctx, "line1", f->line1, a->line1, sizeof(a->line1),
                      true)) ||
      (rc = set_field(ctx, "line2", f->line2, a->line2, sizeof(a->line2),
                      false)) ||
      (rc = set_field(ctx, "city", f->city, a->city, sizeof(a->city), true)) ||
      (rc = set_field(ctx, "region", f->region, a->region, sizeof(a->region),
                      false)) ||
      (rc = set_field(ctx, "postal_code", f->postal_code, a->postal_code,
                      sizeof(a->postal_code), true)))
    return rc;
  if (f->country &&
      (rc = tc__users_check_country(ctx, "country", f->country, a->country)))
    return rc;
  if (f->phone) {
    a->phone[0] = '\0';
    if (*f->phone &&
        (rc = tc__users_norm_phone(ctx, "phone", f->phone, a->phone)))
      return rc;
  }
  if (f->default_shipping < -1 || f->default_shipping > 1)
    return tc__seterr(ctx, TC_EINVAL, "default_shipping",
                      "default_shipping must be -1, 0 or 1");
  if (f->default_billing < -1 || f->default_billing > 1)
    return tc__seterr(ctx, TC_EINVAL, "default_billing",
                      "default_billing must be -1, 0 or 1");
  if (adding) {
    static const char *const req[] = {"recipient", "line1", "city",
                                      "postal_code", "country"};
    const char *vals[] = {a->recipient, a->line1, a->city, a->postal_code,
                          a->country};
    for (size_t i = 0; i < 5; i++)
      if (!vals[i][0])
        return tc__seterr(ctx, TC_EINVAL, req[i], "%s is required", req[i]);
  }
  return TC_OK;
}

static int count_row(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  *(int64_t *)payload = tc__col_int(&cols[0]);
  return 0;
}

/* Take a default flag off every other address of the user. */
static int clear_default(tc_ctx *ctx, const char *user_id, const char *keep,
                         bool shipping) {
  tc_value p[] = {TC_VAL_TEXT(user_id), TC_VAL_TEXT(keep)};
  return tc__db_exec(ctx,
                     shipping ? "UPDATE users_addresses SET default_shipping = "
                                "0 WHERE user_id = ? AND default_shipping = 1 "
                                "AND id <> ?"
                              : "UPDATE users_addresses SET default_billing = "
                                "0 WHERE user_id = ? AND default_billing = 1 "
                                "AND id <> ?",
                     p, 2, NULL, NULL, NULL);
}

static int address_event(tc_ctx *ctx, const char *topic, const tc_address *a) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddStringToObject(o, "user_id", a->user_id) ||
      !cJSON_AddStringToObject(o, "address_id", a->id)) {
    cJSON_Delete(o);
    return tc__oom(ctx);
  }
  return tc__publish_json(ctx, topic, a->user_id, o, NULL);
}

/* History entry "addresses.<id>" with the old and new address as JSON. */
static int record_address(tc_ctx *ctx, const tc_principal *who,
                          const char *action, const tc_address *before,
                          const tc_address *after) {
  const tc_address *a = after ? after : before;
  char field[64];
  snprintf(field, sizeof(field), "addresses.%s", a->id);
  char *ov = before ? tc__users_address_text(before) : NULL;
  char *nv = after ? tc__users_address_text(after) : NULL;
  int rc;
  if ((before && !ov) || (after && !nv)) {
    rc = tc__oom(ctx);
  } else {
    tc__users_change ch;
    tc__users_change_begin(&ch, ctx, who, a->user_id, action);
    rc = tc__users_record(&ch, field, ov, nv, NULL);
  }
  cJSON_free(ov);
  cJSON_free(nv);
  return rc;
}

static int write_address(tc_ctx *ctx, const tc_address *a, bool insert) {
  tc_value p[] = {TC_VAL_TEXT(a->user_id),
                  TC_VAL_TEXT(a->label),
                  TC_VAL_TEXT(a->recipient),
                  TC_VAL_TEXT(a->line1),
                  TC_VAL_TEXT(a->line2),
                  TC_VAL_TEXT(a->city),
                  TC_VAL_TEXT(a->region),
                  TC_VAL_TEXT(a->postal_code),
                  TC_VAL_TEXT(a->country),
                  TC_VAL_TEXT(a->phone),
                  TC_VAL_INT(a->default_shipping),
                  TC_VAL_INT(a->default_billing),
                  TC_VAL_INT(a->created_ms),
                  TC_VAL_INT(a->updated_ms),
                  TC_VAL_TEXT(a->id)};
  if (insert)
    return tc__db_exec(ctx,
                       "INSERT INTO users_addresses (user_id, label, "
                       "recipient, line1, line2, city, region, postal_code, "
                       "country, phone, default_shipping, default_billing, "
                       "created_ms, updated_ms, id) VALUES (?, ?, ?, ?, ?, ?, "
                       "?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       p, 15, NULL, NULL, NULL);
  int64_t rows = 0;
  int rc = tc__db_exec(ctx,
                       "UPDATE users_addresses SET user_id = ?, label = ?, "
                       "recipient = ?, line1 = ?, line2 = ?, city = ?, "
                       "region = ?, postal_code = ?, country = ?, phone = ?, "
                       "default_shipping = ?, default_billing = ?, "
                       "created_ms = ?, updated_ms = ? WHERE id = ?",
                       p, 15, NULL, NULL, &rows);
  if (rc == TC_OK && rows != 1)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "address_id", "address %s not found",
                    a->id);
  return rc;
}

static int add_txn(tc_ctx *ctx, const tc_principal *who, tc_address *a,
                   const tc_address_fields *f) {
  tc_user u;
  int rc = tc__users_load_active(ctx, a->user_id, &u);
  if (rc) return rc;
  int64_t count = 0;
  tc_value p[] = {TC_VAL_TEXT(a->user_id)};
  rc = tc__db_row(ctx, "SELECT COUNT(*) FROM users_addresses WHERE user_id = ?",
                  p, 1, count_row, &count);
  if (rc) return rc;
  uint32_t max = tc__users_opts(ctx)->max_addresses;
  if (count >= (int64_t)max)
    return tc__seterr(ctx, TC_ELIMIT, "user_id",
                      "a user may have at most %u addresses", max);
  /* The first address is both defaults; later ones only when asked. */
  a->default_shipping = count == 0 || f->default_shipping == 1;
  a->default_billing = count == 0 || f->default_billing == 1;
  if (a->default_shipping && (rc = clear_default(ctx, a->user_id, a->id, true)))
    return rc;
  if (a->default_billing && (rc = clear_default(ctx, a->user_id, a->id, false)))
    return rc;
  if ((rc = write_address(ctx, a, true)) ||
      (rc = record_address(ctx, who, "address_added", NULL, a)))
    return rc;
  return address_event(ctx, "users.address_added", a);
}

int tc_users_add_address(tc_address *out, tc_ctx *ctx, const tc_principal *who,
                         const char *user_id, const tc_address_fields *fields) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_WRITE, user_id)))
    return rc;
  tc_address a;
  memset(&a, 0, sizeof(a));
  if ((rc = apply_fields(ctx, fields, &a, true))) return rc;
  tc_id id;
  tc_id_new(&id, ctx);
  memcpy(a.id, id.str, sizeof(a.id));
  memcpy(a.user_id, user_id, sizeof(a.user_id));
  a.created_ms = a.updated_ms = tc__now_ms(ctx);
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__txn_end(ctx, add_txn(ctx, who, &a, fields));
  if (rc == TC_OK && out) *out = a;
  return rc;
}

static int load_address(tc_ctx *ctx, const char *address_id, tc_address *a) {
  int rc = tc__check_id(ctx, "address_id", address_id);
  if (rc) return rc;
  tc_value p[] = {TC_VAL_TEXT(address_id)};
  rc = tc__db_row(ctx,
                  "SELECT " TC__ADDR_COLS " FROM users_addresses WHERE id = ?",
                  p, 1, tc__users_address_row_cb, a);
  if (rc == TC_ENOTFOUND)
    return tc__seterr(ctx, rc, "address_id", "address %s not found",
                      address_id);
  return rc;
}

static int update_txn(tc_ctx *ctx, const tc_principal *who,
                      const char *address_id, const tc_address_fields *f,
                      tc_address *out) {
  tc_address old, a;
  int rc = load_address(ctx, address_id, &old);
  if (rc) return rc;
  a = old;
  if ((rc = apply_fields(ctx, f, &a, false))) return rc;
  if (f->default_shipping == 0 && old.default_shipping)
    return tc__seterr(ctx, TC_ESTATE, "default_shipping",
                      "the default shipping address cannot be unset; make "
                      "another address the default instead");
  if (f->default_billing == 0 && old.default_billing)
    return tc__seterr(ctx, TC_ESTATE, "default_billing",
                      "the default billing address cannot be unset; make "
                      "another address the default instead");
  if (f->default_shipping == 1) a.default_shipping = true;
  if (f->default_billing == 1) a.default_billing = true;
  *out = old;
  char *ot = tc__users_address_text(&old), *nt = tc__users_address_text(&a);
  bool same = ot && nt && strcmp(ot, nt) == 0;
  cJSON_free(ot);
  cJSON_free(nt);
  if (same) return TC_OK;
  a.updated_ms = tc__now_ms(ctx);
  if (a.default_shipping && !old.default_shipping &&
      (rc = clear_default(ctx, a.user_id, a.id, true)))
    return rc;
  if (a.default_billing && !old.default_billing &&
      (rc = clear_default(ctx, a.user_id, a.id, false)))
    return rc;
  if ((rc = write_address(ctx, &a, false)) ||
      (rc = record_address(ctx, who, "address_updated", &old, &a)) ||
      (rc = address_event(ctx, "users.address_updated", &a)))
    return rc;
  *out = a;
  return TC_OK;
}

/* The owner of an address, checked against who before anything else. */
static int authorize_address(tc_ctx *ctx, const tc_principal *who,
                             const char *address_id) {
  tc_address a;
  int rc = load_address(ctx, address_id, &a);
  return rc ? rc : tc__authorize(ctx, who, "users", TC__ACT_WRITE, a.user_id);
}

int tc_users_update_address(tc_address *out, tc_ctx *ctx,
                            const tc_principal *who, const char *address_id,
                            const tc_address_fields *fields) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = authorize_address(ctx, who, address_id);
  if (rc) return rc;
  tc_address blank, res;
  memset(&blank, 0, sizeof(blank));
  /* Check the input before the transaction: nothing to undo. */
  if ((rc = apply_fields(ctx, fields, &blank, false))) return rc;
  if ((rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  rc = tc__txn_end(ctx, update_txn(ctx, who, address_id, fields, &res));
  if (rc == TC_OK && out) *out = res;
  return rc;
}

/* Give a default role that nobody holds to the oldest address. */
static int promote_oldest(tc_ctx *ctx, const char *user_id, bool shipping) {
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  return tc__db_exec(
      ctx,
      shipping ? "UPDATE users_addresses SET default_shipping = 1 WHERE id = "
                 "(SELECT id FROM users_addresses WHERE user_id = ? ORDER BY "
                 "id LIMIT 1)"
               : "UPDATE users_addresses SET default_billing = 1 WHERE id = "
                 "(SELECT id FROM users_addresses WHERE user_id = ? ORDER BY "
                 "id LIMIT 1)",
      p, 1, NULL, NULL, NULL);
}

static int delete_txn(tc_ctx *ctx, const tc_principal *who,
                      const char *address_id) {
  tc_address a;
  int rc = load_address(ctx, address_id, &a);
  if (rc) return rc;
  int64_t rows = 0;
  tc_value p[] = {TC_VAL_TEXT(address_id)};
  rc = tc__db_exec(ctx, "DELETE FROM users_addresses WHERE id = ?", p, 1, NULL,
                   NULL, &rows);
  if (rc == TC_OK && rows != 1)
    rc = tc__seterr(ctx, TC_ENOTFOUND, "address_id", "address %s not found",
                    address_id);
  if (rc == TC_OK && a.default_shipping)
    rc = promote_oldest(ctx, a.user_id, true);
  if (rc == TC_OK && a.default_billing)
    rc = promote_oldest(ctx, a.user_id, false);
  if (rc == TC_OK) rc = record_address(ctx, who, "address_deleted", &a, NULL);
  if (rc == TC_OK) rc = address_event(ctx, "users.address_deleted", &a);
  return rc;
}

int tc_users_delete_address(tc_ctx *ctx, const tc_principal *who,
                            const char *address_id) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = authorize_address(ctx, who, address_id);
  if (rc || (rc = tc__txn_begin(ctx, TC_TXN_WRITE))) return rc;
  return tc__txn_end(ctx, delete_txn(ctx, who, address_id));
}

typedef struct {
  tc_address_cb cb;
  void *payload;
} list_args;

static int list_row(const tc_value *cols, size_t n, void *payload) {
  list_args *l = payload;
  tc_address a;
  tc__users_address_row_cb(cols, n, &a);
  return l->cb ? l->cb(&a, l->payload) : 0;
}

int tc_users_list_addresses(tc_ctx *ctx, const tc_principal *who,
                            const char *user_id, tc_address_cb cb,
                            void *payload) {
  if (!ctx) return TC_EINVAL;
  tc__clearerr(ctx);
  int rc = tc__check_id(ctx, "user_id", user_id);
  if (rc || (rc = tc__authorize(ctx, who, "users", TC__ACT_READ, user_id)))
    return rc;
  tc_user u;
  if ((rc = tc__users_load(ctx, user_id, &u))) return rc;
  list_args l = {cb, payload};
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  /* Bounded by max_addresses: no paging needed. */
  return tc__db_exec(ctx,
                     "SELECT " TC__ADDR_COLS
                     " FROM users_addresses WHERE user_id = ? ORDER BY id",
                     p, 1, list_row, &l, NULL);
}

int tc__users_addresses_erase(tc_ctx *ctx, const char *user_id) {
  tc_value p[] = {TC_VAL_TEXT(user_id)};
  return tc__db_exec(ctx, "DELETE FROM users_addresses WHERE user_id = ?", p, 1,
                     NULL, NULL, NULL);
}
