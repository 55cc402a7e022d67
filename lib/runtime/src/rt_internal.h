// Internal building blocks of the runtime lock-order recorder.
//
// Contract: nothing here allocates through malloc or takes a pthread lock.
// Memory comes from mmap (os_alloc) or from the global bump arena; shared
// mutable state is guarded by SpinLock, and the read-mostly tables
// (AddrMap) can be read without any lock while one writer holds the
// owner's SpinLock. Tables grow by allocating a larger mmap'd table and
// publishing it; superseded tables are kept mapped so that a concurrent
// lock-free reader never touches unmapped memory (at most 2x overhead).
#ifndef FEARLESS_RT_INTERNAL_H
#define FEARLESS_RT_INTERNAL_H

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace fearless_rt {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using s32 = int32_t;
using uptr = uintptr_t;

// ---------------------------------------------------------------- memory
void *os_alloc(size_t bytes);  // zeroed; aborts with a message on failure
void os_free(void *p, size_t bytes);
void fatal(const char *msg);   // prints and _exit(2)s; never returns
void warn(const char *msg);    // prints one line
u64 now_ns();                  // CLOCK_MONOTONIC

// Spinning mutual exclusion that never enters pthread: yields after a
// short spin so a preempted owner can run.
struct SpinLock {
  std::atomic<u32> v{0};
  void lock();
  bool try_lock() { return v.exchange(1, std::memory_order_acquire) == 0; }
  void unlock() { v.store(0, std::memory_order_release); }
};
struct SpinGuard {
  SpinLock &l;
  explicit SpinGuard(SpinLock &l) : l(l) { l.lock(); }
  ~SpinGuard() { l.unlock(); }
};

// Global bump arena for records that live as long as the process.
void *arena_alloc(size_t bytes);
char *arena_strdup(const char *s);

// Append-only vector with stable element addresses: 64 Ki segments of
// 2^SegBits elements. push() needs external serialization; operator[] is
// safe for any index below size() as published with release semantics.
template <class T, unsigned SegBits = 12> class SegVec {
public:
  static constexpr u32 kSegSize = 1u << SegBits;
  static constexpr u32 kMaxSegs = 1u << 16;
  u32 size() const { return size_.load(std::memory_order_acquire); }
  T &operator[](u32 i) {
    return segs_[i >> SegBits].load(std::memory_order_acquire)[i & (kSegSize - 1)];
  }
  // Returns the new index, or UINT32_MAX when the capacity is exhausted.
  u32 push() {
    u32 i = size_.load(std::memory_order_relaxed);
    u32 s = i >> SegBits;
    if (s >= kMaxSegs) return UINT32_MAX;
    if (!segs_[s].load(std::memory_order_relaxed))
      segs_[s].store(static_cast<T *>(os_alloc(sizeof(T) * kSegSize)),
                     std::memory_order_release);
    size_.store(i + 1, std::memory_order_release);
    return i;
  }

private:
  std::atomic<T *> segs_[kMaxSegs] = {};
  std::atomic<u32> size_{0};
};

// Open-addressing map from a non-zero word key to a u64 value (0: none).
// get() is lock-free; set() needs the owner's lock.
class AddrMap {
public:
  u64 get(uptr key) const;
  void set(uptr key, u64 value);        // inserts or overwrites; 0 erases
  // Calls fn(key, value) for every live entry (owner's lock held).
  template <class F> void for_each(F fn) const {
    Table *t = table_.load(std::memory_order_acquire);
    if (!t) return;
    for (u64 i = 0; i <= t->mask; ++i) {
      uptr k = t->slots[i].key.load(std::memory_order_relaxed);
      u64 v = t->slots[i].val.load(std::memory_order_relaxed);
      if (k && v) fn(k, v);
    }
  }

private:
  struct Slot {
    std::atomic<uptr> key;
    std::atomic<u64> val;
  };
  struct Table {
    u64 mask;
    u64 used;
    u32 shift;  // 64 - log2(capacity): Fibonacci hashing takes the top bits
    Slot slots[1];
  };
  static Table *make(u64 cap);
  void grow();
  std::atomic<Table *> table_{nullptr};
};

// Open-addressing set of non-zero 64-bit keys, each with a tag, single
// owner (a thread's context cache). Before it grows, entries whose tag the
// caller says is stale are dropped; it grows (by mmap, the old table is
// unmapped) only if that leaves it more than a third full.
class KeySet {
public:
  bool contains(u64 k) const {
    if (!slots_) return false;
    for (u64 i = k & mask_;; i = (i + 1) & mask_) {
      u64 s = slots_[i].key;
      if (s == k) return true;
      if (s == 0) return false;
    }
  }
  // Each key carries two tags; it is dropped, when the set would grow,
  // once either is stale.
  template <class Stale> void insert(u64 k, u64 tag, u64 tag2, Stale stale) {
    if (!slots_ || (used_ + 1) * 2 > mask_ + 1) rebuild(stale);
    for (u64 i = k & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == k) return;
      if (slots_[i].key == 0) {
        slots_[i] = {k, tag, tag2};
        ++used_;
        return;
      }
    }
  }
  void clear();

private:
  struct Slot {
    u64 key, tag, tag2;
  };
  template <class Stale> void rebuild(Stale stale) {
    u64 live = 0;
    if (slots_)
      for (u64 i = 0; i <= mask_; ++i)
        if (slots_[i].key && !stale(slots_[i].tag) && !stale(slots_[i].tag2)) ++live;
    u64 cap = 256;
    while ((live + 1) * 3 > cap) cap *= 2;
    Slot *n = static_cast<Slot *>(os_alloc(cap * sizeof(Slot)));
    if (slots_) {
      for (u64 i = 0; i <= mask_; ++i) {
        Slot s = slots_[i];
        if (!s.key || stale(s.tag) || stale(s.tag2)) continue;
        u64 j = s.key & (cap - 1);
        while (n[j].key) j = (j + 1) & (cap - 1);
        n[j] = s;
      }
      os_free(slots_, (mask_ + 1) * sizeof(Slot));
    }
    slots_ = n;
    mask_ = cap - 1;
    used_ = live;
  }
  Slot *slots_ = nullptr;
  u64 mask_ = 0;
  u64 used_ = 0;
};

inline u64 mix(u64 h, u64 v) {
  u64 x = h ^ (v * 0x9E3779B97F4A7C15ull);
  x ^= x >> 31;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 32;
  return x ? x : 1;
}

// Bumped (by Graph::retire) whenever an address stops being the lock it
// was: address-keyed caches computed before then stop matching.
alignas(64) extern std::atomic<u64> g_addr_epoch;

// ------------------------------------------------------------ lock graph
enum LockKind : u8 { kMutex = 0, kRwlock = 1, kSpin = 2, kCustom = 3 };
enum Mode : u8 { kWrite = 0, kRead = 1 };

struct Stack {
  u32 n;
  uptr pc[1];
};

struct Node {
  uptr addr;
  const char *name;     // annotation name, or null
  uptr site_pc;         // where it was first seen acquired
  u32 out_head, in_head;
  u32 ord;              // Pearce-Kelly topological index
  u32 mark;             // search epoch
  u32 parent_edge;      // BFS tree
  u32 gen;              // how many locks this slot was before (see Graph::retire)
  u32 next_free;        // free-slot list
  u8 kind;
  u8 retired;
};

constexpr int kEdgeThreads = 6;
constexpr int kEdgeGates = 4;

struct Edge {
  u32 from, to;               // from == 0: a free slot
  u32 next_out, next_in;
  u32 prev_out, prev_in;
  u32 threads[kEdgeThreads];  // recorder thread ids that took this order
  // Per listed thread: the first and last of its epochs (see ThreadState::
  // epoch) in which it took this order; what happens-before is judged on.
  u32 ep_first[kEdgeThreads], ep_last[kEdgeThreads];
  u32 gates[kEdgeGates];      // node ids held across every sighting
  u16 nthreads;
  u8 more_threads;            // threads[] overflowed
  u8 ngates;
  u8 modes;                   // bit (held_is_read*2 + acquired_is_read)
  u8 back;                    // closed a cycle; kept out of the order
  u8 weak_cycle;              // part of a reported low-severity cycle
  u8 pad;
  uptr from_pc;               // where `from` was acquired
  const Stack *stack;         // where `to` was acquired, first sighting
  const char *context;        // test/context name at first sighting
  u64 seq;                    // creation order
};

// The lock-order graph: nodes keyed by (address, generation), edges with
// their first-sighting witness, and incremental cycle detection.
//
// Cycle detection follows Pearce & Kelly, "A Dynamic Topological Sort
// Algorithm for Directed Acyclic Graphs" (JEA 2006): an edge that agrees
// with the maintained topological order costs O(1); otherwise only the
// affected region between the two ranks is searched and reordered. An edge
// that closes a cycle is kept in the graph for reports but out of the
// order ("back" edge); once any back edge exists, later edges that agree
// with the order are still checked by a bounded breadth-first search over
// the whole graph, so cycles through a reported edge are not missed
// (beyond `search_budget` nodes the search gives up and counts it).
//
// Thread-safety: every mutating call and find_cycle() require mu; lookup()
// is lock-free.
class Graph {
public:
  SpinLock mu;

  // Lock-free: current node id for addr, 0 when none (new or retired).
  u32 lookup(uptr addr) const { return u32(addr_map_.get(addr)); }
  // Lock-free: the node id in the low half, the slot's generation in the
  // high half (a recycled slot is a different lock), 0 when none.
  u64 lookup_word(uptr addr) const { return addr_map_.get(addr); }
  // mu held: node id for addr, creating a node on first sight.
  u32 get_or_create(uptr addr, u8 kind, uptr site_pc);
  u64 word(u32 id) { return u64(nodes_[id].gen) << 32 | id; }
  // Lock-free: is the lock of this node word destroyed (its slot
  // recycled or retired)? Stale answers only cost a slow path.
  bool word_dead(u64 w) {
    u32 id = u32(w);
    if (!id || id >= nodes_.size()) return false;
    Node &n = nodes_[id];
    return __atomic_load_n(&n.gen, __ATOMIC_RELAXED) != u32(w >> 32) ||
           __atomic_load_n(&n.retired, __ATOMIC_RELAXED) != 0;
  }
  // mu held: the address stops being this lock (destroy/free/re-init).
  // A retired lock gets no new edges, so once it has no outgoing or no
  // incoming edge no cycle can pass through it: its edges are dropped,
  // edges taken under it forget it as a gate, and its slot is reused. This
  // cascades to retired neighbours left without outgoing or incoming
  // edges. A retired lock with both stays: paths through it still count.
  void retire(uptr addr);
  bool page_has_locks(uptr page) const { return page_map_.get(page) != 0; }
  Node &node(u32 id) { return nodes_[id]; }
  Edge &edge(u32 id) { return edges_[id]; }
  // Nodes and edges in the graph now (recycled slots excluded).
  u32 node_count() const { return node_slots() - free_nodes_; }
  u32 edge_count() const { return edge_slots() - free_edges_; }
  // Highest slot ids (slots 1..n, some possibly free: Edge::from == 0).
  u32 node_slots() const { return nodes_.size() ? nodes_.size() - 1 : 0; }
  u32 edge_slots() const { return edges_.size() ? edges_.size() - 1 : 0; }
  u32 live_nodes() const { return live_nodes_; }
  // Destroyed locks and their edges dropped by retire() so far.
  u64 recycled_nodes() const { return recycled_nodes_.load(std::memory_order_relaxed); }
  u64 recycled_edges = 0;

  // mu held: the edge from->to, or 0.
  u32 find_edge(u32 from, u32 to) const;
  // mu held: creates the edge (not yet checked for cycles). 0 on capacity.
  u32 add_edge(u32 from, u32 to);
  // mu held: checks the just-added edge e. On a cycle, stores the cycle's
  // edges, starting with e, in out (capacity cap) and returns its length;
  // returns 0 if no cycle closes. Marks e as a back edge on a cycle.
  u32 check_new_edge(u32 e, u32 *out, u32 cap);
  // mu held: shortest path of edges to ... from, closing a cycle with e
  // (whole graph, bounded). Used to re-examine a known cycle edge.
  u32 find_cycle_through(u32 e, u32 *out, u32 cap);

  u64 searches_truncated = 0;
  u32 search_budget = 1u << 20;
  u32 back_edges = 0;
  bool capacity_exhausted = false;

private:
  int pk_reorder(u32 x, u32 y);
  u32 bfs_path(u32 from, u32 to, u32 *out, u32 cap, u32 first);
  u32 next_mark();

  AddrMap addr_map_;   // lock address -> current node id
  AddrMap page_map_;   // page -> number of live nodes on it
  SegVec<Node, 12> nodes_;
  SegVec<Edge, 12> edges_;
  struct EdgeSlot {
    u64 key;
    u32 val;
  };
  EdgeSlot *edge_slots_ = nullptr;
  u64 edge_mask_ = 0;
  u64 edge_used_ = 0;
  u32 next_ord_ = 1;
  u32 mark_ = 0;
  u32 live_nodes_ = 0;
  u32 free_node_head_ = 0, free_edge_head_ = 0;
  u32 free_nodes_ = 0, free_edges_ = 0;
  u64 edge_seq_ = 0;
  std::atomic<u64> recycled_nodes_{0};
  void recycle(u32 id);
  void drop_edge(u32 e);
  void forget_gate(u32 id);
  void edge_map_erase(u64 key);
  // Scratch for searches, grown by mmap.
  u32 *scratch_a_ = nullptr, *scratch_b_ = nullptr, *scratch_c_ = nullptr;
  u32 scratch_cap_ = 0;
  void ensure_scratch(u32 n);
  void edge_map_insert(u64 key, u32 val);
};

} // namespace fearless_rt

#endif
