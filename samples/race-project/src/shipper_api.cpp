// What the shipper's users call while its thread runs: the queue is
// locked for the write but not for the size check, and the getters lock
// nothing.
#include "shipper.h"

void Shipper::send(const std::string &line) {
  if (pending_.size() > 1000) { // expect: fearless-unguarded-access 'Shipper::pending_' is written with 'mu_' held everywhere else, but read here by 'Shipper::send' without it, concurrently with a write at shipper.cpp:24; 'mu_' is held at shipper.cpp:24
    ++dropped_;
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(line);
}

long Shipper::sent() const {
  return sent_; // expect: fearless-unguarded-access 'Shipper::sent_' is written with 'mu_' held everywhere else, but read here by 'Shipper::sent' without it, concurrently with a write at shipper.cpp:25; 'mu_' is held at shipper.cpp:25
}

std::string Shipper::last_error() const { return last_error_; }
