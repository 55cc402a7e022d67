// Data written before the thread starts and read after it is joined:
// std::thread's constructor and join() order those accesses.
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  std::vector<int> input(1000);
  for (int i = 0; i < 1000; ++i)
    input[i] = i;
  long sum = 0;
  std::thread t([&input, &sum] {
    for (int v : input)
      sum += v;
  });
  t.join();
  input.clear();
  std::printf("sum %ld\n", sum);
  return sum == 499500 ? 0 : 1;
}
