// A log shipper that owns its thread. start(), stop() and the thread's
// loop are defined in shipper.cpp, the calls its users make while the
// thread runs in shipper_api.cpp.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

class Shipper {
public:
  ~Shipper();
  void start();
  void send(const std::string &line);
  long sent() const;
  std::string last_error() const;
  void stop();

private:
  void run();

  std::thread thread_;
  std::mutex mu_;
  std::deque<std::string> pending_;
  std::atomic<bool> stop_{false};
  long sent_ = 0;
  long dropped_ = 0;
  std::string last_error_;
};
