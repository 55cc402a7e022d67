// Recorder: held stacks, edge cache, classification, findings, watchdog.
#include "recorder.h"
#include "report.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <new>
#include <execinfo.h>
#include <sys/resource.h>
#include <unwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace fearless_rt {

Options g_opt;
Graph *g_graph = nullptr;
alignas(64) static char g_graph_storage[sizeof(Graph)];

// --------------------------------------------------------------- threads
static SpinLock g_threads_mu;
static std::atomic<ThreadState *> g_threads{nullptr};
static ThreadState *g_free_threads = nullptr;
static std::atomic<u32> g_next_tid{0};
__thread ThreadState *t_self __attribute__((tls_model("initial-exec")));

// ------------------------------------------------ creation/join ordering
// One record per recorder thread id (ids are never reused): who created the
// thread and in which of its epochs, its children, and who joined it in
// which epoch. Together they are the happens-before order that thread
// creation and join impose; classify() searches it when a cycle closes.
struct ThreadSync {
  u32 parent;        // UINT32_MAX: not created through pthread_create
  u32 parent_epoch;  // the creator's epoch that ended with the creation
  u32 first_child, next_sibling;  // UINT32_MAX terminated
  u32 joiner;        // UINT32_MAX: not joined (yet)
  u32 join_epoch;    // the joiner's epoch that ended with the join
};
static SpinLock g_sync_mu;  // leaf lock: taken under the graph lock, never the reverse
static SegVec<ThreadSync, 10> g_sync;
static AddrMap g_pthread_tid;  // pthread_t -> recorder tid + 1, until joined

static void sync_ensure_locked(u32 tid) {
  while (g_sync.size() <= tid) {
    u32 i = g_sync.push();
    if (i == UINT32_MAX) return;
    g_sync[i] = {UINT32_MAX, 0, UINT32_MAX, UINT32_MAX, UINT32_MAX, 0};
  }
}

static inline void epoch_advance(ThreadState *t) {
  ++t->epoch;
  t->epoch_salt = mix(0x6A09E667F3BCC909ull, t->epoch);
}

// The edge-cache key of a (held stack, new lock) combination in the
// current epoch; never 0 (the empty slot).
static inline u64 ctx_key(const ThreadState *t, u64 chain) {
  u64 k = chain ^ t->epoch_salt;
  return k ? k : 1;
}

static Held *held_alloc(u32 cap) {
  return static_cast<Held *>(os_alloc(sizeof(Held) * cap));
}

extern "C" void *__libc_stack_end;

// The main thread's stack: from where the kernel started it down to the
// stack limit (capped: nothing else is mapped in that range).
static void main_stack_bounds(ThreadState *t) {
  uptr hi = uptr(__libc_stack_end);
  rlimit rl;
  if (!hi || getrlimit(RLIMIT_STACK, &rl) != 0) return;
  uptr size = 8u << 20;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < size) size = uptr(rl.rlim_cur);
  t->stack_lo = hi - size;
  t->stack_hi = hi;
}

ThreadState *create_self() {
  ThreadState *t;
  {
    SpinGuard g(g_threads_mu);
    t = g_free_threads;
    if (t) g_free_threads = t->next_free;
  }
  if (t) {
    t->ctx.clear();
    memset(t->shapes, 0, sizeof t->shapes);
    memset(t->addr_ctx, 0, sizeof t->addr_ctx);
    memset(t->pair_ctx, 0, sizeof t->pair_ctx);
    t->nheld.store(0, std::memory_order_relaxed);
  } else {
    // Cache-line aligned, so the hot fields share one line with nothing else.
    uptr raw = uptr(arena_alloc(sizeof(ThreadState) + alignof(ThreadState)));
    t = reinterpret_cast<ThreadState *>((raw + alignof(ThreadState) - 1) & ~uptr(alignof(ThreadState) - 1));
    new (t) ThreadState();
    t->cap = 64;
    t->held.store(held_alloc(t->cap), std::memory_order_release);
  }
  t->tid = g_next_tid.fetch_add(1);
  t->os_tid = int(syscall(SYS_gettid));
  t->parent_tid = UINT32_MAX;
  t->ncreate = 0;
  t->epoch = 0;
  t->epoch_salt = 0;
  t->stack_lo = t->stack_hi = 0;
  if (t->os_tid == int(getpid())) main_stack_bounds(t);
  {
    SpinGuard g(g_sync_mu);
    sync_ensure_locked(t->tid);
  }
  t->busy = 0;
  t->waiting_for.store(0, std::memory_order_relaxed);
  t->wait_stack.store(nullptr, std::memory_order_relaxed);
  t->alive.store(1, std::memory_order_release);
  // A recycled record is already on the list (the tail one too, whose
  // next_all is null): linking it again would close a loop.
  if (!t->listed) {
    t->listed = true;
    SpinGuard g(g_threads_mu);
    t->next_all = g_threads.load(std::memory_order_relaxed);
    g_threads.store(t, std::memory_order_release);
  }
  t_self = t;
  return t;
}


struct TrampolineRec {
  void *(*fn)(void *);
  void *arg;
  u32 parent;
  u32 parent_epoch;
  u32 n;
  uptr pcs[kMaxCreateFrames];
  TrampolineRec *next;
};
static SpinLock g_tramp_mu;
static TrampolineRec *g_tramp_free = nullptr;

u32 capture_stack(uptr *out, u32 max, u32 skip);
static u32 unwind_callers(uptr base, uptr *out, u32 max);

void *thread_trampoline_arg(void *(*fn)(void *), void *arg) {
  TrampolineRec *r;
  {
    SpinGuard g(g_tramp_mu);
    r = g_tramp_free;
    if (r) g_tramp_free = r->next;
  }
  if (!r) r = static_cast<TrampolineRec *>(arena_alloc(sizeof(TrampolineRec)));
  r->fn = fn;
  r->arg = arg;
  ThreadState *t = self();
  r->parent = t->tid;
  // What the parent did so far happens before the child; what it does from
  // now on does not.
  r->parent_epoch = t->epoch;
  epoch_advance(t);
  t->busy++;
  r->n = unwind_callers(uptr(__builtin_dwarf_cfa()), r->pcs, kMaxCreateFrames);
  t->busy--;
  return r;
}

void *thread_trampoline(void *p) {
  TrampolineRec *r = static_cast<TrampolineRec *>(p);
  ThreadState *t = self();
  t->parent_tid = r->parent;
  t->ncreate = r->n;
  {
    // Outside the lock hooks: pthread_getattr_np may allocate.
    pthread_attr_t a;
    void *lo = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
      if (pthread_attr_getstack(&a, &lo, &size) == 0 && lo && size) {
        t->stack_lo = uptr(lo);
        t->stack_hi = uptr(lo) + size;
      }
      pthread_attr_destroy(&a);
    }
  }
  {
    SpinGuard g(g_sync_mu);
    sync_ensure_locked(r->parent > t->tid ? r->parent : t->tid);
    if (t->tid < g_sync.size() && r->parent < g_sync.size()) {
      ThreadSync &me = g_sync[t->tid];
      me.parent = r->parent;
      me.parent_epoch = r->parent_epoch;
      me.next_sibling = g_sync[r->parent].first_child;
      g_sync[r->parent].first_child = t->tid;
    }
    g_pthread_tid.set(uptr(pthread_self()), t->tid + 1);
  }
  memcpy(t->create_pcs, r->pcs, sizeof(uptr) * r->n);
  void *(*fn)(void *) = r->fn;
  void *arg = r->arg;
  {
    SpinGuard g(g_tramp_mu);
    r->next = g_tramp_free;
    g_tramp_free = r;
  }
  void *ret = fn(arg);
  on_thread_exit();
  return ret;
}

void on_join(pthread_t thread) {
  ThreadState *t = self();
  if (t->busy) return;
  SpinGuard g(g_sync_mu);
  u32 v = g_pthread_tid.get(uptr(thread));
  if (!v) return;  // not started through the recorder's pthread_create
  g_pthread_tid.set(uptr(thread), 0);  // the pthread_t may be reused now
  u32 child = v - 1;
  if (child < g_sync.size() && g_sync[child].joiner == UINT32_MAX) {
    g_sync[child].joiner = t->tid;
    g_sync[child].join_epoch = t->epoch;
  }
  epoch_advance(t);
}

// Does (from, from_epoch) happen before (to, to_epoch) through creations
// and joins? Breadth-first over threads, keeping the earliest epoch reached
// in each; bounded by search_budget (undecided counts as "no").
// g_sync_mu held.
static bool sync_reaches(u32 from, u32 from_epoch, u32 to, u32 to_epoch) {
  u32 n = g_sync.size();
  if (from >= n || to >= n) return false;
  u32 *best = static_cast<u32 *>(os_alloc(sizeof(u32) * n));
  u32 *queue = static_cast<u32 *>(os_alloc(sizeof(u32) * n));
  for (u32 i = 0; i < n; ++i) best[i] = UINT32_MAX;
  u32 head = 0, tail = 0, steps = 0;
  bool found = false;
  best[from] = from_epoch;
  queue[tail++] = from;
  auto reach = [&](u32 t, u32 e) {
    if (e >= best[t]) return;
    bool queued = best[t] != UINT32_MAX;
    best[t] = e;
    if (!queued && tail < n) queue[tail++] = t;
  };
  while (head < tail && !found && steps++ < g_opt.search_budget) {
    u32 t = queue[head++];
    if (t == to && best[t] <= to_epoch) {
      found = true;
      break;
    }
    const ThreadSync &s = g_sync[t];
    for (u32 c = s.first_child; c != UINT32_MAX && c < n; c = g_sync[c].next_sibling)
      if (g_sync[c].parent_epoch >= best[t]) reach(c, 0);
    if (s.joiner != UINT32_MAX && s.joiner < n) reach(s.joiner, s.join_epoch + 1);
  }
  if (!found && best[to] <= to_epoch) found = true;
  os_free(best, sizeof(u32) * n);
  os_free(queue, sizeof(u32) * n);
  return found;
}

static bool sync_is_ancestor(u32 a, u32 d) {
  for (u32 p = d, k = 0; p < g_sync.size() && k < g_sync.size(); ++k) {
    p = g_sync[p].parent;
    if (p == a) return true;
  }
  return false;
}

// Can no sighting of edge x in one thread run concurrently with a sighting
// of edge y in another? Only threads of which one is an ancestor of the
// other (docs/runtime.md, "Classification") are compared; any other pair
// of distinct threads counts as concurrent.
static bool edges_ordered(const Edge &x, const Edge &y) {
  if (x.more_threads || y.more_threads) return false;
  for (u32 i = 0; i < x.nthreads; ++i)
    for (u32 j = 0; j < y.nthreads; ++j) {
      u32 a = x.threads[i], b = y.threads[j];
      if (a == b) continue;
      if (!sync_is_ancestor(a, b) && !sync_is_ancestor(b, a)) return false;
      if (!sync_reaches(a, x.ep_last[i], b, y.ep_first[j]) &&
          !sync_reaches(b, y.ep_last[j], a, x.ep_first[i]))
        return false;
    }
  return true;
}

// ------------------------------------------------------------- findings
SpinLock g_findings_mu;  // lock order: emit < graph < findings < threads < tramp
SegVec<Finding, 8> g_findings;
u32 g_findings_base = 0;  // findings inherited from a parent process
static std::atomic<unsigned long> g_error_count{0};
static std::atomic<const char *> g_context{nullptr};
static std::atomic<u64> g_edges_dropped{0};

u32 capture_stack(uptr *out, u32 max, u32 skip) {
  void *buf[128];
  if (max + skip > 128) max = 128 - skip;
  int n = backtrace(buf, int(max + skip));
  u32 k = 0;
  for (int i = int(skip); i < n; ++i) out[k++] = uptr(buf[i]);
  return k;
}

// Frames kept per recorded stack (the stack_depth option, 1..100).
static u32 record_depth() {
  u32 depth = g_opt.stack_depth ? g_opt.stack_depth : 1;
  return depth > 100 ? 100 : depth;
}

// An arena copy of the n return addresses pcs.
static const Stack *stack_record(const uptr *pcs, u32 n) {
  Stack *s = static_cast<Stack *>(arena_alloc(sizeof(Stack) + sizeof(uptr) * n));
  s->n = n;
  memcpy(s->pc, pcs, sizeof(uptr) * n);
  return s;
}

static const Stack *capture_stack_record(u32 skip) {
  uptr tmp[128];
  u32 n = capture_stack(tmp, record_depth(), skip + 1);
  return stack_record(tmp, n);
}

// Cycle classification (see docs/runtime.md "Classification").
static u8 classify(Graph &g, const u32 *cyc, u32 n, u32 *gates_out, u32 *ngates_out) {
  *ngates_out = 0;
  if (!g_opt.rwlock_read_read) {
    for (u32 i = 0; i < n; ++i) {
      const Edge &a = g.edge(cyc[i]);
      const Edge &b = g.edge(cyc[(i + 1) % n]);
      bool ok = false;
      for (u32 ba = 0; ba < 4 && !ok; ++ba) {
        if (!(a.modes & (1u << ba))) continue;
        for (u32 bb = 0; bb < 4 && !ok; ++bb) {
          if (!(b.modes & (1u << bb))) continue;
          bool acquired_read = ba & 1, held_read = bb & 2;
          if (!(acquired_read && held_read)) ok = true;
        }
      }
      if (!ok) return kFindNone;  // only read-read hand-offs: cannot block
    }
  }
  bool one_thread = true;
  const Edge &e0 = g.edge(cyc[0]);
  u32 t0 = e0.threads[0];
  for (u32 i = 0; i < n && one_thread; ++i) {
    const Edge &e = g.edge(cyc[i]);
    if (e.more_threads) one_thread = false;
    for (u32 k = 0; k < e.nthreads; ++k)
      if (e.threads[k] != t0) one_thread = false;
  }
  if (one_thread) return kFindSingleThread;
  // Gate: a lock held across every sighting of every edge of the cycle.
  for (u32 k = 0; k < e0.ngates; ++k) {
    u32 gate = e0.gates[k];
    bool all = true;
    for (u32 i = 1; i < n && all; ++i) {
      const Edge &e = g.edge(cyc[i]);
      bool has = false;
      for (u32 j = 0; j < e.ngates; ++j)
        if (e.gates[j] == gate) has = true;
      all = has;
    }
    for (u32 i = 0; i < n && all; ++i)
      if (g.edge(cyc[i]).from == gate) all = false;
    if (all) gates_out[(*ngates_out)++] = gate;
  }
  if (*ngates_out) return kFindGated;
  if (g_opt.ordered_by_join) {
    SpinGuard sg(g_sync_mu);
    bool ordered = true;
    for (u32 i = 0; i < n && ordered; ++i)
      for (u32 j = i + 1; j < n && ordered; ++j)
        ordered = edges_ordered(g.edge(cyc[i]), g.edge(cyc[j]));
    if (ordered) return kFindOrdered;
  }
  return kFindInversion;
}

static Finding *new_finding_locked(u8 kind) {
  u32 i = g_findings.push();
  if (i == UINT32_MAX) return nullptr;
  Finding *f = &g_findings[i];
  memset(f, 0, sizeof(*f));
  f->kind = kind;
  f->index = i;
  return f;
}

// Called with the graph lock held; records a finding for the cycle.
static void record_cycle(Graph &g, const u32 *cyc, u32 n, Finding **pending, u32 *npending) {
  u32 gates[kEdgeGates];
  u32 ngates = 0;
  u8 kind = classify(g, cyc, n, gates, &ngates);
  if (kind == kFindNone) return;
  if (kind != kFindInversion) {
    for (u32 i = 0; i < n; ++i) g.edge(cyc[i]).weak_cycle = 1;
    if (!g_opt.report_single_thread) return;
  } else {
    for (u32 i = 0; i < n; ++i) g.edge(cyc[i]).weak_cycle = 0;
  }
  SpinGuard rg(g_findings_mu);
  Finding *f = new_finding_locked(kind);
  if (!f) return;
  f->n = n < kMaxCycle ? n : kMaxCycle;
  memcpy(f->edges, cyc, sizeof(u32) * f->n);
  f->ngates = ngates;
  memcpy(f->gates, gates, sizeof(u32) * ngates);
  if (*npending < 16) pending[(*npending)++] = f;
}

static constexpr u64 kChainSeed = 0x2545F4914F6CDD1Dull;

// ---------------------------------------------------------- edge stacks
// Unwinding is the slow path's main cost (libgcc's unwinder: a table
// lookup and a CFI interpretation per frame). One unwind records, besides
// the return addresses, where on the stack each of them was stored; a
// later capture from a frame at the same address compares those stored
// words with what it expects — a few loads instead of an unwind.
struct Unwind {
  uptr base;      // CFA of the frame whose callers are wanted
  u32 n, max;
  s32 found;      // index of the first caller frame, -1 until base is seen
  uptr ip[128];
  uptr slot[128]; // where ip[i] was stored
};

static _Unwind_Reason_Code unwind_step(_Unwind_Context *c, void *arg) {
  Unwind *u = static_cast<Unwind *>(arg);
  uptr ip = _Unwind_GetIP(c);
  // libgcc's CFA of a context is its callee's CFA, that is the caller's
  // stack pointer at the call: the context's own return address (ip) sits
  // just below it (x86-64).
  uptr cfa = _Unwind_GetCFA(c);
  if (u->n >= u->max || !ip) return _URC_END_OF_STACK;
  if (u->found < 0) {
    // Frames up to and including the base frame are the recorder's; the
    // base frame's caller is the context whose callee CFA is base.
    if (cfa != u->base) return _URC_NO_REASON;
    u->found = 0;
  }
  u->ip[u->n] = ip;
  u->slot[u->n] = cfa - sizeof(uptr);
  ++u->n;
  return _URC_NO_REASON;
}

// The return addresses of the callers of the frame whose CFA is base,
// innermost first. Counting frames to skip instead would depend on what
// the compiler inlined.
static void unwind_from(Unwind &u, uptr base, u32 max) {
  u.base = base;
  u.n = 0;
  u.max = max < 128 ? max : 128;
  u.found = -1;
  _Unwind_Backtrace(unwind_step, &u);
}

static u32 unwind_callers(uptr base, uptr *out, u32 max) {
  Unwind u;
  unwind_from(u, base, max);
  if (u.found < 0) return capture_stack(out, max, 2);
  memcpy(out, u.ip, sizeof(uptr) * u.n);
  return u.n;
}

static inline bool shape_usable(const ThreadState *t, uptr base) {
#if defined(__x86_64__)
  return g_opt.stack_dedup && t->stack_hi && base >= t->stack_lo && base < t->stack_hi;
#else
  (void)t;
  (void)base;
  return false;
#endif
}

static inline bool shape_matches(const ThreadState::ShapeSlot &s, uptr base, uptr hi) {
  if (s.base != base || !s.stack) return false;
  for (u32 k = 0; k < s.n; ++k) {
    uptr a = base + uptr(intptr_t(s.off[k]));
    if (a + sizeof(uptr) > hi) return false;
    if (*reinterpret_cast<const volatile uptr *>(a) != s.ip[k]) return false;
  }
  return true;
}

// The stack of a new edge: the callers of the frame whose CFA is `base`
// (the slow path's), reused from the memo when the innermost frames match.
static __attribute__((noinline)) const Stack *edge_stack(ThreadState *t, uptr base, uptr site) {
  ThreadState::ShapeSlot *slot = nullptr;
  bool memo = shape_usable(t, base);
  if (memo) {
    slot = &t->shapes[mix(base, site) & (kShapeSlots - 1)];
    if (shape_matches(*slot, base, t->stack_hi)) return slot->stack;
  }
  Unwind u;
  unwind_from(u, base, record_depth());
  if (u.found < 0) return capture_stack_record(3);  // base not seen: skip frames
  const Stack *st = stack_record(u.ip, u.n);
  if (memo) {
    u32 k = 0;
    for (; k < u.n && k < kShapeFrames; ++k) {
      intptr_t off = intptr_t(u.slot[k] - base);
      if (off < -intptr_t(sizeof(uptr)) || off > (1 << 30) || u.slot[k] + sizeof(uptr) > t->stack_hi)
        break;
      slot->off[k] = s32(off);
      slot->ip[k] = u.ip[k];
    }
    if (k == u.n || k == kShapeFrames) {
      slot->base = base;
      slot->n = k;
      slot->stack = st;
    } else {
      slot->stack = nullptr;
    }
  }
  return st;
}

static void slow_path(ThreadState *t, u32 top) {
  Held *h = t->held.load(std::memory_order_relaxed);
  const Stack *st = edge_stack(t, uptr(__builtin_dwarf_cfa()), h[top].pc);
  Graph &g = *g_graph;
  Finding *pending[16];
  u32 npending = 0;
  u32 cyc[kMaxCycle];
  u32 new_edges[64];
  u32 nnew = 0;
  u32 recheck[64];
  u32 nrecheck = 0;
  const char *ctx = g_context.load(std::memory_order_acquire);
  {
    SpinGuard gg(g.mu);
    u32 to = h[top].node;
    // A held entry whose slot was recycled meanwhile (its lock destroyed
    // while held) no longer names that lock: no edge from or to it.
    if (to && g.node(to).gen != h[top].gen) to = 0;
    for (u32 j = 0; j < top; ++j) {
      u32 from = h[j].node;
      if (from && g.node(from).gen != h[j].gen) from = 0;
      if (!from || !to || from == to) continue;
      u8 bit = u8(1u << ((h[j].mode == kRead ? 2 : 0) + (h[top].mode == kRead ? 1 : 0)));
      u32 e = g.find_edge(from, to);
      if (!e) {
        e = g.add_edge(from, to);
        if (!e) {
          g_edges_dropped.fetch_add(1);
          continue;
        }
        Edge &ed = g.edge(e);
        ed.threads[0] = t->tid;
        ed.ep_first[0] = ed.ep_last[0] = t->epoch;
        ed.nthreads = 1;
        ed.modes = bit;
        ed.from_pc = h[j].pc;
        ed.stack = st;
        ed.context = ctx;
        for (u32 k = 0; k < top && ed.ngates < kEdgeGates; ++k)
          if (k != j && h[k].node && g.node(h[k].node).gen == h[k].gen) ed.gates[ed.ngates++] = h[k].node;
        if (nnew < 64) new_edges[nnew++] = e;
        else g_edges_dropped.fetch_add(1);  // never happens: held depth > 64 per slow path
        continue;
      }
      Edge &ed = g.edge(e);
      bool changed = false;
      if (!(ed.modes & bit)) {
        ed.modes |= bit;
        changed = true;
      }
      u32 slot = kEdgeThreads;
      for (u32 k = 0; k < ed.nthreads; ++k)
        if (ed.threads[k] == t->tid) slot = k;
      if (slot == kEdgeThreads) {
        if (ed.nthreads < kEdgeThreads) {
          slot = ed.nthreads++;
          ed.threads[slot] = t->tid;
          ed.ep_first[slot] = ed.ep_last[slot] = t->epoch;
        } else {
          ed.more_threads = 1;
        }
        changed = true;
      } else if (t->epoch > ed.ep_last[slot]) {
        ed.ep_last[slot] = t->epoch;  // taken again after a creation or join
        changed = true;
      }
      // Intersect the gate set with this sighting's held set.
      u32 kept = 0;
      for (u32 a = 0; a < ed.ngates; ++a) {
        bool held = false;
        for (u32 k = 0; k < top; ++k)
          if (k != j && h[k].node == ed.gates[a]) held = true;
        if (held) ed.gates[kept++] = ed.gates[a];
      }
      if (kept != ed.ngates) {
        ed.ngates = u8(kept);
        changed = true;
      }
      if (changed && ed.weak_cycle && nrecheck < 64) recheck[nrecheck++] = e;
    }
    g.search_budget = g_opt.search_budget;
    for (u32 i = 0; i < nnew; ++i) {
      u32 n = g.check_new_edge(new_edges[i], cyc, kMaxCycle);
      if (n) record_cycle(g, cyc, n, pending, &npending);
    }
    for (u32 i = 0; i < nrecheck; ++i) {
      u32 n = g.find_cycle_through(recheck[i], cyc, kMaxCycle);
      if (!n) continue;
      u32 gates[kEdgeGates], ngates;
      if (classify(g, cyc, n, gates, &ngates) == kFindInversion)
        record_cycle(g, cyc, n, pending, &npending);
    }
  }
  for (u32 i = 0; i < npending; ++i) emit_finding(pending[i]);
}

// The node word (id and slot generation) for addr, creating the node.
static u64 resolve(uptr addr, u8 kind, uptr pc) {
  Graph &g = *g_graph;
  u64 w = g.lookup_word(addr);
  if (w) return w;
  SpinGuard gg(g.mu);
  u32 id = g.get_or_create(addr, kind, pc);
  return id ? g.word(id) : 0;
}

// Slot generations keep a recycled node slot from matching contexts that
// were recorded for the lock it held before.
static inline u64 chain_word(u32 node, u32 gen, u8 mode, u8 no_edge) {
  return ((u64(gen) << 32 | node) << 2) + u64(mode) * 2 + no_edge;
}

static inline u64 chain_step(u64 prev, const Held &e) {
  return mix(prev, chain_word(e.node, e.gen, e.mode, e.no_edge));
}

static void recompute_chains(Held *h, u32 from, u32 n) {
  for (u32 k = from; k < n; ++k) {
    if (!h[k].node) {
      h[k].chain = 0;
      continue;
    }
    h[k].chain = chain_step(k ? h[k - 1].chain : kChainSeed, h[k]);
  }
}

// The work before the real lock call: everything that only reads the
// thread's own state, so the critical section the program sees grows by
// no more than the push in commit().
void prepare_nested(Prep &p, ThreadState *t, u32 n, Held *h) {
  t->busy++;
  for (u32 i = 0; i < n; ++i) {
    if (!h[i].node) {
      u64 w = resolve(h[i].addr, h[i].kind, h[i].pc);
      h[i].node = u32(w);
      h[i].gen = u32(w >> 32);
      recompute_chains(h, i, n);
    }
  }
  u64 w = resolve(p.addr, p.kind, p.pc);
  p.node = u32(w);
  p.gen = u32(w >> 32);
  if (p.node) {
    p.chain = mix(h[n - 1].chain, chain_word(p.node, p.gen, p.mode, p.no_edge));
    p.known = p.no_edge || t->ctx.contains(ctx_key(t, p.chain));
    if (p.known) addr_key_put(t, p.akey);
  }
  t->busy--;
}

// After the real lock succeeded: push, and record new orders.
void commit_full(const Prep &p) {
  if (p.skip) return;
  ThreadState *t = p.t;
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  if (p.reentry) {
    u32 i = p.reentry - 1;
    if (i < n && h[i].addr == p.addr) {
      __atomic_store_n(&h[i].count, h[i].count + 1, __ATOMIC_RELAXED);
      return;
    }
    // The stack changed in between (a signal handler): fall through.
  }
  if (n == t->cap) {
    Held *nh = held_alloc(t->cap * 2);
    memcpy(nh, h, sizeof(Held) * n);
    t->held.store(nh, std::memory_order_release);
    t->cap *= 2;  // the old array stays mapped for a concurrent watchdog scan
    h = nh;
  }
  push_prepared(t, h, n, p);
  if (!p.known && n) {
    t->busy++;
    slow_path(t, n);
    // Tagged with the acquired lock and the bottom held one: contexts of
    // destroyed locks can never match again and are dropped when the cache
    // would grow. Short-lived locks are usually taken first or last.
    Held *bottom = t->held.load(std::memory_order_relaxed);
    t->ctx.insert(ctx_key(t, p.chain), u64(p.gen) << 32 | p.node, u64(bottom[0].gen) << 32 | bottom[0].node,
                  [](u64 w) { return g_graph->word_dead(w); });
    addr_key_put(t, p.akey);
    t->busy--;
  }
}

void commit_push_slow(ThreadState *t, uptr addr, u8 kind, u8 mode, uptr pc) {
  if (t->busy) return;
  Prep p;
  p.t = t;
  p.addr = addr;
  p.pc = pc;
  p.chain = 0;
  p.akey.n = 0;
  p.node = p.gen = p.reentry = 0;
  p.kind = kind;
  p.mode = mode;
  p.no_edge = 0;
  p.known = false;  // what is held now was not looked at before the call
  p.skip = false;
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  for (u32 i = n; i-- > 0;)
    if (h[i].addr == addr) p.reentry = i + 1;
  if (!p.reentry && n) prepare_nested(p, t, n, h);
  commit_full(p);
}

void on_acquired(uptr addr, u8 kind, u8 mode, bool is_try, bool is_timed, uptr pc) {
  Prep p;  // NOLINT: filled by prepare
  prepare(p, addr, kind, mode, is_try, is_timed, pc);
  commit(p);
}

static void remove_held(ThreadState *t, u32 i) {
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  for (u32 k = i; k + 1 < n; ++k) {
    h[k] = h[k + 1];
  }
  t->nheld.store(n - 1, std::memory_order_release);
  recompute_chains(h, i, n - 1);
}

void on_release_full(ThreadState *t, uptr addr) {
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  for (u32 i = n; i-- > 0;) {
    if (h[i].addr != addr) continue;
    if (h[i].count > 1) {
      __atomic_store_n(&h[i].count, h[i].count - 1, __ATOMIC_RELAXED);
      return;
    }
    remove_held(t, i);
    return;
  }
  // Not held by this thread (released by another thread, or taken before
  // the recorder saw it): nothing to undo.
}

CondSaved cond_release(ThreadState *t, uptr mutex) {
  CondSaved s{mutex, 0, false};
  if (t->busy) return s;
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  for (u32 i = n; i-- > 0;) {
    if (h[i].addr != mutex) continue;
    s.count = h[i].count;
    s.held = true;
    remove_held(t, i);
    break;
  }
  return s;
}

void cond_reacquire(ThreadState *t, const CondSaved &s, uptr pc) {
  if (!s.held) return;
  if (flat_ready(t)) {  // the common case: the mutex was the only lock held
    commit_push(t, 0, s.addr, kMutex, kWrite, pc);
    Held *h = t->held.load(std::memory_order_relaxed);
    if (t->nheld.load(std::memory_order_relaxed) == 1 && h[0].addr == s.addr)
      __atomic_store_n(&h[0].count, s.count, __ATOMIC_RELAXED);
    return;
  }
  // glibc re-locks the mutex internally: model it as a blocking acquire.
  on_acquired(s.addr, kMutex, kWrite, false, false, pc);
  u32 n = t->nheld.load(std::memory_order_relaxed);
  Held *h = t->held.load(std::memory_order_relaxed);
  for (u32 i = n; i-- > 0;)
    if (h[i].addr == s.addr) __atomic_store_n(&h[i].count, s.count, __ATOMIC_RELAXED);
}

void on_destroy(uptr addr) {
  if (!g_graph->lookup(addr)) return;
  SpinGuard gg(g_graph->mu);
  g_graph->retire(addr);
}

void on_lock_name(uptr addr, const char *name) {
  if (!name) return;
  char *copy = arena_strdup(name);
  SpinGuard gg(g_graph->mu);
  u32 id = g_graph->get_or_create(addr, kCustom, uptr(__builtin_return_address(0)));
  if (id) g_graph->node(id).name = copy;
}

void on_free(void *p) {
  Graph &g = *g_graph;
  if (!p || !g_opt.track_free || g.live_nodes() == 0 || !real.malloc_usable_size) return;
  uptr b = uptr(p);
  uptr e = b + real.malloc_usable_size(p);
  bool any = false;
  for (uptr pg = b >> 12; pg <= (e - 1) >> 12; ++pg)
    if (g.page_has_locks(pg + 1)) {
      any = true;
      break;
    }
  if (!any) return;
  SpinGuard gg(g.mu);
  for (uptr a = (b + 3) & ~uptr(3); a < e; a += 4) {
    if (!g.page_has_locks((a >> 12) + 1)) {
      a = ((a >> 12) + 1) * 4096 - 4;  // skip to the next page
      continue;
    }
    if (g.lookup(a)) g.retire(a);
  }
}

void on_thread_exit() {
  ThreadState *t = t_self;
  if (!t) return;
  u32 n = t->nheld.load(std::memory_order_relaxed);
  if (n && g_opt.report_thread_exit && ready()) {
    Finding *f;
    {
      SpinGuard rg(g_findings_mu);
      f = new_finding_locked(kFindThreadExit);
      if (f) {
        f->tid = t->tid;
        Held *h = t->held.load(std::memory_order_relaxed);
        for (u32 i = 0; i < n && f->nlocks < kMaxCycle; ++i) {
          f->lock_addrs[f->nlocks] = h[i].addr;
          f->lock_pcs[f->nlocks++] = h[i].pc;
        }
      }
    }
    if (f) emit_finding(f);
  }
  t->nheld.store(0, std::memory_order_release);
  t->alive.store(0, std::memory_order_release);
  t_self = nullptr;
  SpinGuard g(g_threads_mu);
  t->next_free = g_free_threads;
  g_free_threads = t;
}

// ------------------------------------------------------------- watchdog
// One thread of the recorder's own looks at the published waits every
// period. A thread counts as blocked since the watchdog first saw its
// current wait (same address, same tag); a wait-for cycle of threads all
// blocked for watchdog_ms, unchanged at a second look 100 ms later, is a
// deadlock. The blocked threads are then asked, by a signal, to unwind
// their own stacks; the report is written and the process exits.

static std::atomic<bool> g_watchdog_started{false};

static unsigned watchdog_period_ms() {
  unsigned p = g_opt.watchdog_ms / 4;
  if (p > 500) p = 500;
  if (p < 10) p = 10;
  return p;
}

static void sleep_ms(unsigned ms) {
  timespec p{time_t(ms / 1000), long(ms % 1000) * 1000000L};
  while (nanosleep(&p, &p) == -1 && errno == EINTR) {
  }
}

static ThreadState *holder_of(uptr addr, ThreadState *prefer) {
  ThreadState *found = nullptr;
  for (ThreadState *t = g_threads.load(std::memory_order_acquire); t; t = t->next_all) {
    if (!t->alive.load(std::memory_order_acquire)) continue;
    Held *h = t->held.load(std::memory_order_acquire);
    u32 n = t->nheld.load(std::memory_order_acquire);
    if (n > t->cap) n = t->cap;
    for (u32 i = 0; i < n; ++i) {
      if (__atomic_load_n(&h[i].addr, __ATOMIC_RELAXED) == addr) {
        if (t == prefer) return t;
        if (!found || (!found->wd_addr && t->wd_addr)) found = t;
      }
    }
  }
  return found;
}

// Notes each thread's current wait in its wd_ fields.
static void watch_scan(u64 now) {
  for (ThreadState *t = g_threads.load(std::memory_order_acquire); t; t = t->next_all) {
    uptr w = t->alive.load(std::memory_order_acquire) ? t->waiting_for.load(std::memory_order_acquire) : 0;
    u64 tag = t->wait_tag.load(std::memory_order_relaxed);
    if (!w) {
      t->wd_addr = 0;
    } else if (w != t->wd_addr || tag != t->wd_tag) {
      t->wd_addr = w;
      t->wd_tag = tag;
      t->wd_since = now;
    }
  }
}

// Follows waits-for from `start`; the length of the cycle if it comes back
// to start with every thread on the way blocked for at least min_ns.
static u32 wait_cycle(ThreadState *start, u64 now, u64 min_ns, ThreadState **ts, uptr *locks) {
  ThreadState *cur = start;
  for (u32 d = 0; d < kMaxCycle; ++d) {
    uptr w = cur->wd_addr;
    if (!w || now - cur->wd_since < min_ns) return 0;
    ts[d] = cur;
    locks[d] = w;
    ThreadState *h = holder_of(w, start);
    if (!h) return 0;
    if (h == start) return d + 1;
    for (u32 k = 0; k <= d; ++k)
      if (ts[k] == h) return 0;  // a cycle not through start: found from one of its members
    cur = h;
  }
  return 0;
}

// The same waits as at the first look: nobody moved.
static bool still_blocked(ThreadState *const *ts, const uptr *locks, u32 n) {
  for (u32 k = 0; k < n; ++k)
    if (ts[k]->waiting_for.load(std::memory_order_acquire) != locks[k] ||
        ts[k]->wait_tag.load(std::memory_order_relaxed) != ts[k]->wd_tag)
      return false;
  return true;
}

// Frames from the context the signal interrupted outwards (libgcc marks
// that frame's ip as exact).
struct SignalUnwind {
  u32 n, max;
  bool found;
  uptr ip[128];
};

static _Unwind_Reason_Code signal_unwind_step(_Unwind_Context *c, void *arg) {
  SignalUnwind *u = static_cast<SignalUnwind *>(arg);
  int exact = 0;
  uptr ip = _Unwind_GetIPInfo(c, &exact);
  if (u->n >= u->max || !ip) return _URC_END_OF_STACK;
  if (!u->found && !exact) return _URC_NO_REASON;
  // Stored as a return address, like every other stack.
  u->ip[u->n++] = u->found ? ip : ip + 1;
  u->found = true;
  return _URC_NO_REASON;
}

// Runs in a blocked thread of a confirmed deadlock: its stack from the
// intercepted call's caller (or, for a custom lock, from where it spins).
static void wait_stack_signal(int) {
  int saved = errno;
  ThreadState *t = t_self;
  if (t && !t->wait_stack.load(std::memory_order_relaxed)) {
    t->busy++;
    const Stack *s = nullptr;
    uptr base = t->wait_cfa.load(std::memory_order_relaxed);
    if (base) {
      Unwind u;
      unwind_from(u, base, record_depth());
      if (u.found >= 0 && u.n) s = stack_record(u.ip, u.n);
    }
    if (!s) {
      SignalUnwind u;
      u.n = 0;
      u.max = record_depth();
      u.found = false;
      _Unwind_Backtrace(signal_unwind_step, &u);
      if (u.n) s = stack_record(u.ip, u.n);
    }
    t->busy--;
    t->wait_stack.store(s, std::memory_order_release);
  }
  errno = saved;
}

// Asks each blocked thread for its stack; a thread that does not answer
// within a second (the signal blocked) gets its call site as a one-frame
// stack. The handler is installed only now: the process exits right after.
static void collect_wait_stacks(ThreadState *const *ts, u32 n) {
  const int sig = SIGRTMAX - 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = wait_stack_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  bool sent = sigaction(sig, &sa, nullptr) == 0;
  for (u32 k = 0; k < n; ++k) {
    ts[k]->wait_stack.store(nullptr, std::memory_order_relaxed);
    if (sent) syscall(SYS_tgkill, int(getpid()), ts[k]->os_tid, sig);
  }
  for (int i = 0; sent && i < 20; ++i) {
    bool all = true;
    for (u32 k = 0; k < n; ++k)
      if (!ts[k]->wait_stack.load(std::memory_order_acquire)) all = false;
    if (all) break;
    sleep_ms(50);
  }
  for (u32 k = 0; k < n; ++k) {
    if (ts[k]->wait_stack.load(std::memory_order_acquire)) continue;
    uptr pc = ts[k]->wait_pc.load(std::memory_order_relaxed);
    ts[k]->wait_stack.store(stack_record(&pc, 1), std::memory_order_release);
  }
}

[[noreturn]] static void report_deadlock(ThreadState *const *ts, const uptr *locks, u32 n) {
  collect_wait_stacks(ts, n);
  Finding *f;
  {
    SpinGuard rg(g_findings_mu);
    f = new_finding_locked(kFindDeadlock);
    if (f) {
      f->nlocks = n;
      for (u32 k = 0; k < n; ++k) {
        f->wd_tids[k] = ts[k]->tid;
        f->wd_os_tids[k] = ts[k]->os_tid;
        f->lock_addrs[k] = locks[k];
        f->wd_stacks[k] = ts[k]->wait_stack.load(std::memory_order_acquire);
        f->wd_kinds[k] = u8(wait_kind_of(ts[k]->wd_tag));
        // The holder of locks[k] is ts[(k+1)%n]; its acquisition site:
        ThreadState *hd = ts[(k + 1) % n];
        Held *h = hd->held.load(std::memory_order_acquire);
        u32 m = hd->nheld.load(std::memory_order_acquire);
        for (u32 i = 0; i < m && i < hd->cap; ++i)
          if (__atomic_load_n(&h[i].addr, __ATOMIC_RELAXED) == locks[k]) f->lock_pcs[k] = h[i].pc;
      }
    }
  }
  if (f) emit_finding(f);
  finish_and_exit(g_opt.exitcode ? g_opt.exitcode : 1);
}

static void *watchdog_main(void *) {
  const u64 min_ns = u64(g_opt.watchdog_ms) * 1000000ull;
  ThreadState *ts[kMaxCycle];
  uptr locks[kMaxCycle];
  for (;;) {
    sleep_ms(watchdog_period_ms());
    u64 now = now_ns();
    watch_scan(now);
    for (ThreadState *t = g_threads.load(std::memory_order_acquire); t; t = t->next_all) {
      u32 n = wait_cycle(t, now, min_ns, ts, locks);
      if (!n) continue;
      sleep_ms(100);
      if (still_blocked(ts, locks, n)) report_deadlock(ts, locks, n);
      break;  // something moved: look again next period
    }
  }
  return nullptr;
}

void watchdog_start() {
  if (!watchdog_on() || g_watchdog_started.load(std::memory_order_relaxed) ||
      g_watchdog_started.exchange(true))
    return;
  // The watchdog takes none of the program's signals.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  pthread_t th;
  int r = real.create(&th, &a, watchdog_main, nullptr);
  pthread_attr_destroy(&a);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (r != 0) warn("cannot start the watchdog thread; live deadlocks will hang");
  else pthread_setname_np(th, "fl-watchdog");
}

// Used by the report writer.
bool thread_info(u32 tid, ThreadInfo *out) {
  for (ThreadState *t = g_threads.load(std::memory_order_acquire); t; t = t->next_all) {
    if (t->tid != tid) continue;
    out->tid = t->tid;
    out->os_tid = t->os_tid;
    out->parent = t->parent_tid;
    out->ncreate = t->ncreate;
    out->create_pcs = t->create_pcs;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- fork
void fork_prepare() {
  report_fork_prepare();
  g_graph->mu.lock();
  g_findings_mu.lock();
  g_threads_mu.lock();
  g_tramp_mu.lock();
  arena_fork_lock();
}

void fork_parent() {
  arena_fork_unlock();
  g_tramp_mu.unlock();
  g_threads_mu.unlock();
  g_findings_mu.unlock();
  g_graph->mu.unlock();
  report_fork_parent();
}

void fork_child() {
  arena_fork_unlock();
  g_tramp_mu.unlock();
  g_threads_mu.unlock();
  g_findings_mu.unlock();
  g_graph->mu.unlock();
  report_fork_child();
  ThreadState *me = t_self;
  for (ThreadState *t = g_threads.load(); t; t = t->next_all) {
    if (t == me) continue;
    t->alive.store(0);
    t->nheld.store(0);
    t->waiting_for.store(0);
  }
  if (me) me->os_tid = int(syscall(SYS_gettid));
  g_findings_base = g_findings.size();
  g_error_count.store(0);
  g_watchdog_started.store(false);  // the watchdog thread is not in the child
}

// --------------------------------------------------------------- API
void api_set_context(const char *ctx) {
  g_context.store(ctx ? arena_strdup(ctx) : nullptr, std::memory_order_release);
}

void count_error_finding() { g_error_count.fetch_add(1); }
unsigned long api_finding_count() { return g_error_count.load(); }
u64 edges_dropped() { return g_edges_dropped.load(); }

void init_graph() {
  g_graph = new (g_graph_storage) Graph();
}

} // namespace fearless_rt
