// Two threads taking two mutexes in the same order: clean for both the
// analyzer and the recorder.
#include <mutex>
#include <thread>

static std::mutex a, b;
static int counter = 0;

static void work() {
  for (int i = 0; i < 100; ++i) {
    std::scoped_lock both(a, b);
    ++counter;
  }
}

int main() {
  std::thread t1(work);
  std::thread t2(work);
  t1.join();
  t2.join();
  return counter == 200 ? 0 : 1;
}
