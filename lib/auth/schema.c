/*
 * lib/auth/schema.c - the auth module's tables. Opaque secrets (refresh
 * tokens, challenges, codes, client secrets, recovery codes) are stored
 * only as BLAKE2b hashes in hex; passwords as Argon2id strings. Only the
 * TOTP secret and the generated signing keys are kept as they are, since
 * they must be used, not just compared. The SQL is the same for both
 * dialects (TEXT and BIGINT only).
 */
#include "auth_private.h"

#define AUTH_SCHEMA_1                                                 \
  "CREATE TABLE auth_credentials (\n"                                 \
  "  user_id TEXT PRIMARY KEY,\n"                                     \
  "  pwhash TEXT NOT NULL,\n"                                         \
  "  updated_at BIGINT NOT NULL\n"                                    \
  ");\n"                                                              \
  "CREATE TABLE auth_roles (\n"                                       \
  "  user_id TEXT PRIMARY KEY,\n"                                     \
  "  roles BIGINT NOT NULL,\n"                                        \
  "  updated_at BIGINT NOT NULL\n"                                    \
  ");\n"                                                              \
  "CREATE TABLE auth_keys (\n"                                        \
  "  alg TEXT NOT NULL,\n"                                            \
  "  generation BIGINT NOT NULL,\n"                                   \
  "  kid TEXT NOT NULL UNIQUE,\n"                                     \
  "  secret TEXT NOT NULL,\n"                                         \
  "  created_at BIGINT NOT NULL,\n"                                   \
  "  PRIMARY KEY (alg, generation)\n"                                 \
  ");\n"                                                              \
  "CREATE TABLE auth_sessions (\n"                                    \
  "  id TEXT PRIMARY KEY,\n"                                          \
  "  user_id TEXT NOT NULL,\n"                                        \
  "  client_id TEXT NOT NULL,\n"                                      \
  "  scope TEXT NOT NULL,\n"                                          \
  "  ip TEXT NOT NULL,\n"                                             \
  "  user_agent TEXT NOT NULL,\n"                                     \
  "  created_at BIGINT NOT NULL,\n"                                   \
  "  last_used_at BIGINT NOT NULL,\n"                                 \
  "  expires_at BIGINT NOT NULL,\n"                                   \
  "  revoked_at BIGINT,\n"                                            \
  "  revoke_reason TEXT\n"                                            \
  ");\n"                                                              \
  "CREATE INDEX auth_sessions_user ON auth_sessions (user_id, id);\n" \
  "CREATE TABLE auth_refresh_tokens (\n"                              \
  "  token_hash TEXT PRIMARY KEY,\n"                                  \
  "  session_id TEXT NOT NULL,\n"                                     \
  "  created_at BIGINT NOT NULL,\n"                                   \
  "  idle_expires_at BIGINT NOT NULL,\n"                              \
  "  used_at BIGINT\n"                                                \
  ");\n"                                                              \
  "CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens "  \
  "(session_id);\n"                                                   \
  "CREATE TABLE auth_revoked_tokens (\n"                              \
  "  jti TEXT PRIMARY KEY,\n"                                         \
  "  expires_at BIGINT NOT NULL\n"                                    \
  ");\n"                                                              \
  "CREATE TABLE auth_mfa (\n"                                         \
  "  user_id TEXT PRIMARY KEY,\n"                                     \
  "  secret TEXT NOT NULL,\n"                                         \
  "  alg BIGINT NOT NULL,\n"                                          \
  "  digits BIGINT NOT NULL,\n"                                       \
  "  period BIGINT NOT NULL,\n"                                       \
  "  confirmed_at BIGINT,\n"                                          \
  "  last_step BIGINT NOT NULL,\n"                                    \
  "  created_at BIGINT NOT NULL\n"                                    \
  ");\n"                                                              \
  "CREATE TABLE auth_recovery_codes (\n"                              \
  "  user_id TEXT NOT NULL,\n"                                        \
  "  code_hash TEXT NOT NULL,\n"                                      \
  "  used_at BIGINT,\n"                                               \
  "  PRIMARY KEY (user_id, code_hash)\n"                              \
  ");\n"                                                              \
  "CREATE TABLE auth_mfa_challenges (\n"                              \
  "  token_hash TEXT PRIMARY KEY,\n"                                  \
  "  user_id TEXT NOT NULL,\n"                                        \
  "  expires_at BIGINT NOT NULL,\n"                                   \
  "  attempts BIGINT NOT NULL,\n"                                     \
  "  used_at BIGINT,\n"                                               \
  "  ip TEXT NOT NULL\n"                                              \
  ");\n"                                                              \
  "CREATE INDEX auth_mfa_challenges_user ON auth_mfa_challenges "     \
  "(user_id);\n"                                                      \
  "CREATE TABLE auth_oauth_clients (\n"                               \
  "  id TEXT PRIMARY KEY,\n"                                          \
  "  name TEXT NOT NULL,\n"                                           \
  "  secret_hash TEXT NOT NULL,\n"                                    \
  "  confidential BIGINT NOT NULL,\n"                                 \
  "  redirect_uris TEXT NOT NULL,\n"                                  \
  "  scopes TEXT NOT NULL,\n"                                         \
  "  created_at BIGINT NOT NULL\n"                                    \
  ");\n"                                                              \
  "CREATE TABLE auth_oauth_codes (\n"                                 \
  "  code_hash TEXT PRIMARY KEY,\n"                                   \
  "  client_id TEXT NOT NULL,\n"                                      \
  "  user_id TEXT NOT NULL,\n"                                        \
  "  redirect_uri TEXT NOT NULL,\n"                                   \
  "  scope TEXT NOT NULL,\n"                                          \
  "  code_challenge TEXT NOT NULL,\n"                                 \
  "  expires_at BIGINT NOT NULL,\n"                                   \
  "  used_at BIGINT,\n"                                               \
  "  session_id TEXT\n"                                               \
  ");\n"                                                              \
  "CREATE INDEX auth_oauth_codes_user ON auth_oauth_codes (user_id);\n"

/* Indexes for tc_auth_sweep(): every one of its deletions walks an index
 * range of rows that are due, never a whole table. */
#define AUTH_SCHEMA_2                                                  \
  "CREATE INDEX auth_refresh_tokens_unused_expiry ON "                 \
  "auth_refresh_tokens (used_at, idle_expires_at);\n"                  \
  "CREATE INDEX auth_refresh_tokens_created ON auth_refresh_tokens "   \
  "(created_at);\n"                                                    \
  "CREATE INDEX auth_revoked_tokens_expiry ON auth_revoked_tokens "    \
  "(expires_at);\n"                                                    \
  "CREATE INDEX auth_mfa_challenges_expiry ON auth_mfa_challenges "    \
  "(expires_at);\n"                                                    \
  "CREATE INDEX auth_oauth_codes_unused_expiry ON auth_oauth_codes "   \
  "(used_at, expires_at);\n"                                           \
  "CREATE INDEX auth_oauth_codes_expiry ON auth_oauth_codes "          \
  "(expires_at);\n"                                                    \
  "CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);\n" \
  "CREATE INDEX auth_sessions_revoked ON auth_sessions (revoked_at);\n"

/* Logins: auth keeps the e-mail a user logs in with beside the password,
 * so that it asks no other module who has an address (the users module
 * keeps it in step). Existing credentials take the address of their active
 * user: the one time this module reads another's table, while moving the
 * fact over. */
#define AUTH_SCHEMA_3                                                       \
  "ALTER TABLE auth_credentials ADD COLUMN login TEXT;\n"                   \
  "CREATE UNIQUE INDEX auth_credentials_login ON auth_credentials "         \
  "(login);\n"                                                              \
  "UPDATE auth_credentials SET login = (SELECT u.email FROM users_users u " \
  "WHERE u.id = auth_credentials.user_id AND u.status = 'active');\n"

static const tc__migration auth_migrations[] = {
    {1, AUTH_SCHEMA_1, AUTH_SCHEMA_1},
    {2, AUTH_SCHEMA_2, AUTH_SCHEMA_2},
    {3, AUTH_SCHEMA_3, AUTH_SCHEMA_3},
};

const tc__schema_module tc__schema_auth = {
    "auth", auth_migrations,
    sizeof(auth_migrations) / sizeof(auth_migrations[0])};
