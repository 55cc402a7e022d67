// A std::thread that reaches its destructor while still joinable makes C++
// call std::terminate. Each function below shows one way to get there.
// Run with an argument to watch the process abort.
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <vector>

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

// A member thread started by the constructor; no destructor joins it.
class Ticker {
public:
  Ticker() : thread_(work, 7) {}

private:
  std::thread thread_; // expect: fearless-thread-not-joined std::thread member 'thread_' is started but the implicit destructor of 'Ticker' does not join or detach it
};

// The destructor joins only on one branch.
class Uploader {
public:
  void start() { worker_ = std::thread(work, 8); }
  ~Uploader() { // expect: fearless-thread-not-joined the destructor of 'Uploader' can finish while std::thread member 'worker_' is still joinable
    if (wait_)
      worker_.join();
  }

private:
  bool wait_ = false;
  std::thread worker_;
};

// A member container of threads the destructor never joins.
class Farm {
public:
  void add() { workers_.emplace_back(work, 9); }
  ~Farm() { std::printf("farm closed\n"); } // expect: fearless-thread-not-joined the destructor of 'Farm' does not join the threads in member 'workers_'

private:
  std::vector<std::thread> workers_;
};

// A local container of threads, joined on the happy path only.
void pool_early_return(bool fail) {
  std::vector<std::thread> pool; // expect: fearless-thread-not-joined the threads in 'pool' (a container of std::thread) can be destroyed while still joinable
  for (int i = 0; i < 3; ++i)
    pool.emplace_back(work, 10 + i);
  if (fail)
    return;
  for (std::thread &t : pool)
    t.join();
}

// Filled and forgotten.
void pool_forgotten() {
  std::vector<std::thread> pool; // expect: fearless-thread-not-joined the threads in 'pool' (a container of std::thread) are never joined or detached
  pool.push_back(std::thread(work, 13));
}

// Joined twice: the second join() throws std::system_error.
void joined_twice() {
  std::thread t(work, 14);
  t.join();
  t.join(); // expect: fearless-thread-not-joined std::thread 't' is joined while it is not joinable (it was already joined)
}

// Detached, then joined.
void detached_then_joined() {
  std::thread t(work, 15);
  t.detach();
  t.join(); // expect: fearless-thread-not-joined std::thread 't' is joined while it is not joinable (it was detached)
}

// Joined after its thread was moved away.
void joined_after_move() {
  std::thread t(work, 16);
  std::thread owner = std::move(t);
  owner.join();
  t.join(); // expect: fearless-thread-not-joined std::thread 't' is joined while it is not joinable (it was moved from)
}

// Never started.
void joined_unstarted() {
  std::thread t;
  t.join(); // expect: fearless-thread-not-joined std::thread 't' is joined while it is not joinable (it was default-constructed and never started)
}

int main(int argc, char **) {
  if (argc > 1)
    early_return(true); // std::terminate
  return 0;
}
