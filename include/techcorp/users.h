/*
 * techcorp/users.h - the users module: profiles, e-mail verification,
 * password reset, preferences, addresses, change history, export and
 * deletion of a user's data.
 *
 * Every function takes the acting principal `who` (NULL: anonymous) and
 * decides through the auth module's authorization helper: a customer acts
 * only on their own data, support reads everyone's, admin and system do
 * everything. Refusals are TC_EUNAUTHENTICATED (anonymous) or TC_EDENIED.
 *
 * Every change to a user is written to its history (who, when, which field,
 * old and new value; secrets are never recorded) in the same transaction as
 * the change and the event that describes it (topics "users.*"). A failed
 * call leaves the database as it was.
 *
 * E-mail addresses are normalised (trimmed, lower case, RFC 5321 lengths:
 * 254 bytes, 64 for the local part; ASCII only) and unique among users.
 *
 * Tokens (e-mail verification, e-mail change, password reset) are 256
 * random bits in base64url (43 characters); only their SHA-256 is stored.
 * They expire and work once. The library never returns them to the caller
 * of the request: they travel only to the notify module inside the event
 * payload, in a field named "verification_token" or "reset_token" listed in
 * the payload's "secret_fields" array.
 *
 * Errors: TC_EINVAL naming the field (tc_errfield()), TC_ENOTFOUND,
 * TC_ECONFLICT ("email" already used), TC_EDENIED/TC_EUNAUTHENTICATED,
 * TC_EEXPIRED and TC_ESTATE for tokens, TC_ELIMIT, TC_ENOMEM, store errors.
 *
 * Thread rules: as for the context (one thread at a time per context).
 * Records returned are value structs owned by the caller; records given to
 * callbacks are borrowed for the duration of the call.
 */
#ifndef TECHCORP_USERS_H
#define TECHCORP_USERS_H

#include <stdbool.h>

#include "common.h"
#include "buf.h"
#include "context.h"

TC_BEGIN_DECL

/* Size limits (bytes), checked on input; buffers below hold them + NUL. */
#define TC_USERS_EMAIL_MAX 254
#define TC_USERS_NAME_MAX 200
#define TC_USERS_LOCALE_MAX 35
#define TC_USERS_PHONE_MAX 16 /**< E.164: '+' and up to 15 digits */

/* ---- options ------------------------------------------------------------ */

#define TC_USERS_OPTIONS_VERSION 1
/** Module options; declare with TC_USERS_OPTIONS_INIT. */
typedef struct tc_users_options {
  uint32_t version;
  int64_t verify_ttl_ms;       /**< e-mail verification token (24 h) */
  int64_t email_change_ttl_ms; /**< e-mail change token (24 h) */
  int64_t reset_ttl_ms;        /**< password reset token (1 h) */
  uint32_t max_addresses;      /**< per user (50) */
} tc_users_options;

#define TC_USERS_OPTIONS_INIT \
  { TC_USERS_OPTIONS_VERSION, 86400000, 86400000, 3600000, 50 }

/**
 * Set the module's options for ctx (copied). Without a call the defaults
 * of TC_USERS_OPTIONS_INIT apply. TC_EINVAL naming the option when a TTL
 * is not positive or max_addresses is 0; TC_EVERSION for a bad version.
 */
TC_EXTERN int tc_users_configure(tc_ctx *ctx, const tc_users_options *opts);

/* ---- profiles ----------------------------------------------------------- */

typedef enum tc_user_status {
  TC_USER_ACTIVE = 1,
  TC_USER_DELETED = 2, /**< anonymised; kept so orders still refer to it */
} tc_user_status;

/** A user's profile. A value struct; copy it freely. */
typedef struct tc_user {
  char id[TC_ID_STRLEN + 1];
  char email[TC_USERS_EMAIL_MAX + 1]; /**< normalised */
  char name[TC_USERS_NAME_MAX + 1];
  char locale[TC_USERS_LOCALE_MAX + 1]; /**< BCP 47 tag ("pt-BR") */
  char phone[TC_USERS_PHONE_MAX + 1];   /**< E.164, "" when none */
  tc_user_status status;
  bool email_verified;
  int64_t created_ms;
  int64_t updated_ms;
} tc_user;

/**
 * Register a new customer: email (normalised; TC_ECONFLICT naming "email"
 * when taken), password (the auth module's policy, errors name
 * "password"), name (1..200 bytes of UTF-8), locale (BCP 47, NULL or "":
 * "en"). In one transaction: the user, its password, the customer role,
 * an e-mail verification token and the event "users.registered" carrying
 * that token for the notify module. who may be NULL (self-registration).
 * On success *out holds the new user; on failure nothing is written.
 */
TC_EXTERN int tc_users_register(tc_user *out, tc_ctx *ctx,
                                const tc_principal *who, const char *email,
                                const char *password, const char *name,
                                const char *locale);

/** Read a user (deleted ones too, anonymised). Needs "read" on the user. */
TC_EXTERN int tc_users_get(tc_user *out, tc_ctx *ctx, const tc_principal *who,
                           const char *user_id);

/**
 * Find an active user by e-mail (any case or spacing). Support, admin or
 * system only (a customer is denied: it would reveal who has an account).
 * TC_ENOTFOUND naming "email" when nobody has it.
 */
TC_EXTERN int tc_users_find_by_email(tc_user *out, tc_ctx *ctx,
                                     const tc_principal *who,
                                     const char *email);

#define TC_USER_CHANGES_VERSION 1
/**
 * Profile fields to change: NULL keeps a field; phone "" removes it. The
 * e-mail is changed with tc_users_change_email(), the password through
 * the auth module or a reset.
 */
typedef struct tc_user_changes {
  uint32_t version;
  const char *name;
  const char *locale;
  const char *phone; /**< normalised: spaces, '-', '.', '(' and ')' dropped */
} tc_user_changes;

#define TC_USER_CHANGES_INIT \
  { TC_USER_CHANGES_VERSION, NULL, NULL, NULL }

/**
 * Change profile fields of an active user ("write" on the user). Fields
 * whose value does not change are not recorded. *out (may be NULL) gets
 * the user as it is after the call.
 */
TC_EXTERN int tc_users_update(tc_user *out, tc_ctx *ctx,
                              const tc_principal *who, const char *user_id,
                              const tc_user_changes *changes);

/**
 * Erase a user's personal data ("write" on the user): the e-mail becomes a
 * unique tombstone, name and phone are emptied, addresses, preferences and
 * pending tokens removed, old and new values in the history scrubbed; the
 * status becomes TC_USER_DELETED, the auth module forgets the user's
 * credentials, sessions and roles, and "users.deleted" is published with
 * the id only. TC_ENOTFOUND when the user does not exist or is deleted.
 */
TC_EXTERN int tc_users_delete(tc_ctx *ctx, const tc_principal *who,
                              const char *user_id);

/**
 * Give an active user exactly `roles` (TC_ROLE_* bits, at least one) via
 * the auth module, recording the change in the user's history. Admin or
 * system only.
 */
TC_EXTERN int tc_users_set_roles(tc_ctx *ctx, const tc_principal *who,
                                 const char *user_id, uint32_t roles);

/** Filters of tc_users_list(); NULL/0 fields do not filter. */
typedef struct tc_users_filter {
  uint32_t version;
  const char *email_prefix; /**< normalised to lower case */
  tc_user_status status;    /**< 0: any */
  int64_t created_from_ms;  /**< inclusive; 0: no bound */
  int64_t created_to_ms;    /**< exclusive; 0: no bound */
} tc_users_filter;

#define TC_USERS_FILTER_VERSION 1
#define TC_USERS_FILTER_INIT \
  { TC_USERS_FILTER_VERSION, NULL, (tc_user_status)0, 0, 0 }

/** Called per user; return 0 to go on or a negative TC_E code to stop. */
typedef int (*tc_user_cb)(const tc_user *user, void *payload);

/**
 * List users in creation order (support, admin or system), at most limit
 * (1..1000) after the cursor `after` (NULL or "": from the start). next
 * (TC_ID_STRLEN + 1 bytes, may be NULL) receives the cursor for the next
 * page, "" when this page is the last. filter may be NULL.
 */
TC_EXTERN int tc_users_list(char *next, tc_ctx *ctx, const tc_principal *who,
                            const tc_users_filter *filter, const char *after,
                            size_t limit, tc_user_cb cb, void *payload);

/* ---- e-mail verification and change ------------------------------------- */

/**
 * Mark the e-mail of the token's user verified and use the token up.
 * Anyone holding the token may call it. Errors name "token": TC_EINVAL
 * (malformed), TC_ENOTFOUND (unknown), TC_ESTATE (already used or
 * replaced by a newer one), TC_EEXPIRED. *out (may be NULL) gets the user.
 */
TC_EXTERN int tc_users_verify_email(tc_user *out, tc_ctx *ctx,
                                    const char *token);

/**
 * Issue a new verification token for a user whose e-mail is not verified
 * yet ("write" on the user); older unused ones stop working. Publishes
 * "users.verification_requested" with the token. TC_ESTATE when already
 * verified.
 */
TC_EXTERN int tc_users_send_verification(tc_ctx *ctx, const tc_principal *who,
                                         const char *user_id);

/**
 * Start changing a user's e-mail: the new address must be free; a token is
 * issued and published on "users.email_change_requested" to be sent to the
 * new address; nothing changes until tc_users_confirm_email_change().
 * When the user acts on their own account, current_password is required
 * and checked by the auth module (TC_EUNAUTHENTICATED naming "password");
 * support cannot, admin and system need none.
 */
TC_EXTERN int tc_users_change_email(tc_ctx *ctx, const tc_principal *who,
                                    const char *user_id, const char *new_email,
                                    const char *current_password);

/**
 * Apply a pending e-mail change: the new address becomes the user's,
 * verified. Token errors as tc_users_verify_email(); TC_ECONFLICT naming
 * "email" when someone took the address meanwhile.
 */
TC_EXTERN int tc_users_confirm_email_change(tc_user *out, tc_ctx *ctx,
                                            const char *token);

/* ---- password reset ----------------------------------------------------- */

/**
 * Ask for a password reset for email. Answers TC_OK whether or not an
 * active user has that address (TC_EINVAL only when it is not an address
 * at all), so it reveals nothing; when one has, a reset token is issued
 * (older ones stop working) and published on
 * "users.password_reset_requested".
 */
TC_EXTERN int tc_users_request_password_reset(tc_ctx *ctx, const char *email);

/**
 * Set a new password with a reset token: the password goes through the
 * auth module's policy (errors name "password"; the token stays usable),
 * every session of the user is revoked, the token used up, and
 * "users.password_reset" published. Token errors as
 * tc_users_verify_email().
 */
TC_EXTERN int tc_users_reset_password(tc_ctx *ctx, const char *token,
                                      const char *new_password);

/* ---- preferences -------------------------------------------------------- */

typedef enum tc_pref_type {
  TC_PREF_STRING = 1,
  TC_PREF_BOOL = 2,
} tc_pref_type;

/**
 * One preference. Known keys and their types:
 *   locale (string, BCP 47; the same value as the profile's locale),
 *   currency (string, ISO 4217), timezone (string, IANA name such as
 *   "America/Sao_Paulo" or "UTC"), marketing_opt_in (bool),
 *   opt_out_email, opt_out_sms, opt_out_push, opt_out_in_app (bool:
 *   notification channels the user does not want).
 * Any other key is refused naming it.
 */
typedef struct tc_user_pref {
  const char *key;
  tc_pref_type type;
  const char *str; /**< for TC_PREF_STRING */
  bool b;          /**< for TC_PREF_BOOL */
  bool unset;      /**< set: remove the preference (type ignored) */
} tc_user_pref;

/** The type of a known preference key; TC_EINVAL for an unknown one. */
TC_EXTERN int tc_users_pref_type(tc_pref_type *out, const char *key);

/**
 * Set (or unset) n preferences of an active user at once ("write" on the
 * user): all or none. Errors name "preferences.<key>": unknown key, wrong
 * type, bad value.
 */
TC_EXTERN int tc_users_set_prefs(tc_ctx *ctx, const tc_principal *who,
                                 const char *user_id, const tc_user_pref *prefs,
                                 size_t n);

/** Called per preference that is set; the record is borrowed. */
typedef int (*tc_user_pref_cb)(const tc_user_pref *pref, void *payload);

/** The preferences a user has set ("read" on the user), sorted by key. */
TC_EXTERN int tc_users_get_prefs(tc_ctx *ctx, const tc_principal *who,
                                 const char *user_id, tc_user_pref_cb cb,
                                 void *payload);

/* ---- addresses ---------------------------------------------------------- */

/** A postal address of a user. A value struct. */
typedef struct tc_address {
  char id[TC_ID_STRLEN + 1];
  char user_id[TC_ID_STRLEN + 1];
  char label[65];
  char recipient[201];
  char line1[201];
  char line2[201];
  char city[101];
  char region[101];
  char postal_code[21];
  char country[3]; /**< ISO 3166-1 alpha-2, upper case */
  char phone[TC_USERS_PHONE_MAX + 1];
  bool default_shipping;
  bool default_billing;
  int64_t created_ms;
  int64_t updated_ms;
} tc_address;

#define TC_ADDRESS_FIELDS_VERSION 1
/**
 * Input for adding or changing an address. NULL keeps a field (when
 * adding: leaves it empty); "" clears an optional one (label, line2,
 * region, phone). recipient, line1, city, postal_code and country are
 * required when adding. The default flags are -1 (no opinion), 0 or 1.
 * Whenever a user has addresses, exactly one is the default shipping
 * address and exactly one the default billing address: the first address
 * becomes both, setting a flag moves it, and a flag cannot be taken off
 * (set it on another address instead; TC_ESTATE naming the flag).
 */
typedef struct tc_address_fields {
  uint32_t version;
  const char *label;
  const char *recipient;
  const char *line1;
  const char *line2;
  const char *city;
  const char *region;
  const char *postal_code;
  const char *country; /**< any case; stored upper case */
  const char *phone;
  int default_shipping;
  int default_billing;
} tc_address_fields;

#define TC_ADDRESS_FIELDS_INIT                                                 \
  {                                                                            \
    TC_ADDRESS_FIELDS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
        NULL, -1, -1                                                           \
  }

/** Add an address to an active user ("write"); TC_ELIMIT past the max. */
TC_EXTERN int tc_users_add_address(tc_address *out, tc_ctx *ctx,
                                   const tc_principal *who, const char *user_id,
                                   const tc_address_fields *fields);

/** Change an address ("write" on its owner). *out may be NULL. */
TC_EXTERN int tc_users_update_address(tc_address *out, tc_ctx *ctx,
                                      const tc_principal *who,
                                      const char *address_id,
                                      const tc_address_fields *fields);

/**
 * Delete an address ("write" on its owner). When it was a default, the
 * oldest remaining address takes that role.
 */
TC_EXTERN int tc_users_delete_address(tc_ctx *ctx, const tc_principal *who,
                                      const char *address_id);

/** Called per address; return 0 to go on or a TC_E code to stop. */
typedef int (*tc_address_cb)(const tc_address *address, void *payload);

/** A user's addresses, oldest first ("read" on the user). */
TC_EXTERN int tc_users_list_addresses(tc_ctx *ctx, const tc_principal *who,
                                      const char *user_id, tc_address_cb cb,
                                      void *payload);

/* ---- history ------------------------------------------------------------ */

/**
 * One recorded change of one field. Strings are borrowed for the callback.
 * old_value/new_value are NULL when there was none, when the field is a
 * secret (the password: note says "password changed") or after the
 * user's deletion scrubbed them. Entries written by one call share
 * change_id.
 */
typedef struct tc_user_change {
  const char *id;
  const char *change_id;
  int64_t at_ms;
  const char *actor_kind; /**< "user", "system", "anonymous" or "token" */
  const char *actor_id;   /**< user id, client id or "" */
  const char *action;     /**< "registered", "updated", "email_verified"... */
  const char *field;      /**< "name", "preferences.currency", ... */
  const char *old_value;
  const char *new_value;
  const char *note; /**< "" or a remark ("password changed") */
} tc_user_change;

typedef int (*tc_user_change_cb)(const tc_user_change *change, void *payload);

/**
 * A user's history, oldest first ("read" on the user), at most limit
 * (1..1000) entries after the cursor `after` (NULL or "": from the start).
 * next (TC_ID_STRLEN + 1 bytes, may be NULL) receives the next page's
 * cursor, "" after the last page.
 */
TC_EXTERN int tc_users_history(char *next, tc_ctx *ctx, const tc_principal *who,
                               const char *user_id, const char *after,
                               size_t limit, tc_user_change_cb cb,
                               void *payload);

/* ---- export ------------------------------------------------------------- */

/**
 * Append to out one JSON document with everything held about the user
 * ("read" on the user): {"user":{...},"preferences":{...},"addresses":
 * [...],"history":[...],"sessions":[...],"roles":[...],"exported_ms":N,
 * "not_included":[...]}. Sessions (live ones, with client address and
 * user agent) and roles come from the auth module; secrets (password
 * hash, MFA secrets) are never exported and "not_included" says so. out
 * is the caller's (tc_buf_dispose()); on error it is left as it was.
 */
/**
 * The JSON forms of the records above, as exports and the JSON API show
 * them, appended to out (the caller's): a user {"id","email","name",
 * "locale","phone","status","email_verified","created_ms","updated_ms"}, an
 * address (every field of tc_address), a history entry {"id","change_id",
 * "at_ms","actor_kind","actor_id","action","field","old_value",
 * "new_value","note"} (values null when absent). Pure functions:
 * TC_ENOMEM when out cannot grow, TC_EINVAL for NULL arguments.
 */
TC_EXTERN int tc_users_user_json(tc_buf *out, const tc_user *u);
TC_EXTERN int tc_users_address_json(tc_buf *out, const tc_address *a);
TC_EXTERN int tc_users_change_json(tc_buf *out, const tc_user_change *c);

TC_EXTERN int tc_users_export(tc_buf *out, tc_ctx *ctx, const tc_principal *who,
                              const char *user_id);

TC_END_DECL

#endif
