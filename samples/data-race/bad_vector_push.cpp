// Two threads append to one std::vector without a lock: push_back may
// reallocate while the other thread writes into the old buffer.
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  std::vector<int> log;
  std::thread even([&log] {
    for (int i = 0; i < 1000; i += 2)
      log.push_back(i); // expect: fearless-data-race data race on 'log': written by thread 'lambda in main' while thread 'lambda in main' writes it at bad_vector_push.cpp:15
  });
  std::thread odd([&log] {
    for (int i = 1; i < 1000; i += 2)
      log.push_back(i);
  });
  even.join();
  odd.join();
  std::printf("%zu entries\n", log.size());
  return 0;
}
