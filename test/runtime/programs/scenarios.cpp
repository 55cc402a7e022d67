// Lock-order scenarios run under the recorder by RuntimeTest.cpp.
// Usage: rt_scenarios <name>. Lines the tests look for carry a marker
// comment "// @<marker>"; the test reads this file to find their numbers.
// Threads run one after the other unless a scenario needs overlap, so no
// scenario can hang except the "hang*" ones, which deadlock on purpose.
#include "fearless/runtime.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <csignal>
#include <shared_mutex>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

std::mutex mu_a, mu_b, mu_c, mu_gate;
static volatile sig_atomic_t handled = 0;
std::recursive_mutex mu_rec;
pthread_rwlock_t rw_a = PTHREAD_RWLOCK_INITIALIZER;
pthread_rwlock_t rw_b = PTHREAD_RWLOCK_INITIALIZER;
std::condition_variable cv;
bool ready_flag = false;

static void run(void (*fn)()) { std::thread(fn).join(); }

// SIGUSR1 makes the thread it reaches take and release mu_c, then sets
// `handled`.
static void on_sigusr1_take_mu_c() {
  struct sigaction sa {};
  sa.sa_handler = [](int) {
    mu_c.lock();
    mu_c.unlock();
    handled = 1;
  };
  sigaction(SIGUSR1, &sa, nullptr);
}

// ------------------------------------------------------------ inversions
static void ab() {
  std::lock_guard<std::mutex> a(mu_a);
  std::lock_guard<std::mutex> b(mu_b);  // @ab_inner
}
static void ba() {
  std::lock_guard<std::mutex> b(mu_b);
  std::lock_guard<std::mutex> a(mu_a);  // @ba_inner
}

static void bc() {
  std::lock_guard<std::mutex> b(mu_b);
  std::lock_guard<std::mutex> c(mu_c);  // @bc_inner
}
static void ca() {
  std::lock_guard<std::mutex> c(mu_c);
  std::lock_guard<std::mutex> a(mu_a);  // @ca_inner
}

// Holds mu_a across a wait on mu_c: glibc re-locks mu_c inside
// pthread_cond_wait, so the order mu_a -> mu_c only exists there.
static void cond_waiter() {
  std::unique_lock<std::mutex> lk(mu_c);
  if (!mu_a.try_lock()) std::abort();  // a try-lock adds no edge into mu_a
  std::thread notifier([] {
    std::lock_guard<std::mutex> g(mu_c);
    ready_flag = true;
    cv.notify_all();
  });
  cv.wait(lk, [] { return ready_flag; });  // @cv_wait
  mu_a.unlock();
  lk.unlock();
  notifier.join();
}
static void cond_other() {
  std::lock_guard<std::mutex> c(mu_c);
  std::lock_guard<std::mutex> a(mu_a);  // @cv_other_inner
}

static void rw_write_then_read() {
  pthread_rwlock_wrlock(&rw_a);
  pthread_rwlock_rdlock(&rw_b);  // @rw_ab
  pthread_rwlock_unlock(&rw_b);
  pthread_rwlock_unlock(&rw_a);
}
static void rw_write_then_read_other() {
  pthread_rwlock_wrlock(&rw_b);
  pthread_rwlock_rdlock(&rw_a);  // @rw_ba
  pthread_rwlock_unlock(&rw_a);
  pthread_rwlock_unlock(&rw_b);
}
static void rw_read_read_ab() {
  pthread_rwlock_rdlock(&rw_a);
  pthread_rwlock_rdlock(&rw_b);
  pthread_rwlock_unlock(&rw_b);
  pthread_rwlock_unlock(&rw_a);
}
static void rw_read_read_ba() {
  pthread_rwlock_rdlock(&rw_b);
  pthread_rwlock_rdlock(&rw_a);
  pthread_rwlock_unlock(&rw_a);
  pthread_rwlock_unlock(&rw_b);
}

// ----------------------------------------------------------- clean runs
static void abc_in_order() {
  for (int i = 0; i < 100; ++i) {
    std::lock_guard<std::mutex> a(mu_a);
    std::lock_guard<std::mutex> b(mu_b);
    std::lock_guard<std::mutex> c(mu_c);
  }
}
static void scoped_ab() {
  for (int i = 0; i < 1000; ++i) std::scoped_lock l(mu_a, mu_b);
}
static void scoped_ba() {
  for (int i = 0; i < 1000; ++i) std::scoped_lock l(mu_b, mu_a);
}
static void backoff_ba() {
  for (;;) {
    std::unique_lock<std::mutex> b(mu_b);
    if (mu_a.try_lock()) {
      mu_a.unlock();
      return;
    }
    b.unlock();
    std::this_thread::yield();
  }
}
static void gated_ab() {
  std::lock_guard<std::mutex> g(mu_gate);
  std::lock_guard<std::mutex> a(mu_a);
  std::lock_guard<std::mutex> b(mu_b);  // @gated_ab
}
static void gated_ba() {
  std::lock_guard<std::mutex> g(mu_gate);
  std::lock_guard<std::mutex> b(mu_b);
  std::lock_guard<std::mutex> a(mu_a);  // @gated_ba
}

static void recursive_reentry() {
  std::lock_guard<std::recursive_mutex> r1(mu_rec);
  std::lock_guard<std::mutex> a(mu_a);
  std::lock_guard<std::recursive_mutex> r2(mu_rec);  // re-entry while mu_a held: no edge
}

struct Box {
  std::mutex m;
  long payload[4];
};

// --------------------------------------------------------------- fork
static void fork_child_inversion() {
  std::thread holder([] {  // keeps locking while the parent forks
    for (int i = 0; i < 2000; ++i) std::lock_guard<std::mutex> g(mu_gate);
  });
  pid_t pid = fork();
  if (pid == 0) {
    run(ab);  // @fork_child_ab
    run(ba);
    std::printf("child done\n");
    std::fflush(stdout);
    std::exit(0);
  }
  holder.join();
  int st = 0;
  waitpid(pid, &st, 0);
  std::printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  // The parent itself only ever took one order.
  run(ab);
}

// ----------------------------------------------------------- annotation
struct SpinLock {
  std::atomic<bool> f{false};
  void lock() {
    while (f.exchange(true, std::memory_order_acquire)) {
    }
  }
  bool try_lock() { return !f.exchange(true, std::memory_order_acquire); }
  void unlock() { f.store(false, std::memory_order_release); }
};
fearless::Annotated<SpinLock> spin_x{"spin_x"}, spin_y{"spin_y"};

// ------------------------------------------------- creation/join ordering
// A thread takes mu_a then mu_b and is joined; only then does the main
// thread take mu_b then mu_a. The join orders the two: no deadlock.
static void join_ordered() {
  run(ab);
  std::lock_guard<std::mutex> b(mu_b);
  std::lock_guard<std::mutex> a(mu_a);  // @join_ordered_inner
}

// The main thread takes mu_a then mu_b before it starts a thread that takes
// mu_b then mu_a (ordered), and again while that thread exists (not
// ordered: it could deadlock with it). A flag keeps this run from hanging;
// the recorder does not count such flags as ordering.
static std::atomic<bool> parent_done{false};
static void parent_concurrent() {
  {
    std::lock_guard<std::mutex> a(mu_a);
    std::lock_guard<std::mutex> b(mu_b);
  }
  std::thread t([] {
    while (!parent_done.load()) std::this_thread::yield();
    ba();
  });
  {
    std::lock_guard<std::mutex> a(mu_a);
    std::lock_guard<std::mutex> b(mu_b);  // @parent_concurrent_inner
  }
  parent_done = true;
  t.join();
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  std::string s = argv[1];
  if (s == "ab_ba") {
    run(ab);
    run(ba);
  } else if (s == "only_ab") {
    run(ab);
  } else if (s == "only_ab_then_abort") {
    run(ab);
    std::abort();
  } else if (s == "only_ab_then_segv") {
    run(ab);
    *static_cast<volatile int *>(nullptr) = 1;
  } else if (s == "only_ba") {
    run(ba);
  } else if (s == "three_cycle") {
    run(ab);
    run(bc);
    run(ca);
  } else if (s == "condvar") {
    run(cond_waiter);
    run(cond_other);
  } else if (s == "rwlock_write_read") {
    run(rw_write_then_read);
    run(rw_write_then_read_other);
  } else if (s == "rwlock_read_read") {
    run(rw_read_read_ab);
    run(rw_read_read_ba);
  } else if (s == "fork_child") {
    fork_child_inversion();
  } else if (s == "consistent") {
    std::thread t1(abc_in_order), t2(abc_in_order), t3(abc_in_order);
    t1.join();
    t2.join();
    t3.join();
  } else if (s == "scoped_lock") {
    std::thread t1(scoped_ab), t2(scoped_ba);
    t1.join();
    t2.join();
  } else if (s == "join_ordered") {
    join_ordered();
  } else if (s == "parent_concurrent") {
    parent_concurrent();
  } else if (s == "trylock_backoff") {
    run(ab);
    run(backoff_ba);
  } else if (s == "gated") {
    run(gated_ab);
    run(gated_ba);
  } else if (s == "single_thread") {
    ab();
    ba();  // @single_ba
  } else if (s == "recursive") {
    // Were the re-entry an acquisition, mu_a -> mu_rec would close a
    // cycle with mu_rec -> mu_a, taken by two threads.
    run(recursive_reentry);
    run(recursive_reentry);
  } else if (s == "reuse_heap") {
    // mu_a -> X, X dies, Y gets X's memory, Y -> mu_a: no cycle.
    Box *x = new Box;
    void *where = x;
    {
      std::lock_guard<std::mutex> a(mu_a);
      std::lock_guard<std::mutex> m(x->m);
    }
    delete x;
    Box *y = new Box;
    std::printf("reused %d\n", static_cast<void *>(y) == where ? 1 : 0);
    {
      std::lock_guard<std::mutex> m(y->m);
      std::lock_guard<std::mutex> a(mu_a);
    }
    delete y;
  } else if (s == "reuse_destroy") {
    // The same pthread_mutex_t storage, destroyed and initialized again.
    static pthread_mutex_t m;
    pthread_mutex_init(&m, nullptr);
    {
      std::lock_guard<std::mutex> a(mu_a);
      pthread_mutex_lock(&m);
      pthread_mutex_unlock(&m);
    }
    pthread_mutex_destroy(&m);
    pthread_mutex_init(&m, nullptr);
    pthread_mutex_lock(&m);
    {
      std::lock_guard<std::mutex> a(mu_a);
    }
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);
  } else if (s == "churn_both_sides") {
    // Heap mutexes taken before mu_a and after mu_b, then freed.
    for (int i = 0; i < 2000; ++i) {
      auto *before = new std::mutex, *after = new std::mutex;
      {
        std::lock_guard<std::mutex> x(*before);
        std::lock_guard<std::mutex> a(mu_a);
        std::lock_guard<std::mutex> b(mu_b);
        std::lock_guard<std::mutex> z(*after);
      }
      delete before;
      delete after;
    }
  } else if (s == "gate_destroyed") {
    // mu_a -> mu_b only ever under a heap gate, which is then freed; the
    // next lock created takes its slot in the graph and gates mu_b -> mu_a.
    // Two different gates: a real inversion.
    auto *gate = new std::mutex;
    std::thread([gate] {
      std::lock_guard<std::mutex> g(*gate);
      std::lock_guard<std::mutex> a(mu_a);
      std::lock_guard<std::mutex> b(mu_b);
    }).join();
    delete gate;
    auto *other = new std::mutex;
    std::thread([other] {
      std::lock_guard<std::mutex> g(*other);
      std::lock_guard<std::mutex> b(mu_b);
      std::lock_guard<std::mutex> a(mu_a);  // @gate_destroyed_ba
    }).join();
    delete other;
  } else if (s == "annotated") {
    std::thread([] {
      std::lock_guard<fearless::Annotated<SpinLock>> x(spin_x);
      std::lock_guard<fearless::Annotated<SpinLock>> y(spin_y);  // @spin_xy
    }).join();
    std::thread([] {
      std::lock_guard<fearless::Annotated<SpinLock>> y(spin_y);
      std::lock_guard<fearless::Annotated<SpinLock>> x(spin_x);  // @spin_yx
    }).join();
  } else if (s == "thread_exit") {
    std::thread([] { mu_c.lock(); }).join();  // @exit_holding
  } else if (s == "hang") {
    std::atomic<int> both{0};
    std::thread t1([&] {
      std::lock_guard<std::mutex> a(mu_a);
      both++;
      while (both < 2) std::this_thread::yield();
      std::lock_guard<std::mutex> b(mu_b);  // @hang_t1
    });
    std::thread t2([&] {
      std::lock_guard<std::mutex> b(mu_b);
      both++;
      while (both < 2) std::this_thread::yield();
      std::lock_guard<std::mutex> a(mu_a);  // @hang_t2
    });
    t1.join();
    t2.join();
  } else if (s == "hang_cond") {
    // t1 holds mu_b and waits on a condition variable with mu_a; t2 takes
    // mu_a, wakes t1 (which now needs mu_a back, inside glibc) and blocks
    // on mu_b.
    std::atomic<int> waiting{0};
    bool go = false;
    std::condition_variable cv_go;
    std::thread t1([&] {
      std::lock_guard<std::mutex> b(mu_b);
      std::unique_lock<std::mutex> a(mu_a);
      waiting = 1;
      cv_go.wait(a, [&] { return go; });  // @hang_cond_t1
    });
    std::thread t2([&] {
      while (!waiting) std::this_thread::yield();
      std::lock_guard<std::mutex> a(mu_a);  // free once t1 waits
      go = true;
      cv_go.notify_one();
      std::lock_guard<std::mutex> b(mu_b);  // @hang_cond_t2
    });
    t1.join();
    t2.join();
  } else if (s == "hang_custom") {
    // t2 spins forever in an annotated lock that t1 holds while t1 waits
    // for the mutex t2 holds.
    std::atomic<int> both{0};
    std::thread t1([&] {
      std::lock_guard<fearless::Annotated<SpinLock>> x(spin_x);
      both++;
      while (both < 2) std::this_thread::yield();
      std::lock_guard<std::mutex> a(mu_a);  // @hang_custom_t1
    });
    std::thread t2([&] {
      std::lock_guard<std::mutex> a(mu_a);
      both++;
      while (both < 2) std::this_thread::yield();
      std::lock_guard<fearless::Annotated<SpinLock>> x(spin_x);  // @hang_custom_t2
    });
    t1.join();
    t2.join();
  } else if (s == "hang_custom_only") {
    // Both threads spin in annotated locks: no thread is inside a pthread
    // call, the watchdog thread still sees the cycle.
    std::atomic<int> both{0};
    std::thread t1([&] {
      std::lock_guard<fearless::Annotated<SpinLock>> x(spin_x);
      both++;
      while (both < 2) std::this_thread::yield();
      std::lock_guard<fearless::Annotated<SpinLock>> y(spin_y);  // @hang_custom_only_t1
    });
    std::thread t2([&] {
      std::lock_guard<fearless::Annotated<SpinLock>> y(spin_y);
      both++;
      while (both < 2) std::this_thread::yield();
      std::lock_guard<fearless::Annotated<SpinLock>> x(spin_x);  // @hang_custom_only_t2
    });
    t1.join();
    t2.join();
  } else if (s == "hang_signal") {
    // As "hang", but while t1 waits for mu_b a signal handler of t1 takes
    // and releases mu_c: t1's wait for mu_b must still be seen.
    on_sigusr1_take_mu_c();
    std::atomic<int> both{0};
    std::thread t1([&] {
      std::lock_guard<std::mutex> a(mu_a);
      both++;
      while (both < 2) std::this_thread::yield();
      std::lock_guard<std::mutex> b(mu_b);  // @hang_signal_t1
    });
    std::thread t2([&] {
      std::lock_guard<std::mutex> b(mu_b);
      both++;
      while (both < 2) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // t1 is blocked now
      pthread_kill(t1.native_handle(), SIGUSR1);
      while (!handled) std::this_thread::yield();
      std::lock_guard<std::mutex> a(mu_a);  // @hang_signal_t2
    });
    t1.join();
    t2.join();
  } else if (s == "signal_in_flat_wait") {
    // t1 waits for mu_a with nothing held; meanwhile a signal handler of
    // t1 takes and releases mu_c. Once t1 has mu_a it takes mu_b: the
    // order is mu_a -> mu_b (not mu_c -> mu_b), and with ba() after it
    // the inversion of mu_a and mu_b is found.
    on_sigusr1_take_mu_c();
    std::atomic<bool> holding{false};
    std::thread t2([&] {
      std::lock_guard<std::mutex> a(mu_a);
      holding = true;
      while (!handled) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    while (!holding) std::this_thread::yield();
    std::thread t1([&] {
      std::lock_guard<std::mutex> a(mu_a);
      std::lock_guard<std::mutex> b(mu_b);  // @signal_flat_inner
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // t1 is blocked now
    pthread_kill(t1.native_handle(), SIGUSR1);
    t2.join();
    t1.join();
    run(ba);
  } else if (s == "slow_holder") {
    // A long wait that is not a cycle: t1 holds mu_a for 1.5 s while t2
    // (and the main thread, in join) wait.
    std::atomic<bool> held{false};
    std::thread t1([&] {
      std::lock_guard<std::mutex> a(mu_a);
      held = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    });
    std::thread t2([&] {
      while (!held) std::this_thread::yield();
      std::lock_guard<std::mutex> a(mu_a);
    });
    t1.join();
    t2.join();
  } else {
    return 2;
  }
  std::printf("done\n");
  return 0;
}
