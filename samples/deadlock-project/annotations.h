// A mutex annotated for Clang's thread-safety attributes, so that
// acquired_before / acquired_after can name it.
#pragma once
#include <mutex>

#if defined(__clang__)
#define CAPABILITY(x) __attribute__((capability(x)))
#define ACQUIRE() __attribute__((acquire_capability()))
#define RELEASE() __attribute__((release_capability()))
#define ACQUIRED_BEFORE(...) __attribute__((acquired_before(__VA_ARGS__)))
#define ACQUIRED_AFTER(...) __attribute__((acquired_after(__VA_ARGS__)))
#else
#define CAPABILITY(x)
#define ACQUIRE()
#define RELEASE()
#define ACQUIRED_BEFORE(...)
#define ACQUIRED_AFTER(...)
#endif

class CAPABILITY("mutex") Mutex {
public:
  void lock() ACQUIRE() { m_.lock(); }
  void unlock() RELEASE() { m_.unlock(); }

private:
  std::mutex m_;
};
