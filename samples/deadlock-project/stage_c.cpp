// Bad: the edge that closes the three-file cycle (reported in stage_a.cpp).
#include "locks.h"

std::mutex stage_c_mu;

void stage_c_then_a() {
  std::unique_lock<std::mutex> c(stage_c_mu);
  stage_a_mu.lock();
  stage_a_mu.unlock();
}
