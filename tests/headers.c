/* Compiled with -std=c99 -pedantic -Werror: the headers are clean C. */
#include <techcorp/techcorp.h>

int main(void) {
  tc_config cfg = TC_CONFIG_INIT;
  tc_buf buf = TC_BUF_INIT;
  tc_principal who = TC_PRINCIPAL_INIT;
  (void)cfg;
  (void)buf;
  (void)who;
  return tc_version_number() == TC_VERSION_NUMBER ? 0 : 1;
}
