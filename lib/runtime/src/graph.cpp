// Memory primitives, tables and the lock-order graph (see rt_internal.h).
#include "rt_internal.h"

#include <algorithm>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

namespace fearless_rt {

// Read by every nested acquisition: on a cache line of its own (see Arena).
alignas(64) std::atomic<u64> g_addr_epoch{0};

static void say(const char *prefix, const char *msg) {
  ssize_t r = write(2, prefix, strlen(prefix));
  r = write(2, msg, strlen(msg));
  r = write(2, "\n", 1);
  (void)r;
}

void warn(const char *msg) { say("fearless: warning: ", msg); }

void fatal(const char *msg) {
  say("fearless: fatal: ", msg);
  _exit(2);
}

void *os_alloc(size_t bytes) {
  void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) fatal("out of memory (mmap failed)");
  return p;
}

void os_free(void *p, size_t bytes) {
  if (p) munmap(p, bytes);
}

u64 now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return u64(ts.tv_sec) * 1000000000ull + u64(ts.tv_nsec);
}

void SpinLock::lock() {
  for (unsigned i = 0;; ++i) {
    if (v.load(std::memory_order_relaxed) == 0 &&
        v.exchange(1, std::memory_order_acquire) == 0)
      return;
    if (i < 64) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else if (i < 256) {
      sched_yield();
    } else {
      timespec ts{0, 50000};
      nanosleep(&ts, nullptr);
    }
  }
}

// ----------------------------------------------------------------- arena
namespace {
// Written by every allocation: aligned so it never shares g_addr_epoch's
// cache line.
struct alignas(64) Arena {
  SpinLock mu;
  char *cur = nullptr;
  size_t left = 0;
} g_arena;
} // namespace

void *arena_alloc(size_t bytes) {
  bytes = (bytes + 15) & ~size_t(15);
  if (bytes >= (1u << 20)) return os_alloc(bytes);
  SpinGuard g(g_arena.mu);
  if (g_arena.left < bytes) {
    const size_t chunk = 4u << 20;
    g_arena.cur = static_cast<char *>(os_alloc(chunk));
    g_arena.left = chunk;
  }
  void *p = g_arena.cur;
  g_arena.cur += bytes;
  g_arena.left -= bytes;
  return p;
}

char *arena_strdup(const char *s) {
  size_t n = strlen(s);
  char *p = static_cast<char *>(arena_alloc(n + 1));
  memcpy(p, s, n + 1);
  return p;
}

void arena_fork_lock() { g_arena.mu.lock(); }
void arena_fork_unlock() { g_arena.mu.unlock(); }

// ---------------------------------------------------------------- AddrMap
static inline u64 hash_word(uptr k) { return mix(0x51ed270b27aa5a1bull, k); }
// One multiply: lock addresses differ in their middle bits, which the top
// bits of the product mix well (Knuth's multiplicative hashing).
static inline u64 slot_of(uptr k, u32 shift) { return (u64(k) * 0x9E3779B97F4A7C15ull) >> shift; }

AddrMap::Table *AddrMap::make(u64 cap) {
  size_t bytes = sizeof(Table) + sizeof(Slot) * (cap - 1);
  Table *t = static_cast<Table *>(os_alloc(bytes));
  t->mask = cap - 1;
  t->used = 0;
  t->shift = u32(64 - __builtin_ctzll(cap));
  return t;
}

u64 AddrMap::get(uptr key) const {
  Table *t = table_.load(std::memory_order_acquire);
  if (!t) return 0;
  for (u64 i = slot_of(key, t->shift);; i = (i + 1) & t->mask) {
    uptr k = t->slots[i].key.load(std::memory_order_acquire);
    if (k == key) return t->slots[i].val.load(std::memory_order_acquire);
    if (k == 0) return 0;
  }
}

void AddrMap::grow() {
  Table *old = table_.load(std::memory_order_relaxed);
  u64 cap = old ? (old->mask + 1) * 2 : 1024;
  Table *t = make(cap);
  if (old) {
    for (u64 i = 0; i <= old->mask; ++i) {
      uptr k = old->slots[i].key.load(std::memory_order_relaxed);
      u64 v = old->slots[i].val.load(std::memory_order_relaxed);
      if (!k || !v) continue;  // dropped: erased entries do not survive growth
      u64 j = slot_of(k, t->shift);
      while (t->slots[j].key.load(std::memory_order_relaxed)) j = (j + 1) & t->mask;
      t->slots[j].val.store(v, std::memory_order_relaxed);
      t->slots[j].key.store(k, std::memory_order_relaxed);
      ++t->used;
    }
  }
  // Old tables stay mapped: a lock-free reader may still be probing one.
  table_.store(t, std::memory_order_release);
}

void AddrMap::set(uptr key, u64 value) {
  Table *t = table_.load(std::memory_order_relaxed);
  if (!t || (t->used + 1) * 2 > t->mask + 1) {
    grow();
    t = table_.load(std::memory_order_relaxed);
  }
  for (u64 i = slot_of(key, t->shift);; i = (i + 1) & t->mask) {
    uptr k = t->slots[i].key.load(std::memory_order_relaxed);
    if (k == key) {
      t->slots[i].val.store(value, std::memory_order_release);
      return;
    }
    if (k == 0) {
      if (value == 0) return;
      t->slots[i].val.store(value, std::memory_order_relaxed);
      t->slots[i].key.store(key, std::memory_order_release);
      ++t->used;
      return;
    }
  }
}

// ----------------------------------------------------------------- KeySet
void KeySet::clear() {
  if (slots_) memset(slots_, 0, (mask_ + 1) * sizeof(Slot));
  used_ = 0;
}

// ------------------------------------------------------------------ Graph
static constexpr uptr kPageShift = 12;

u32 Graph::get_or_create(uptr addr, u8 kind, uptr site_pc) {
  if (u32 id = u32(addr_map_.get(addr))) return id;
  if (nodes_.size() == 0) nodes_.push();  // id 0 means "none"
  u32 id;
  u32 gen = 0;
  if (free_node_head_) {
    id = free_node_head_;
    free_node_head_ = nodes_[id].next_free;
    --free_nodes_;
    gen = nodes_[id].gen;
    Node &r = nodes_[id];
    r.name = nullptr;
    r.in_head = r.out_head = 0;
    r.mark = r.parent_edge = r.next_free = 0;
    __atomic_store_n(&r.retired, u8(0), __ATOMIC_RELAXED);
  } else {
    id = nodes_.push();
    if (id == UINT32_MAX) {
      capacity_exhausted = true;
      return 0;
    }
  }
  Node &n = nodes_[id];
  n.addr = addr;
  n.kind = kind;
  n.site_pc = site_pc;
  n.ord = next_ord_++;
  addr_map_.set(addr, u64(gen) << 32 | id);
  uptr page = (addr >> kPageShift) + 1;
  page_map_.set(page, page_map_.get(page) + 1);
  ++live_nodes_;
  return id;
}

void Graph::retire(uptr addr) {
  u32 id = u32(addr_map_.get(addr));
  if (!id) return;
  __atomic_store_n(&nodes_[id].retired, u8(1), __ATOMIC_RELAXED);
  addr_map_.set(addr, 0);
  g_addr_epoch.fetch_add(1, std::memory_order_release);
  uptr page = (addr >> kPageShift) + 1;
  u64 c = page_map_.get(page);
  page_map_.set(page, c ? c - 1 : 0);
  --live_nodes_;
  if (!nodes_[id].out_head || !nodes_[id].in_head) recycle(id);
}

// Unlinks edge e from both nodes' lists and frees its slot.
void Graph::drop_edge(u32 e) {
  Edge &ed = edges_[e];
  if (ed.prev_out) edges_[ed.prev_out].next_out = ed.next_out;
  else nodes_[ed.from].out_head = ed.next_out;
  if (ed.next_out) edges_[ed.next_out].prev_out = ed.prev_out;
  if (ed.prev_in) edges_[ed.prev_in].next_in = ed.next_in;
  else nodes_[ed.to].in_head = ed.next_in;
  if (ed.next_in) edges_[ed.next_in].prev_in = ed.prev_in;
  edge_map_erase((u64(ed.from) << 32) | ed.to);
  if (ed.back && back_edges) --back_edges;
  memset(&ed, 0, sizeof(Edge));
  ed.next_out = free_edge_head_;
  free_edge_head_ = e;
  ++free_edges_;
  ++recycled_edges;
}

// id is going away: no edge may list it as a gate any more (its slot
// will be another lock). An edge taken under id ends at a lock id had an
// edge to, so only those locks' incoming edges are looked at.
void Graph::forget_gate(u32 id) {
  for (u32 e = nodes_[id].out_head; e; e = edges_[e].next_out)
    for (u32 f = nodes_[edges_[e].to].in_head; f; f = edges_[f].next_in) {
      Edge &ed = edges_[f];
      u32 kept = 0;
      for (u32 a = 0; a < ed.ngates; ++a)
        if (ed.gates[a] != id) ed.gates[kept++] = ed.gates[a];
      ed.ngates = u8(kept);
    }
}

// id is retired and has no outgoing or no incoming edge, so no cycle can
// ever pass through it (a destroyed lock gains no edge): drop its edges
// and free the slots. Retired neighbours left without outgoing or
// incoming edges follow.
void Graph::recycle(u32 first) {
  ensure_scratch(16);
  u32 *stack = scratch_c_;  // not in use outside searches
  u32 sp = 0;
  __atomic_store_n(&nodes_[first].retired, u8(2), __ATOMIC_RELAXED);  // queued
  stack[sp++] = first;
  auto follow = [&](u32 v) {
    Node &m = nodes_[v];
    if (m.retired == 1 && (!m.out_head || !m.in_head) && sp < scratch_cap_) {
      __atomic_store_n(&m.retired, u8(2), __ATOMIC_RELAXED);
      stack[sp++] = v;
    }
  };
  while (sp) {
    u32 id = stack[--sp];
    Node &n = nodes_[id];
    while (u32 e = n.in_head) {
      u32 from = edges_[e].from;
      drop_edge(e);
      follow(from);
    }
    forget_gate(id);
    while (u32 e = n.out_head) {
      u32 to = edges_[e].to;
      drop_edge(e);
      follow(to);
    }
    // A later lock in this slot hashes differently.
    __atomic_store_n(&n.gen, n.gen + 1, __ATOMIC_RELAXED);
    n.next_free = free_node_head_;
    free_node_head_ = id;
    ++free_nodes_;
    recycled_nodes_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Graph::edge_map_insert(u64 key, u32 val) {
  if (!edge_slots_ || (edge_used_ + 1) * 2 > edge_mask_ + 1) {
    u64 cap = edge_slots_ ? (edge_mask_ + 1) * 2 : 4096;
    auto *n = static_cast<EdgeSlot *>(os_alloc(cap * sizeof(EdgeSlot)));
    if (edge_slots_) {
      for (u64 i = 0; i <= edge_mask_; ++i) {
        if (!edge_slots_[i].key) continue;
        u64 j = hash_word(edge_slots_[i].key) & (cap - 1);
        while (n[j].key) j = (j + 1) & (cap - 1);
        n[j] = edge_slots_[i];
      }
      os_free(edge_slots_, (edge_mask_ + 1) * sizeof(EdgeSlot));
    }
    edge_slots_ = n;
    edge_mask_ = cap - 1;
  }
  for (u64 i = hash_word(key) & edge_mask_;; i = (i + 1) & edge_mask_) {
    if (!edge_slots_[i].key) {
      edge_slots_[i].key = key;
      edge_slots_[i].val = val;
      ++edge_used_;
      return;
    }
  }
}

// Linear probing with backward-shift deletion: no tombstones.
void Graph::edge_map_erase(u64 key) {
  if (!edge_slots_) return;
  u64 i = hash_word(key) & edge_mask_;
  for (;; i = (i + 1) & edge_mask_) {
    if (!edge_slots_[i].key) return;
    if (edge_slots_[i].key == key) break;
  }
  for (u64 j = i;;) {
    j = (j + 1) & edge_mask_;
    u64 k = edge_slots_[j].key;
    if (!k) break;
    u64 h = hash_word(k) & edge_mask_;
    // Entry j may move into the hole at i unless its home lies cyclically
    // in (i, j].
    bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
    if (!stays) {
      edge_slots_[i] = edge_slots_[j];
      i = j;
    }
  }
  edge_slots_[i].key = 0;
  edge_slots_[i].val = 0;
  --edge_used_;
}

u32 Graph::find_edge(u32 from, u32 to) const {
  if (!edge_slots_) return 0;
  u64 key = (u64(from) << 32) | to;
  for (u64 i = hash_word(key) & edge_mask_;; i = (i + 1) & edge_mask_) {
    if (edge_slots_[i].key == key) return edge_slots_[i].val;
    if (!edge_slots_[i].key) return 0;
  }
}

u32 Graph::add_edge(u32 from, u32 to) {
  if (edges_.size() == 0) edges_.push();
  u32 id;
  if (free_edge_head_) {
    id = free_edge_head_;
    free_edge_head_ = edges_[id].next_out;
    edges_[id].next_out = 0;
    --free_edges_;
  } else {
    id = edges_.push();
    if (id == UINT32_MAX) {
      capacity_exhausted = true;
      return 0;
    }
  }
  Edge &e = edges_[id];
  e.from = from;
  e.to = to;
  e.next_out = nodes_[from].out_head;
  if (e.next_out) edges_[e.next_out].prev_out = id;
  nodes_[from].out_head = id;
  e.prev_out = 0;
  e.next_in = nodes_[to].in_head;
  e.prev_in = 0;
  if (e.next_in) edges_[e.next_in].prev_in = id;
  nodes_[to].in_head = id;
  e.seq = ++edge_seq_;
  edge_map_insert((u64(from) << 32) | to, id);
  return id;
}

void Graph::ensure_scratch(u32 n) {
  if (n <= scratch_cap_) return;
  u32 cap = scratch_cap_ ? scratch_cap_ : 4096;
  while (cap < n) cap *= 2;
  os_free(scratch_a_, scratch_cap_ * sizeof(u32));
  os_free(scratch_b_, scratch_cap_ * sizeof(u32));
  os_free(scratch_c_, scratch_cap_ * sizeof(u32));
  scratch_a_ = static_cast<u32 *>(os_alloc(cap * sizeof(u32)));
  scratch_b_ = static_cast<u32 *>(os_alloc(cap * sizeof(u32)));
  scratch_c_ = static_cast<u32 *>(os_alloc(cap * sizeof(u32)));
  scratch_cap_ = cap;
}

u32 Graph::next_mark() {
  if (++mark_ == 0) {  // wrapped: clear every mark once
    for (u32 i = 0; i < nodes_.size(); ++i) nodes_[i].mark = 0;
    mark_ = 1;
  }
  return mark_;
}

// Breadth-first search from `from` to `to` over all edges; on success
// writes first, then the path edges, into out and returns the count.
u32 Graph::bfs_path(u32 from, u32 to, u32 *out, u32 cap, u32 first) {
  ensure_scratch(nodes_.size() + 1);
  u32 m = next_mark();
  u32 *queue = scratch_a_;
  u32 head = 0, tail = 0, visited = 0;
  queue[tail++] = from;
  nodes_[from].mark = m;
  nodes_[from].parent_edge = 0;
  bool found = from == to;
  while (!found && head < tail) {
    u32 v = queue[head++];
    if (++visited > search_budget) {
      ++searches_truncated;
      return 0;
    }
    for (u32 e = nodes_[v].out_head; e; e = edges_[e].next_out) {
      u32 w = edges_[e].to;
      if (nodes_[w].mark == m) continue;
      nodes_[w].mark = m;
      nodes_[w].parent_edge = e;
      if (w == to) {
        found = true;
        break;
      }
      queue[tail++] = w;
    }
  }
  if (!found) return 0;
  // Walk back from `to` collecting edges, then reverse into out.
  u32 n = 0;
  u32 *rev = scratch_b_;
  for (u32 v = to; v != from; v = edges_[nodes_[v].parent_edge].from)
    rev[n++] = nodes_[v].parent_edge;
  if (n + 1 > cap) n = cap - 1;  // caller's buffer bounds the report
  out[0] = first;
  for (u32 i = 0; i < n; ++i) out[1 + i] = rev[n - 1 - i];
  return n + 1;
}

// Pearce-Kelly: returns 1 if x is reachable from y within the affected
// region (a cycle), 2 if the search budget ran out (order unchanged),
// otherwise reorders so that ord[x] < ord[y] and returns 0.
int Graph::pk_reorder(u32 x, u32 y) {
  u32 lb = nodes_[y].ord, ub = nodes_[x].ord;
  ensure_scratch(nodes_.size() + 1);
  u32 m = next_mark();
  u32 *fwd = scratch_a_, *bwd = scratch_b_, *stack = scratch_c_;
  u32 nf = 0, nb = 0, sp = 0;
  // Forward from y through nodes ranked below ub.
  stack[sp++] = y;
  nodes_[y].mark = m;
  u32 budget = search_budget;
  while (sp) {
    u32 v = stack[--sp];
    fwd[nf++] = v;
    for (u32 e = nodes_[v].out_head; e; e = edges_[e].next_out) {
      if (edges_[e].back) continue;
      u32 w = edges_[e].to;
      if (w == x) return 1;
      if (nodes_[w].mark != m && nodes_[w].ord < ub) {
        nodes_[w].mark = m;
        stack[sp++] = w;
      }
    }
    if (--budget == 0) {
      ++searches_truncated;
      return 2;
    }
  }
  // Backward from x through nodes ranked above lb.
  u32 mb = next_mark();
  sp = 0;
  stack[sp++] = x;
  nodes_[x].mark = mb;
  while (sp) {
    u32 v = stack[--sp];
    bwd[nb++] = v;
    for (u32 e = nodes_[v].in_head; e; e = edges_[e].next_in) {
      if (edges_[e].back) continue;
      u32 w = edges_[e].from;
      if (nodes_[w].mark != mb && nodes_[w].ord > lb) {
        nodes_[w].mark = mb;
        stack[sp++] = w;
      }
    }
  }
  auto by_ord = [this](u32 a, u32 b) { return nodes_[a].ord < nodes_[b].ord; };
  std::sort(fwd, fwd + nf, by_ord);
  std::sort(bwd, bwd + nb, by_ord);
  // Pool the ranks (stack is free again) and hand them out: the backward
  // set first, then the forward set.
  u32 *ranks = stack;
  u32 nr = 0;
  for (u32 i = 0; i < nb; ++i) ranks[nr++] = nodes_[bwd[i]].ord;
  for (u32 i = 0; i < nf; ++i) ranks[nr++] = nodes_[fwd[i]].ord;
  std::sort(ranks, ranks + nr);
  u32 r = 0;
  for (u32 i = 0; i < nb; ++i) nodes_[bwd[i]].ord = ranks[r++];
  for (u32 i = 0; i < nf; ++i) nodes_[fwd[i]].ord = ranks[r++];
  return 0;
}

u32 Graph::check_new_edge(u32 e, u32 *out, u32 cap) {
  u32 x = edges_[e].from, y = edges_[e].to;
  if (x == y) return 0;
  int pk = 0;
  if (nodes_[x].ord > nodes_[y].ord) pk = pk_reorder(x, y);
  bool cycle = pk == 1;
  if (pk == 2) {  // undecided: keep it out of the order, search below
    edges_[e].back = 1;
    ++back_edges;
  }
  u32 n = 0;
  if (cycle || back_edges) {
    // Shortest witness over the whole graph, back edges included.
    n = bfs_path(y, x, out, cap, e);
    if (cycle && n == 0) {  // budget hit: still report the closing edge
      out[0] = e;
      n = 1;
    }
  }
  if (n && !edges_[e].back) {
    edges_[e].back = 1;
    ++back_edges;
  }
  return n;
}

u32 Graph::find_cycle_through(u32 e, u32 *out, u32 cap) {
  return bfs_path(edges_[e].to, edges_[e].from, out, cap, e);
}

} // namespace fearless_rt
