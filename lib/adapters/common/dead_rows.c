/* lib/adapters/common/dead_rows.c - see dead_rows.h. */
#include "dead_rows.h"

#include "core/internal.h"

int tc__dead_row_cb(const tc_value *cols, size_t ncols, void *payload) {
  tc__dead_list *l = payload;
  if (ncols < TC__DEAD_COUNT) return TC_ESTORAGE;
  tc_queue_message m;
  memset(&m, 0, sizeof(m));
  tc__col_copy(m.id, sizeof(m.id), &cols[TC__DEAD_ID]);
  m.group = l->group;
  m.topic = tc__col_text(&cols[TC__DEAD_TOPIC]);
  m.key = tc__col_text(&cols[TC__DEAD_KEY]);
  m.payload = tc__col_text(&cols[TC__DEAD_PAYLOAD]);
  m.headers = tc__col_text(&cols[TC__DEAD_HEADERS]);
  m.last_error = tc__col_text(&cols[TC__DEAD_LAST_ERROR]);
  m.receipt = "";
  int64_t attempts = tc__col_int(&cols[TC__DEAD_ATTEMPTS]);
  m.attempts = attempts < 0 ? 0u : (uint32_t)attempts;
  m.published_ms = tc__col_int(&cols[TC__DEAD_PUBLISHED]);
  return l->cb(&m, l->payload) ? TC_STORE_STOP : 0;
}
