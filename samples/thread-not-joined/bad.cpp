// A std::thread that reaches its destructor while still joinable makes C++
// call std::terminate. Each function below shows one way to get there.
// Run with an argument to watch the process abort.
#include <cstdio>
#include <stdexcept>
#include <thread>

static void work(int n) { std::printf("work %d\n", n); }

static void parse(int x) {
  if (x < 0)
    throw std::invalid_argument("negative input");
}

// Spawned and forgotten.
void fire_and_forget() {
  std::thread t(work, 1); // expect: fearless-thread-not-joined std::thread 't' is never joined or detached
}

// Joined on the happy path only.
bool early_return(bool fail) {
  std::thread t(work, 2); // expect: fearless-thread-not-joined std::thread 't' can reach its destructor while still joinable
  if (fail)
    return false;
  t.join();
  return true;
}

// An exception between spawn and join skips the join.
void exception_path(int x) {
  std::thread t(work, 3); // expect: fearless-thread-not-joined std::thread 't' can reach its destructor while still joinable
  parse(x);
  t.join();
}

// A temporary thread dies at the end of its statement.
void temporary() {
  std::thread{work, 4}; // expect: fearless-thread-not-joined temporary std::thread is destroyed at the end of this statement
}

// Move-assigning over a running thread terminates too.
void reassigned() {
  std::thread t(work, 5);
  t = std::thread(work, 6); // expect: fearless-thread-not-joined std::thread 't' is assigned a new thread while it may still be joinable
  t.join();
}

int main(int argc, char **) {
  if (argc > 1)
    early_return(true); // std::terminate
  return 0;
}
