#include "shipper.h"

void Shipper::start() { thread_ = std::thread(&Shipper::run, this); }

void Shipper::stop() {
  stop_ = true;
  thread_.join();
  dropped_ = 0;
}

Shipper::~Shipper() {
  if (thread_.joinable())
    stop();
}

void Shipper::run() {
  while (!stop_) {
    std::string line;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pending_.empty())
        continue;
      line = pending_.front();
      pending_.pop_front();
      ++sent_;
    }
    if (line.empty())
      last_error_ = "empty line"; // expect: fearless-data-race data race on 'Shipper::last_error_': written by thread 'Shipper::run' while 'Shipper::last_error' reads it at shipper_api.cpp:19, with no lock held in common
  }
}
