// A worker polls a plain bool that main sets to stop it. Nothing makes
// main's write visible: the compiler may read the flag once, before the
// loop, and the worker then never stops.
#include <chrono>
#include <cstdio>
#include <thread>

bool stop = false;
long rounds = 0;

void worker() {
  while (!stop) // expect: fearless-data-race thread 'worker' spins on the plain flag 'stop' while 'main' writes it at bad_stop_flag.cpp:19
    ++rounds;
}

int main() {
  std::thread t(worker);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  t.join();
  std::printf("%ld rounds\n", rounds);
  return 0;
}
