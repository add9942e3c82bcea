/*
 * lib/payments/states.c - the payment state machine: every allowed
 * transition is one line of the table below; anything else is refused
 * naming both states. Webhooks and the reconciliation sweep use the same
 * table, plus the rank, so nothing ever moves a payment backwards.
 */
#include "payments_priv.h"

typedef struct pay_transition {
  const char *from;
  const char *to;
} pay_transition;

static const pay_transition pay_transitions[] = {
    {"pending", "authorized"},
    {"pending", "captured"}, /* a provider that authorizes and captures */
    {"pending", "failed"},
    {"pending", "voided"},
    {"authorized", "captured"},
    {"authorized", "voided"},
    /* refund events that overtook their capture event (webhooks) */
    {"authorized", "partially_refunded"},
    {"authorized", "refunded"},
    {"captured", "captured"}, /* further partial captures */
    {"captured", "partially_refunded"},
    {"captured", "refunded"},
    {"partially_refunded", "partially_refunded"},
    {"partially_refunded", "refunded"},
};

static const char *const pay_states[] = {
    "pending",  "authorized", "captured", "partially_refunded",
    "refunded", "voided",     "failed",
};

bool tc__pay_state_valid(const char *state) {
  for (size_t i = 0; i < sizeof(pay_states) / sizeof(pay_states[0]); i++)
    if (state && !strcmp(state, pay_states[i])) return true;
  return false;
}

bool tc__pay_transition_ok(const char *from, const char *to) {
  for (size_t i = 0; i < sizeof(pay_transitions) / sizeof(pay_transitions[0]);
       i++)
    if (!strcmp(pay_transitions[i].from, from) &&
        !strcmp(pay_transitions[i].to, to))
      return true;
  return false;
}

int tc__pay_check_transition(tc_ctx *ctx, const char *action, const char *from,
                             const char *to) {
  if (tc__pay_transition_ok(from, to)) return TC_OK;
  return tc__seterr(ctx, TC_ESTATE, "state",
                    "cannot %s: payment transition from '%s' to '%s' is not "
                    "allowed",
                    action, from, to);
}

int tc__pay_rank(const char *state) {
  static const struct {
    const char *s;
    int rank;
  } ranks[] = {
      {"pending", 0},  {"authorized", 1},
      {"captured", 2}, {"partially_refunded", 3},
      {"refunded", 4}, {"voided", 4},
      {"failed", 4},
  };
  for (size_t i = 0; i < sizeof(ranks) / sizeof(ranks[0]); i++)
    if (!strcmp(ranks[i].s, state)) return ranks[i].rank;
  return -1;
}
