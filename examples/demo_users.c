/*
 * examples/demo_users.c - the users part of the seed's flow: a customer
 * registers, the notify side picks the verification token out of the
 * users.registered event, the e-mail gets verified, the profile,
 * preferences and an address are filled in, a forgotten password is
 * reset, and the customer finally exports and erases their data.
 *
 * int demo_users(tc_ctx *ctx) prints each step and returns 0 on success.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <techcorp/techcorp.h>

int demo_users(tc_ctx *ctx);

#define GROUP "demo-users-notify"

static int failed(tc_ctx *ctx, const char *what, int rc) {
  fprintf(stderr, "demo_users: %s failed: %s (%s)\n", what, tc_strerror(rc),
          tc_errmsg(ctx));
  return 1;
}

/* What the notify module will do: take the event and read the token that
 * goes into the e-mail. Other users.* events are acknowledged on the way. */
static int take_token(tc_ctx *ctx, const char *topic, const char *field,
                      char *out, size_t size) {
  for (;;) {
    tc_queue_message *m = NULL;
    int rc = tc_events_take(ctx, GROUP, 30000, &m);
    if (rc) return rc;
    cJSON *j = strcmp(m->topic, topic) ? NULL : cJSON_Parse(m->payload);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, field);
    bool found = cJSON_IsString(t);
    if (found) {
      snprintf(out, size, "%s", t->valuestring);
      const cJSON *to = cJSON_GetObjectItemCaseSensitive(j, "email");
      /* The token itself is a secret: it goes into the e-mail only. */
      printf("    event %s: a token to send to %s\n", m->topic,
             cJSON_IsString(to) ? to->valuestring : "?");
    }
    cJSON_Delete(j);
    if ((rc = tc_events_ack(ctx, m))) return rc;
    if (found) return TC_OK;
  }
}

static int print_change(const tc_user_change *c, void *payload) {
  (void)payload;
  printf("    %-22s %-16s %s -> %s%s%s\n", c->action, c->field,
         c->old_value ? c->old_value : "-", c->new_value ? c->new_value : "-",
         *c->note ? "  # " : "", c->note);
  return 0;
}

int demo_users(tc_ctx *ctx) {
  int rc;
  char token[64];
  tc_user u;
  if ((rc = tc_events_subscribe(ctx, GROUP, "users.*")))
    return failed(ctx, "subscribe", rc);

  printf("\n[users] A customer registers (e-mail is normalised)\n");
  rc = tc_users_register(&u, ctx, NULL, "  Ana.Souza@Example.COM ",
                         "correct-Horse-battery-42", "Ana Souza", "pt-BR");
  if (rc) return failed(ctx, "register", rc);
  printf("    user %s <%s> verified=%s\n", u.id, u.email,
         u.email_verified ? "yes" : "no");
  tc_user dup;
  rc = tc_users_register(&dup, ctx, NULL, "ana.souza@example.com",
                         "another-Password-43", "Impostor", NULL);
  printf("    same e-mail again -> %s (%s)\n", tc_status_name(rc),
         tc_errmsg(ctx));
  if (rc != TC_ECONFLICT) return failed(ctx, "duplicate refusal", rc);

  printf("\n[users] The verification e-mail's token verifies the address\n");
  if ((rc = take_token(ctx, "users.registered", "verification_token", token,
                       sizeof(token))))
    return failed(ctx, "take users.registered", rc);
  if ((rc = tc_users_verify_email(&u, ctx, token)))
    return failed(ctx, "verify", rc);
  printf("    verified=%s\n", u.email_verified ? "yes" : "no");
  rc = tc_users_verify_email(NULL, ctx, token);
  printf("    the same token again -> %s (%s)\n", tc_status_name(rc),
         tc_errmsg(ctx));

  tc_principal me = TC_PRINCIPAL_INIT;
  me.kind = TC_PRINCIPAL_USER;
  me.roles = TC_ROLE_CUSTOMER;
  snprintf(me.user_id, sizeof(me.user_id), "%s", u.id);

  printf("\n[users] Profile, preferences and a shipping address\n");
  tc_user_changes ch = TC_USER_CHANGES_INIT;
  ch.phone = "+55 (11) 98765-4321";
  if ((rc = tc_users_update(&u, ctx, &me, u.id, &ch)))
    return failed(ctx, "update", rc);
  printf("    phone %s\n", u.phone);
  tc_user_pref prefs[] = {
      {"currency", TC_PREF_STRING, "BRL", false, false},
      {"marketing_opt_in", TC_PREF_BOOL, NULL, false, false},
      {"timezone", TC_PREF_STRING, "America/Sao_Paulo", false, false},
  };
  if ((rc = tc_users_set_prefs(ctx, &me, u.id, prefs, 3)))
    return failed(ctx, "preferences", rc);
  tc_user_pref bad = {"currency", TC_PREF_STRING, "REAIS", false, false};
  rc = tc_users_set_prefs(ctx, &me, u.id, &bad, 1);
  printf("    currency \"REAIS\" -> %s (%s)\n", tc_status_name(rc),
         tc_errmsg(ctx));
  tc_address_fields f = TC_ADDRESS_FIELDS_INIT;
  f.label = "home";
  f.recipient = "Ana Souza";
  f.line1 = "Rua Augusta, 1000";
  f.city = "Sao Paulo";
  f.region = "SP";
  f.postal_code = "01305-100";
  f.country = "br";
  tc_address a;
  if ((rc = tc_users_add_address(&a, ctx, &me, u.id, &f)))
    return failed(ctx, "address", rc);
  printf("    address %s, %s %s (default shipping=%d billing=%d)\n", a.line1,
         a.city, a.country, a.default_shipping, a.default_billing);

  printf("\n[users] Another customer is refused\n");
  tc_principal other = me;
  snprintf(other.user_id, sizeof(other.user_id), "%s",
           "0190c9e2-8a6b-7c3d-9e4f-0123456789ab");
  tc_user peek;
  rc = tc_users_get(&peek, ctx, &other, u.id);
  printf("    get -> %s (%s)\n", tc_status_name(rc), tc_errmsg(ctx));
  if (rc != TC_EDENIED) return failed(ctx, "denial", rc);

  printf("\n[users] A forgotten password is reset (sessions are revoked)\n");
  if ((rc = tc_users_request_password_reset(ctx, "ANA.SOUZA@example.com")))
    return failed(ctx, "reset request", rc);
  if ((rc = tc_users_request_password_reset(ctx, "nobody@example.com")))
    return failed(ctx, "reset request (unknown)", rc);
  printf("    known and unknown addresses both -> ok\n");
  if ((rc = take_token(ctx, "users.password_reset_requested", "reset_token",
                       token, sizeof(token))))
    return failed(ctx, "take reset event", rc);
  if ((rc = tc_users_reset_password(ctx, token, "new-Secret-passphrase-7")))
    return failed(ctx, "reset", rc);
  printf("    password reset\n");

  printf("\n[users] The change history (no password values)\n");
  char next[TC_ID_STRLEN + 1];
  if ((rc = tc_users_history(next, ctx, &me, u.id, NULL, 100, print_change,
                             NULL)))
    return failed(ctx, "history", rc);

  printf("\n[users] The customer exports, then erases their data\n");
  tc_buf out = TC_BUF_INIT;
  if ((rc = tc_users_export(&out, ctx, &me, u.id)))
    return failed(ctx, "export", rc);
  printf("    export: %zu bytes of JSON\n", out.size);
  tc_buf_dispose(&out);
  if ((rc = tc_users_delete(ctx, &me, u.id))) return failed(ctx, "delete", rc);
  tc_principal sys = TC_PRINCIPAL_INIT;
  sys.kind = TC_PRINCIPAL_SYSTEM;
  if ((rc = tc_users_get(&u, ctx, &sys, u.id)))
    return failed(ctx, "get deleted", rc);
  printf("    status=%s email=%s name=\"%s\"\n",
         u.status == TC_USER_DELETED ? "deleted" : "active", u.email, u.name);
  return 0;
}
