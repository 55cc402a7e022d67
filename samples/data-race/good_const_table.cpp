// Many threads read one constant table: reads never race with reads, and
// a const object cannot be written.
#include <cstdio>
#include <thread>
#include <vector>

const int squares[8] = {0, 1, 4, 9, 16, 25, 36, 49};

int main() {
  std::vector<long> sums(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&sums, t] {
      long s = 0;
      for (int i = 0; i < 8; ++i)
        s += squares[i];
      sums[t] = s;
    });
  for (std::thread &t : threads)
    t.join();
  std::printf("%ld\n", sums[0] + sums[1] + sums[2] + sums[3]);
  return 0;
}
