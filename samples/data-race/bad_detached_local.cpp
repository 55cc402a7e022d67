// A detached thread keeps writing a local of the function that started it
// by reference, while that function goes on reading it (and returns,
// leaving the thread with a dangling reference).
#include <chrono>
#include <cstdio>
#include <thread>

int sample() {
  int progress = 0;
  std::thread([&progress] { // expect: fearless-thread-dangling-capture local variable 'progress' is captured by reference by a thread that may outlive it: the thread is detached
    for (int i = 1; i <= 100; ++i)
      progress = i; // expect: fearless-data-race data race on 'progress': written by thread 'lambda in sample' while 'sample' reads it at bad_detached_local.cpp:15
  }).detach();
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return progress;
}

int main() {
  std::printf("progress %d\n", sample());
  // Give the detached thread time to finish before the process exits.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return 0;
}
