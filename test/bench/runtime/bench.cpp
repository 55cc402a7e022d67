// Lock-heavy workloads for measuring the runtime recorder's overhead.
// Usage: rt_bench <mode> [scale]; prints "<mode> <seconds> <checksum>".
// Modes: flat, nested, graph, churn, churn_first, workqueue. Built plain (run with and
// without LD_PRELOAD) and with -fsanitize=thread; see run.sh.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

static unsigned long g_sink = 0;

static unsigned next(unsigned &s) {
  s = s * 1103515245u + 12345u;
  return s >> 8;
}

// Two threads lock random mutexes of a pool, one at a time.
static void flat(long scale) {
  static std::mutex pool[64];
  static long counters[64];
  auto work = [&](unsigned seed) {
    for (long i = 0; i < 2000000 * scale; ++i) {
      unsigned k = next(seed) % 64;
      std::lock_guard<std::mutex> g(pool[k]);
      ++counters[k];
    }
  };
  std::thread a(work, 1u), b(work, 2u);
  a.join();
  b.join();
  for (long c : counters) g_sink += c;
}

// Two threads take pairs of a 16-mutex pool, always lower index first.
static void nested(long scale) {
  static std::mutex pool[16];
  static long counters[16];
  auto work = [&](unsigned seed) {
    for (long i = 0; i < 1000000 * scale; ++i) {
      unsigned x = next(seed) % 15;
      unsigned y = x + 1 + next(seed) % (15 - x);
      std::lock_guard<std::mutex> g1(pool[x]);
      std::lock_guard<std::mutex> g2(pool[y]);
      ++counters[y];
    }
  };
  std::thread a(work, 3u), b(work, 4u);
  a.join();
  b.join();
  for (long c : counters) g_sink += c;
}

// 100 000 mutexes: a consistent order over all of them (chains and random
// forward pairs), first seen then repeated.
static void graph(long scale) {
  const int n = 100000;
  std::unique_ptr<std::mutex[]> m(new std::mutex[n]);
  unsigned seed = 5;
  for (int pass = 0; pass < 3 * scale; ++pass) {
    for (int i = 0; i + 1 < n; ++i) {
      std::lock_guard<std::mutex> a(m[i]);
      std::lock_guard<std::mutex> b(m[i + 1]);
      ++g_sink;
    }
    seed = 5;
    for (int k = 0; k < n; ++k) {
      int i = int(next(seed) % (n - 1));
      int j = i + 1 + int(next(seed) % unsigned(n - 1 - i));
      std::lock_guard<std::mutex> a(m[i]);
      std::lock_guard<std::mutex> b(m[j]);
      ++g_sink;
    }
  }
}

// Heap mutexes created, used under a long-lived mutex, and destroyed.
static void churn(long scale) {
  std::mutex outer;
  for (long i = 0; i < 200000 * scale; ++i) {
    auto *m = new std::mutex;
    {
      std::lock_guard<std::mutex> g(outer);
      std::lock_guard<std::mutex> h(*m);
      ++g_sink;
    }
    delete m;
  }
}

// The reverse order: a fresh heap mutex taken first, the long-lived one
// under it (per-object locks held while a shared one is taken).
static void churn_first(long scale) {
  std::mutex outer;
  for (long i = 0; i < 200000 * scale; ++i) {
    auto *m = new std::mutex;
    {
      std::lock_guard<std::mutex> h(*m);
      std::lock_guard<std::mutex> g(outer);
      ++g_sink;
    }
    delete m;
  }
}

// Two producers, two consumers, a mutex + condition variable queue; the
// consumers also update a stats mutex while holding nothing else. Four
// million items per producer: shorter runs are mostly scheduler noise (at
// one million the plain run alone spreads from 0.20 s to 0.36 s).
static void workqueue(long scale) {
  std::mutex mu, stats_mu;
  std::condition_variable cv;
  std::deque<long> q;
  bool done = false;
  long produced_each = 4000000 * scale, total = 0;
  auto producer = [&] {
    for (long i = 0; i < produced_each; ++i) {
      {
        std::lock_guard<std::mutex> g(mu);
        q.push_back(i);
      }
      cv.notify_one();
    }
  };
  auto consumer = [&] {
    for (;;) {
      long v;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return !q.empty() || done; });
        if (q.empty()) return;
        v = q.front();
        q.pop_front();
      }
      unsigned h = unsigned(v);
      for (int k = 0; k < 50; ++k) h = h * 31 + 7;
      std::lock_guard<std::mutex> g(stats_mu);
      total += h & 1;
    }
  };
  std::thread p1(producer), p2(producer), c1(consumer), c2(consumer);
  p1.join();
  p2.join();
  {
    std::lock_guard<std::mutex> g(mu);
    done = true;
  }
  cv.notify_all();
  c1.join();
  c2.join();
  g_sink += unsigned(total);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s flat|nested|graph|churn|churn_first|workqueue [scale]\n", argv[0]);
    return 2;
  }
  long scale = argc > 2 ? std::atol(argv[2]) : 1;
  auto t0 = std::chrono::steady_clock::now();
  if (!std::strcmp(argv[1], "flat")) flat(scale);
  else if (!std::strcmp(argv[1], "nested")) nested(scale);
  else if (!std::strcmp(argv[1], "graph")) graph(scale);
  else if (!std::strcmp(argv[1], "churn")) churn(scale);
  else if (!std::strcmp(argv[1], "churn_first")) churn_first(scale);
  else if (!std::strcmp(argv[1], "workqueue")) workqueue(scale);
  else return 2;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s %.4f %lu\n", argv[1], s, g_sink);
  return 0;
}
