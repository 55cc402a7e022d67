// Bad, with ledger.cpp: orders_mu is held while audit_record() (in
// ledger.cpp) takes audit_mu; ledger.cpp holds audit_mu while
// notify_orders() (here) takes orders_mu.
#include "locks.h"

std::mutex orders_mu;
static int pending = 0;

void place_order() {
  std::lock_guard<std::mutex> lock(orders_mu);
  ++pending;
  audit_record();
}

void notify_orders() {
  std::lock_guard<std::mutex> lock(orders_mu);
  --pending;
}
