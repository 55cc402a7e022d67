// Every thread works on its own data: a local of the thread's function
// and its own slot of the results, combined after the joins.
#include <cstdio>
#include <thread>
#include <vector>

void count_up(int id, long *out) {
  long local = 0;
  for (int i = 0; i < 1000; ++i)
    local += i * id;
  *out = local;
}

int main() {
  std::vector<long> results(4);
  std::vector<std::thread> threads;
  for (int id = 0; id < 4; ++id)
    threads.emplace_back(count_up, id, &results[id]);
  for (std::thread &t : threads)
    t.join();
  long total = 0;
  for (long r : results)
    total += r;
  std::printf("total %ld\n", total);
  return 0;
}
