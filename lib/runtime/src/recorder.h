// The recorder proper: per-thread held stacks, the edge cache, findings and
// reports. The interposers (interpose.cpp) and the annotation API call the
// on_* functions below; they never allocate through malloc.
#ifndef FEARLESS_RT_RECORDER_H
#define FEARLESS_RT_RECORDER_H

#include "rt_internal.h"

#include <pthread.h>

#include <cstddef>

namespace fearless_rt {

struct Options {
  int exitcode = 66;           // exit status when an error-severity finding was reported
  bool halt_on_error = false;  // exit at the first error-severity finding
  char report_json[512] = {};  // JSON report path; %p -> pid
  char log_path[512] = {};     // text report path instead of stderr; %p -> pid
  char suppressions[512] = {};
  char symbolizer[512] = {};   // llvm-symbolizer or addr2line; auto when empty
  unsigned watchdog_ms = 20000;  // 0 disables the live deadlock watchdog
  bool report_single_thread = true;  // print low-severity cycles
  bool report_thread_exit = true;
  bool timed_edges = true;     // timed/clock locks add edges like blocking ones
  bool rwlock_read_read = false;  // true: rwlocks are writer-preferring
  bool track_free = true;      // free() of memory holding a lock retires it
  bool symbolize = true;
  unsigned search_budget = 1u << 16;
  unsigned stack_depth = 32;
  bool stack_dedup = true;     // reuse a stack for new orders at the same call sites
  bool ordered_by_join = true; // classify cycles ordered by thread creation/join apart
  bool flush_on_crash = true;  // write the JSON report on a fatal signal, then die by it
  int verbosity = 0;
};
extern Options g_opt;

// Real functions, bound with dlsym(RTLD_NEXT) on first use.
struct Real {
  int (*mutex_lock)(pthread_mutex_t *);
  int (*mutex_trylock)(pthread_mutex_t *);
  int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
  int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
  int (*mutex_unlock)(pthread_mutex_t *);
  int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
  int (*mutex_destroy)(pthread_mutex_t *);
  int (*rw_rdlock)(pthread_rwlock_t *);
  int (*rw_tryrdlock)(pthread_rwlock_t *);
  int (*rw_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
  int (*rw_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
  int (*rw_wrlock)(pthread_rwlock_t *);
  int (*rw_trywrlock)(pthread_rwlock_t *);
  int (*rw_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
  int (*rw_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
  int (*rw_unlock)(pthread_rwlock_t *);
  int (*rw_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
  int (*rw_destroy)(pthread_rwlock_t *);
  int (*spin_lock)(pthread_spinlock_t *);
  int (*spin_trylock)(pthread_spinlock_t *);
  int (*spin_unlock)(pthread_spinlock_t *);
  int (*spin_init)(pthread_spinlock_t *, int);
  int (*spin_destroy)(pthread_spinlock_t *);
  int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
  int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
  int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
                        const struct timespec *);
  int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
  int (*join)(pthread_t, void **);
  void (*exit)(void *) __attribute__((noreturn));
  int (*fork)(void);
  void (*free)(void *);
  size_t (*malloc_usable_size)(void *);
};
extern Real real;
// 0 before binding, 1 while binding (hooks pass through), 2 ready.
extern std::atomic<int> g_state;
void ensure_init();
inline bool ready() { return g_state.load(std::memory_order_acquire) == 2; }

// Per-thread state. The owner reads and writes it without locks; the
// watchdog of another thread reads addr/count of held entries, nheld and
// the wait fields (all atomic or written with __atomic builtins).
// 64 bytes (one cache line): an entry's address is a shift of its index.
struct alignas(64) Held {
  uptr addr;
  u32 node;   // 0 until needed: a lock taken with nothing held stays unresolved
  u32 gen;    // the node slot's generation (Graph::lookup_word)
  u32 count;  // recursion
  u64 chain;  // hash of (node, mode) of this and every entry below
  uptr pc;
  u8 mode;
  u8 no_edge;
  u8 kind;
};

constexpr u32 kMaxCreateFrames = 32;
constexpr u32 kShapeFrames = 16;
constexpr u32 kShapeSlots = 32;
constexpr u32 kSiteSlots = 1024;  // addr_ctx slots: 512 pairs
constexpr u32 kPairSetBits = 8;  // pair_ctx: 256 sets of two slots
constexpr u32 kPairSlots = 2u << kPairSetBits;

struct alignas(64) ThreadState {
  // The fields every hook reads or writes come first, in one cache line.
  std::atomic<Held *> held;
  std::atomic<u32> nheld;
  u32 busy;
  u32 cap;
  u32 tid;
  // The blocking wait this thread is in, published for the watchdog
  // thread: what it waits for (0: none), the call site, the CFA of the
  // intercepted call (0 for custom locks: their wait is in user code), and
  // a tag (sequence number << 8 | kind << 4 | mode) that changes with
  // every wait, so a wait that stays put is told from a new one.
  std::atomic<uptr> waiting_for;
  std::atomic<uptr> wait_pc;
  std::atomic<uptr> wait_cfa;
  std::atomic<u64> wait_tag;
  u64 epoch_salt;  // see epoch below
  int os_tid;
  u32 parent_tid;
  std::atomic<u32> alive;
  KeySet ctx;
  // In front of ctx: known contexts by the addresses (not node ids) of the
  // held locks and the new one, salted with g_addr_epoch, so a known order
  // costs no node lookup at all. Two-way set associative: a key may sit in
  // either slot of its pair, the most recent first. A miss falls back to
  // ctx.
  u64 addr_ctx[kSiteSlots];
  // The same for the commonest nested case, one lock held: the exact
  // (held, acquired, salt) words, no hash to compute or to collide. Two-way
  // set associative too.
  struct PairSlot {
    u64 held, acq, salt;
  } pair_ctx[kPairSlots];
  // Filled by the thread itself, on the watchdog's signal, once a
  // deadlock is confirmed.
  std::atomic<const Stack *> wait_stack;
  // The watchdog thread's own view (only it reads and writes these): the
  // wait it saw last and since when.
  uptr wd_addr;
  u64 wd_tag, wd_since;
  u32 ncreate;
  uptr create_pcs[kMaxCreateFrames];
  // Happens-before from thread creation and join: the epoch counts this
  // thread's pthread_create and pthread_join calls. The edge cache key is
  // salted with it, so the first sighting of an order in a new epoch takes
  // the slow path once and extends the edge's epoch range.
  u32 epoch;
  ThreadState *next_all;
  ThreadState *next_free;
  bool listed;  // on the g_threads list (records are reused, never unlinked)
  // This thread's stack, when known (0 otherwise): the stack-shape memo
  // below only reads memory inside it.
  uptr stack_lo, stack_hi;
  // Stack-shape memo (stack_dedup): for a stack captured by this thread,
  // where its innermost return addresses sat relative to the slow path's
  // frame. A later new edge whose frame is at the same address and whose
  // return addresses are found at the same places has the same innermost
  // frames, so it reuses the stack without unwinding.
  struct ShapeSlot {
    uptr base;           // CFA of the slow path's frame at capture
    u32 n;               // return addresses to compare
    s32 off[kShapeFrames];  // where each sat, relative to base
    uptr ip[kShapeFrames];
    const Stack *stack;
  } shapes[kShapeSlots];
};

static_assert(offsetof(ThreadState, epoch_salt) + sizeof(u64) <= 64, "hot fields span one cache line");

extern __thread ThreadState *t_self __attribute__((tls_model("initial-exec")));
ThreadState *create_self();
inline ThreadState *self() {
  ThreadState *t = t_self;
  return t ? t : create_self();
}

inline bool watchdog_on() { return g_opt.watchdog_ms != 0; }

// What a blocked thread is inside of, for the watchdog's report.
enum WaitKind : u32 {
  kWaitLock = 0,     // a pthread lock call
  kWaitCond = 1,     // a condition variable wait: it must re-acquire the mutex to return
  kWaitCustom = 2,   // an annotated custom lock (fearless_before_lock)
};

// Every blocking wait is published around the real call: a handful of
// stores to the thread's own state. The watchdog thread reads them.
inline void wait_publish(ThreadState *t, uptr addr, u32 kind, u8 mode, uptr pc, uptr cfa) {
  u64 seq = (t->wait_tag.load(std::memory_order_relaxed) >> 8) + 1;
  t->wait_pc.store(pc, std::memory_order_relaxed);
  t->wait_cfa.store(cfa, std::memory_order_relaxed);
  t->wait_tag.store(seq << 8 | u64(kind) << 4 | mode, std::memory_order_relaxed);
  t->waiting_for.store(addr, std::memory_order_release);
}
inline void wait_unpublish(ThreadState *t) { t->waiting_for.store(0, std::memory_order_release); }
inline u32 wait_kind_of(u64 tag) { return u32(tag >> 4) & 0xf; }

// Hooks. `pc` is the caller's return address. An acquisition is
// prepare() before the real call and commit() once it succeeded;
// on_acquired() is both at once. The inline parts are the fast paths: a
// lock taken with nothing held, a release of the innermost lock.
// The address-keyed caches (addr_ctx, pair_ctx). An AddrKey names the
// context of taking a lock on top of n held ones: for n == 1 the exact
// pair of words, for n > 1 a hash of them all; n == 0: none.
struct AddrKey {
  u64 a, b, salt;
  u32 n;
};

struct Prep {
  ThreadState *t;
  uptr addr, pc;
  u64 chain;
  AddrKey akey;  // the address-keyed cache entry to set once the context is known (n = 0: none)
  u32 node, gen, reentry;
  u8 kind, mode, no_edge;
  bool known, skip;
};
void prepare_nested(Prep &p, ThreadState *t, u32 n, Held *h);
void commit_full(const Prep &p);
void on_release_full(ThreadState *t, uptr addr);

// Fast paths of a blocking lock, taken before the real call: nothing held
// (flat), or a known order recognised by the held locks' addresses. Either
// way the acquisition is then only a push (commit_push).
inline bool flat_ready(ThreadState *t) {
  return t->busy == 0 && t->nheld.load(std::memory_order_relaxed) == 0;
}
inline u64 held_word(uptr addr, u8 mode, u8 no_edge) { return addr * 4 + mode * 2 + no_edge; }
inline u64 addr_salt(const ThreadState *t) {
  return t->epoch_salt ^ g_addr_epoch.load(std::memory_order_relaxed);
}
// The key of taking addr on top of the n > 0 held entries h; false if
// addr is already held (re-entry goes the general way).
inline bool addr_key(const ThreadState *t, u32 n, const Held *h, uptr addr, u8 mode, AddrKey &k) {
  k.salt = addr_salt(t);
  k.n = n;
  if (n == 1) {
    k.a = held_word(h[0].addr, h[0].mode, h[0].no_edge);
    k.b = held_word(addr, mode, 0);
    return h[0].addr != addr;
  }
  u64 x = k.salt;
  for (u32 i = 0; i < n; ++i) {
    if (h[i].addr == addr) return false;
    x = mix(x, held_word(h[i].addr, h[i].mode, h[i].no_edge));
  }
  k.a = mix(x, held_word(addr, mode, 0));
  k.b = 0;
  return true;
}
inline ThreadState::PairSlot *pair_set(ThreadState *t, u64 a, u64 b) {
  return &t->pair_ctx[(((a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xD6E8FEB86659FD93ull) >> (64 - kPairSetBits)) * 2];
}
inline u64 *addr_ctx_pair(ThreadState *t, u64 k) { return &t->addr_ctx[(k >> 20) & (kSiteSlots - 2)]; }
inline bool addr_key_known(ThreadState *t, const AddrKey &k) {
  if (k.n == 1) {
    const ThreadState::PairSlot *s = pair_set(t, k.a, k.b);
    return (s[0].held == k.a && s[0].acq == k.b && s[0].salt == k.salt) ||
           (s[1].held == k.a && s[1].acq == k.b && s[1].salt == k.salt);
  }
  const u64 *s = addr_ctx_pair(t, k.a);
  return s[0] == k.a || s[1] == k.a;
}
inline void addr_key_put(ThreadState *t, const AddrKey &k) {
  if (k.n == 0) return;
  if (k.n == 1) {
    ThreadState::PairSlot *s = pair_set(t, k.a, k.b);
    s[1] = s[0];  // the older of the set is evicted
    s[0] = {k.a, k.b, k.salt};
    return;
  }
  u64 *s = addr_ctx_pair(t, k.a);
  if (s[0] == k.a) return;
  if (s[1] != k.a) s[1] = s[0];  // the older of the pair is evicted
  s[0] = k.a;
}
// Held stack, top n: is taking addr a known order?
inline bool known_by_addr(ThreadState *t, u32 n, uptr addr, u8 mode) {
  if (t->busy || n == 0) return false;
  AddrKey k;
  return addr_key(t, n, t->held.load(std::memory_order_relaxed), addr, mode, k) && addr_key_known(t, k);
}
// The fields of a new held entry (node 0: unresolved).
inline void fill_held(Held &e, uptr addr, u8 kind, u8 mode, u8 no_edge, uptr pc) {
  __atomic_store_n(&e.addr, addr, __ATOMIC_RELAXED);
  __atomic_store_n(&e.count, 1u, __ATOMIC_RELAXED);
  e.mode = mode;
  e.kind = kind;
  e.pc = pc;
  e.no_edge = no_edge;
  e.node = 0;
}

void commit_push_slow(ThreadState *t, uptr addr, u8 kind, u8 mode, uptr pc);
// After the real call succeeded: push addr above the n entries that were
// held before the call (unresolved: node, gen and chain are set when
// something is taken above it).
// With n == 0 (a flat acquisition) the capacity check folds away: a held
// array always has room for one entry.
inline void commit_push(ThreadState *t, u32 n, uptr addr, u8 kind, u8 mode, uptr pc) {
  if (__builtin_expect(t->nheld.load(std::memory_order_relaxed) != n || t->busy || (n && n >= t->cap), 0)) {
    commit_push_slow(t, addr, kind, mode, pc);  // a signal handler changed the stack meanwhile
    return;
  }
  fill_held(t->held.load(std::memory_order_relaxed)[n], addr, kind, mode, 0, pc);
  t->nheld.store(n + 1, std::memory_order_release);
}

// A flat acquisition in two halves. Before the real call, the entry is
// written above the stack's top, where no one reads it yet; once the lock
// is taken, the critical section pays only for raising nheld. If a signal
// handler used the slot in between, commit_push writes it again.
inline Held *prefill_flat(ThreadState *t, uptr addr, u8 kind, u8 mode, uptr pc) {
  Held &e = t->held.load(std::memory_order_relaxed)[0];
  fill_held(e, addr, kind, mode, 0, pc);
  return &e;
}
inline void commit_flat(ThreadState *t, Held *e, uptr addr, u8 kind, u8 mode, uptr pc) {
  if (__builtin_expect(t->nheld.load(std::memory_order_relaxed) == 0 && !t->busy &&
                           __atomic_load_n(&e->addr, __ATOMIC_RELAXED) == addr &&
                           e == t->held.load(std::memory_order_relaxed),
                       1)) {
    t->nheld.store(1, std::memory_order_release);
    return;
  }
  commit_push(t, 0, addr, kind, mode, pc);
}

inline void prepare(Prep &p, uptr addr, u8 kind, u8 mode, bool is_try, bool is_timed, uptr pc) {
  ThreadState *t = self();
  p.t = t;
  p.addr = addr;
  p.kind = kind;
  p.mode = mode;
  p.pc = pc;
  p.no_edge = (is_try || (is_timed && !g_opt.timed_edges)) ? 1 : 0;
  p.reentry = 0;
  p.akey.n = 0;
  p.node = 0;
  p.gen = 0;
  p.chain = 0;
  p.known = true;
  p.skip = t->busy != 0;
  if (p.skip) return;
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  for (u32 i = n; i-- > 0;) {
    if (h[i].addr == addr) {  // re-entry (recursive mutex, repeated read lock)
      p.reentry = i + 1;
      return;
    }
  }
  if (!n) return;
  if (!p.no_edge) {
    AddrKey k;
    if (addr_key(t, n, h, addr, mode, k)) {
      if (addr_key_known(t, k)) return;  // known: the pushed entry stays unresolved
      p.akey = k;
    }
  }
  prepare_nested(p, t, n, h);
}

// Pushes the prepared acquisition p above the n entries of h (n < cap); a
// flat one (n == 0) stays unresolved.
inline void push_prepared(ThreadState *t, Held *h, u32 n, const Prep &p) {
  Held &e = h[n];
  fill_held(e, p.addr, p.kind, p.mode, p.no_edge, p.pc);
  e.node = n ? p.node : 0;
  e.gen = n ? p.gen : 0;
  e.chain = n ? p.chain : 0;
  t->nheld.store(n + 1, std::memory_order_release);
}

inline void commit(const Prep &p) {
  if (p.skip) return;
  ThreadState *t = p.t;
  u32 n = t->nheld.load(std::memory_order_relaxed);
  // A flat acquisition, or a known order: stay thread-local.
  if (!p.reentry && (n == 0 || p.known) && n < t->cap) {
    push_prepared(t, t->held.load(std::memory_order_relaxed), n, p);
    return;
  }
  commit_full(p);
}

inline void on_release(ThreadState *t, uptr addr) {
  if (t->busy) return;
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  if (n && h[n - 1].addr == addr && h[n - 1].count == 1) {
    t->nheld.store(n - 1, std::memory_order_release);
    return;
  }
  on_release_full(t, addr);
}
inline void on_release(uptr addr) { on_release(self(), addr); }

void on_acquired(uptr addr, u8 kind, u8 mode, bool is_try, bool is_timed, uptr pc);
void on_destroy(uptr addr);
void on_free(void *p);
void on_lock_name(uptr addr, const char *name);

// Watchdog: a thread of its own, started with the program's first
// thread (pthread_create), that looks every watchdog_ms/4 (at most 500 ms)
// for a wait-for cycle among the published waits and reports it.
void watchdog_start();

// Condition variable: the mutex is released for the wait and re-acquired
// by glibc internally; the recorder models both.
struct CondSaved {
  uptr addr;
  u32 count;
  bool held;
};
CondSaved cond_release(ThreadState *t, uptr mutex);
void cond_reacquire(ThreadState *t, const CondSaved &s, uptr pc);

// Threads and fork.
void *thread_trampoline_arg(void *(*fn)(void *), void *arg);  // arena record
void on_join(pthread_t thread);  // after a successful pthread_join
void *thread_trampoline(void *rec);
void on_thread_exit();
void fork_prepare();
void fork_parent();
void fork_child();

// Public API backends.
void api_set_context(const char *ctx);
unsigned long api_finding_count();
int api_finding_summary(unsigned long i, char *buf, unsigned long size);
int api_flush_report();

} // namespace fearless_rt

#endif
