// Compiled as C++11 with -pedantic -Werror: the headers work from C++.
#include <techcorp/techcorp.h>

int main() {
  tc_config cfg = TC_CONFIG_INIT;
  tc_buf buf = TC_BUF_INIT;
  (void)cfg;
  (void)buf;
  return tc_version_number() == TC_VERSION_NUMBER ? 0 : 1;
}
