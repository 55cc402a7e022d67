// Findings and their text / JSON rendering. Reporting runs outside the
// lock hooks' fast and slow paths: it may spawn the symbolizer and use
// malloc (through posix_spawn and the demangler), once per finding.
#ifndef FEARLESS_RT_REPORT_H
#define FEARLESS_RT_REPORT_H

#include "rt_internal.h"

namespace fearless_rt {

enum FindKind : u8 {
  kFindNone = 0,
  kFindInversion = 1,     // error: two or more threads can deadlock
  kFindSingleThread = 2,  // warning: every edge from one thread
  kFindGated = 3,         // warning: every edge under a common gate lock
  kFindThreadExit = 4,    // warning: a thread exited holding locks
  kFindDeadlock = 5,      // error: watchdog saw threads blocked in a cycle
  kFindOrdered = 6,       // warning: edges ordered by thread creation/join
};

constexpr u32 kMaxCycle = 64;

struct Finding {
  u8 kind;
  u8 suppressed;
  u32 index;
  u32 n;                  // cycle length (edges)
  u32 edges[kMaxCycle];   // edges[0] closed the cycle
  u32 ngates;
  u32 gates[kEdgeGates];
  u32 tid;                // thread-exit: the thread
  u32 nlocks;             // thread-exit / deadlock
  uptr lock_addrs[kMaxCycle];
  uptr lock_pcs[kMaxCycle];
  u32 wd_tids[kMaxCycle];
  int wd_os_tids[kMaxCycle];
  const Stack *wd_stacks[kMaxCycle];
  u8 wd_kinds[kMaxCycle];  // WaitKind of each blocked thread
  char *json;             // rendered once, at emit time
  char *summary;          // one line, for the API and the test listener
};

struct ThreadInfo {
  u32 tid;
  int os_tid;
  u32 parent;
  u32 ncreate;
  const uptr *create_pcs;
};

extern Graph *g_graph;
extern SegVec<Finding, 8> g_findings;
extern u32 g_findings_base;

void emit_finding(Finding *f);
[[noreturn]] void finish_and_exit(int code);
void write_json_report();
void report_at_exit();
// On SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT, where the program left
// the default action: write the JSON report, then die by the same signal.
void install_crash_flush();
void load_suppressions();
bool thread_info(u32 tid, ThreadInfo *out);
void count_error_finding();
u64 edges_dropped();
void report_fork_prepare();
void report_fork_parent();
void report_fork_child();
void init_graph();
void arena_fork_lock();
void arena_fork_unlock();

} // namespace fearless_rt

#endif
