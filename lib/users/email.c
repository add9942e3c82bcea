/* The lookups by e-mail and id (the address rule itself is lib/core/text.c:
 * tc__email_normalize, shared with auth). */
#include <ctype.h>
#include <stdio.h>

#include "users/users_priv.h"

static int id_cb(const tc_value *cols, size_t n, void *payload) {
  (void)n;
  tc__col_copy(payload, TC_ID_STRLEN + 1, &cols[0]);
  return 0;
}

int tc__users_find_by_email(tc_ctx *ctx, const char *email,
                            char user_id[TC_ID_STRLEN + 1]) {
  char norm[TC_USERS_EMAIL_MAX + 1];
  user_id[0] = '\0';
  if (tc__email_normalize(ctx, email, norm, sizeof(norm))) {
    /* Not an address: nobody has it; no message, as promised. */
    tc__clearerr(ctx);
    return TC_ENOTFOUND;
  }
  tc_value p[] = {TC__VAL_BUF(norm)};
  return tc__db_row(ctx,
                    "SELECT id FROM users_users WHERE email = ? AND status = "
                    "'active'",
                    p, 1, id_cb, user_id);
}
