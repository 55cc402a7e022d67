// Bad: one edge of a cycle over three files, stage_a_mu -> stage_b_mu ->
// stage_c_mu -> stage_a_mu.
#include "locks.h"

std::mutex stage_a_mu;

void stage_a_then_b() {
  std::lock_guard<std::mutex> a(stage_a_mu);
  std::lock_guard<std::mutex> b(stage_b_mu); // expect: fearless-lock-order-inversion lock order cycle 'stage_a_mu' -> 'stage_b_mu' -> 'stage_c_mu' -> 'stage_a_mu': 3 threads can deadlock
}
