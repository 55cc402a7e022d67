// A GoogleTest binary with the fearless listener (fearless::rt_gtest_main):
// Orders.Second closes a cycle with the edge Orders.First recorded.
#include <gtest/gtest.h>
#include <mutex>
#include <thread>

std::mutex lock_a, lock_b;

TEST(Orders, First) {
  std::thread([] {
    std::lock_guard<std::mutex> a(lock_a);
    std::lock_guard<std::mutex> b(lock_b);
  }).join();
}

TEST(Orders, Second) {
  std::thread([] {
    std::lock_guard<std::mutex> b(lock_b);
    std::lock_guard<std::mutex> a(lock_a);
  }).join();
}

TEST(Orders, Third) {
  std::thread([] {
    std::lock_guard<std::mutex> a(lock_a);
    std::lock_guard<std::mutex> b(lock_b);
  }).join();
}
