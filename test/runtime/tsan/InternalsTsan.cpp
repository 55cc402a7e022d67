// Drives the recorder's hooks from many threads at once, under
// ThreadSanitizer, and checks the graph it built. The pthread interposers
// (interpose.cpp) are not linked: TSan owns those symbols in this binary.
// The watchdog thread runs throughout, reading what the threads publish.
#include "recorder.h"
#include "report.h"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace fearless_rt {
Real real;
std::atomic<int> g_state{2};
void ensure_init() {}
} // namespace fearless_rt

using namespace fearless_rt;

static int failures = 0;
#define CHECK(c)                                                        \
  do {                                                                  \
    if (!(c)) {                                                         \
      std::fprintf(stderr, "CHECK failed: %s (line %d)\n", #c, __LINE__); \
      ++failures;                                                       \
    }                                                                   \
  } while (0)

alignas(64) static char locks[4096];

static uptr L(int i) { return uptr(&locks[i * 8]); }

int main() {
  init_graph();
  g_opt.symbolize = false;
  // The watchdog thread scans the threads' published waits and held
  // stacks every 10 ms while they change. No wait-for cycle can form (the
  // waits below follow the locks' index order), so it never reports.
  g_opt.watchdog_ms = 40;
  real.create = pthread_create;
  watchdog_start();
  g_opt.exitcode = 0;
  snprintf(g_opt.log_path, sizeof g_opt.log_path, "/dev/null");
  const int kThreads = 8, kLocks = 64, kRounds = 2000;
  // Phase 1: every thread nests locks in increasing index order (a DAG),
  // with a lot of overlap, while another thread retires and re-creates
  // nodes of a disjoint range: lock-free lookups race with inserts.
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([t] {
      unsigned seed = unsigned(t) * 7919u + 1;
      for (int r = 0; r < kRounds; ++r) {
        seed = seed * 1103515245u + 12345u;
        int a = int(seed >> 16) % kLocks;
        int b = a + 1 + int(seed >> 8) % 8;
        int c = b + 1 + int(seed >> 4) % 8;
        ThreadState *self_state = self();
        wait_publish(self_state, L(a), kWaitLock, kWrite, 0x1000, 0);
        on_acquired(L(a), kMutex, kWrite, false, false, 0x1000 + uptr(a));
        wait_unpublish(self_state);
        wait_publish(self_state, L(b), kWaitLock, kWrite, 0x2000, 0);
        on_acquired(L(b), kMutex, kWrite, false, false, 0x2000 + uptr(b));
        wait_unpublish(self_state);
        on_acquired(L(b), kMutex, kWrite, false, false, 0x2000 + uptr(b));  // re-entry
        on_acquired(L(c), kRwlock, kRead, false, false, 0x3000 + uptr(c));
        on_release(L(c));
        on_release(L(b));
        on_release(L(b));
        on_release(L(a));
      }
      on_thread_exit();
    });
  }
  ts.emplace_back([] {
    for (int r = 0; r < kRounds; ++r) {
      int i = 200 + r % 100;
      on_acquired(L(i), kMutex, kWrite, false, false, 0x4000);
      on_release(L(i));
      on_acquired(L(199), kMutex, kWrite, false, false, 0x4000);
      on_acquired(L(i), kMutex, kWrite, false, false, 0x4000);
      on_release(L(i));
      on_release(L(199));
      on_destroy(L(i));
    }
    on_thread_exit();
  });
  for (auto &t : ts) t.join();
  CHECK(api_finding_count() == 0);
  CHECK(g_findings.size() == 0);
  u32 edges_before = g_graph->edge_count();
  CHECK(edges_before > 100);

  // Phase 2: two threads per pair take opposite orders on fresh locks at
  // the same time (never blocking: no real lock is involved): every pair
  // is exactly one inversion.
  const int kPairs = 16;
  std::vector<std::thread> ps;
  for (int dir = 0; dir < 2; ++dir) {
    ps.emplace_back([dir] {
      for (int p = 0; p < kPairs; ++p) {
        uptr x = L(400 + 2 * p), y = L(401 + 2 * p);
        uptr first = dir ? y : x, second = dir ? x : y;
        on_acquired(first, kMutex, kWrite, false, false, 0x5000);
        on_acquired(second, kMutex, kWrite, false, false, 0x5001);
        on_release(second);
        on_release(first);
      }
      on_thread_exit();
    });
  }
  for (auto &t : ps) t.join();
  CHECK(api_finding_count() == unsigned(kPairs));
  CHECK(g_graph->edge_count() == edges_before + 2 * kPairs);

  // Phase 3: lock churn. Threads take short-lived locks under a long-lived
  // one and destroy them (their node and edge slots are recycled) while
  // other threads' known orders keep hitting their caches.
  u32 nodes_before = g_graph->node_count();
  u32 edges_before3 = g_graph->edge_count();
  std::vector<std::thread> cs;
  for (int t = 0; t < 4; ++t) {
    cs.emplace_back([t] {
      uptr outer = L(500 + t);
      for (int r = 0; r < kRounds; ++r) {
        uptr inner = L(510 + t * 8 + r % 8);
        on_acquired(outer, kMutex, kWrite, false, false, 0x6000);
        on_acquired(inner, kMutex, kWrite, false, false, 0x6001);
        on_release(inner);
        on_release(outer);
        on_destroy(inner);
      }
      on_thread_exit();
    });
  }
  for (auto &t : cs) t.join();
  CHECK(api_finding_count() == unsigned(kPairs));
  CHECK(g_graph->edge_count() == edges_before3);
  CHECK(g_graph->node_count() <= nodes_before + 4);
  CHECK(g_graph->recycled_nodes() >= u64(4 * kRounds));
  if (failures) return 1;
  std::printf("ok: %u locks, %u edges, %lu findings\n", g_graph->node_count(), g_graph->edge_count(),
              api_finding_count());
  return 0;
}
