// Ten threads increment a plain int: a data race. The final count is often
// below 10 * 100000, and the program's behaviour is undefined.
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  int counter = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&counter] {
      for (int n = 0; n < 100000; ++n)
        counter++; // expect: fearless-data-race data race on 'counter': written by thread 'lambda in main' while another instance of thread 'lambda in main' writes it
    });
  for (std::thread &t : threads)
    t.join();
  std::printf("counter = %d (expected %d)\n", counter, 10 * 100000);
  return 0;
}
