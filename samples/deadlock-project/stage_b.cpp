// Bad: the second edge of the three-file cycle (reported in stage_a.cpp).
#include "locks.h"

std::mutex stage_b_mu;

void stage_b_then_c() {
  std::lock_guard<std::mutex> b(stage_b_mu);
  std::lock_guard<std::mutex> c(stage_c_mu);
}
