// Bad, with orders.cpp (see there).
#include "locks.h"

std::mutex audit_mu;
static int records = 0;

void audit_record() {
  std::lock_guard<std::mutex> lock(audit_mu);
  ++records;
}

void audit_flush() {
  std::lock_guard<std::mutex> lock(audit_mu);
  records = 0;
  notify_orders(); // expect: fearless-lock-order-inversion lock order inversion between 'audit_mu' and 'orders_mu'
}
