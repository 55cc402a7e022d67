// Interposed pthread, fork and free entry points, lazy initialization,
// FEARLESS_OPTIONS parsing and the public C API.
#include "fearless/runtime.h"
#include "recorder.h"
#include "report.h"

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern "C" void __libc_free(void *);

namespace fearless_rt {

Real real;
std::atomic<int> g_state{0};
void set_own_base(uptr b);

static void set_str(char *dst, size_t cap, const char *v, size_t len) {
  if (len >= cap) len = cap - 1;
  memcpy(dst, v, len);
  dst[len] = 0;
}

static void parse_options(const char *s) {
  if (!s) return;
  while (*s) {
    while (*s == ':' || *s == ',' || *s == ' ' || *s == '\t' || *s == '\n') ++s;
    if (!*s) break;
    const char *key = s;
    while (*s && *s != '=' && *s != ':' && *s != ',' && *s != ' ') ++s;
    size_t klen = size_t(s - key);
    const char *val = "";
    size_t vlen = 0;
    if (*s == '=') {
      val = ++s;
      while (*s && *s != ':' && *s != ',' && *s != ' ' && *s != '\t' && *s != '\n') ++s;
      vlen = size_t(s - val);
    }
    char v[512];
    set_str(v, sizeof v, val, vlen);
    auto is = [&](const char *k) { return strlen(k) == klen && strncmp(k, key, klen) == 0; };
    long n = strtol(v, nullptr, 10);
    bool b = vlen == 0 || n != 0 || strcmp(v, "true") == 0;
    if (is("exitcode")) g_opt.exitcode = int(n);
    else if (is("halt_on_error")) g_opt.halt_on_error = b;
    else if (is("report_json")) set_str(g_opt.report_json, sizeof g_opt.report_json, val, vlen);
    else if (is("log_path")) set_str(g_opt.log_path, sizeof g_opt.log_path, val, vlen);
    else if (is("suppressions")) set_str(g_opt.suppressions, sizeof g_opt.suppressions, val, vlen);
    else if (is("symbolizer")) set_str(g_opt.symbolizer, sizeof g_opt.symbolizer, val, vlen);
    else if (is("watchdog_ms")) g_opt.watchdog_ms = unsigned(n);
    else if (is("report_single_thread")) g_opt.report_single_thread = b;
    else if (is("report_thread_exit")) g_opt.report_thread_exit = b;
    else if (is("timed_edges")) g_opt.timed_edges = b;
    else if (is("rwlock_read_read")) g_opt.rwlock_read_read = b;
    else if (is("track_free")) g_opt.track_free = b;
    else if (is("symbolize")) g_opt.symbolize = b;
    else if (is("search_budget")) g_opt.search_budget = unsigned(n);
    else if (is("stack_depth")) g_opt.stack_depth = unsigned(n);
    else if (is("stack_dedup")) g_opt.stack_dedup = b;
    else if (is("ordered_by_join")) g_opt.ordered_by_join = b;
    else if (is("flush_on_crash")) g_opt.flush_on_crash = b;
    else if (is("verbosity")) g_opt.verbosity = int(n);
    else {
      char msg[700];
      int k = snprintf(msg, sizeof msg, "fearless: unknown option '%.*s' in FEARLESS_OPTIONS\n", int(klen), key);
      ssize_t r = write(2, msg, size_t(k));
      (void)r;
    }
  }
}

template <class F> static void bind(F &slot, const char *name, const char *ver = nullptr) {
  void *p = ver ? dlvsym(RTLD_NEXT, name, ver) : dlsym(RTLD_NEXT, name);
  if (!p && ver) p = dlsym(RTLD_NEXT, name);
  slot = reinterpret_cast<F>(p);
}

static void bind_all() {
  bind(real.mutex_lock, "pthread_mutex_lock");
  bind(real.mutex_trylock, "pthread_mutex_trylock");
  bind(real.mutex_timedlock, "pthread_mutex_timedlock");
  bind(real.mutex_clocklock, "pthread_mutex_clocklock");
  bind(real.mutex_unlock, "pthread_mutex_unlock");
  bind(real.mutex_init, "pthread_mutex_init");
  bind(real.mutex_destroy, "pthread_mutex_destroy");
  bind(real.rw_rdlock, "pthread_rwlock_rdlock");
  bind(real.rw_tryrdlock, "pthread_rwlock_tryrdlock");
  bind(real.rw_timedrdlock, "pthread_rwlock_timedrdlock");
  bind(real.rw_clockrdlock, "pthread_rwlock_clockrdlock");
  bind(real.rw_wrlock, "pthread_rwlock_wrlock");
  bind(real.rw_trywrlock, "pthread_rwlock_trywrlock");
  bind(real.rw_timedwrlock, "pthread_rwlock_timedwrlock");
  bind(real.rw_clockwrlock, "pthread_rwlock_clockwrlock");
  bind(real.rw_unlock, "pthread_rwlock_unlock");
  bind(real.rw_init, "pthread_rwlock_init");
  bind(real.rw_destroy, "pthread_rwlock_destroy");
  bind(real.spin_lock, "pthread_spin_lock");
  bind(real.spin_trylock, "pthread_spin_trylock");
  bind(real.spin_unlock, "pthread_spin_unlock");
  bind(real.spin_init, "pthread_spin_init");
  bind(real.spin_destroy, "pthread_spin_destroy");
  // The unversioned lookup may find the pre-2.3.2 compatibility condvar.
  bind(real.cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
  bind(real.cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
  bind(real.cond_clockwait, "pthread_cond_clockwait");
  bind(real.create, "pthread_create");
  bind(real.join, "pthread_join");
  bind(real.exit, "pthread_exit");
  bind(real.fork, "fork");
  bind(real.free, "free");
  bind(real.malloc_usable_size, "malloc_usable_size");
}


void ensure_init() {
  if (ready()) return;
  int expected = 0;
  if (!g_state.compare_exchange_strong(expected, 1)) {
    // Another thread is initializing (or this one re-entered through
    // dlsym): pass-through calls happen until it is done.
    return;
  }
  init_graph();
  parse_options(getenv("FEARLESS_OPTIONS"));
  bind_all();
  // Frames inside the recorder are left out of reports; when it is linked
  // into the executable itself they are recognized by symbol name instead.
  Dl_info info;
  link_map *lm = nullptr;
  if (dladdr1(reinterpret_cast<void *>(&ensure_init), &info, reinterpret_cast<void **>(&lm),
              RTLD_DL_LINKMAP) && lm && lm->l_name && lm->l_name[0])
    set_own_base(uptr(info.dli_fbase));
  load_suppressions();
  if (!real.mutex_lock || !real.mutex_unlock) fatal("cannot find the real pthread functions");
  g_state.store(2, std::memory_order_release);
  if (g_opt.flush_on_crash) install_crash_flush();
}

} // namespace fearless_rt

using namespace fearless_rt;

#define RET_PC uptr(__builtin_return_address(0))
#define OWN_CFA uptr(__builtin_dwarf_cfa())

// While initializing, a hook re-entered through dlsym has no real function
// yet; the process is still single-threaded then, so doing nothing is safe.
#define PASS_THROUGH(fn, ...)                                   \
  do {                                                          \
    if (!ready()) {                                             \
      ensure_init();                                            \
      if (!ready()) return real.fn ? real.fn(__VA_ARGS__) : 0;  \
    }                                                           \
  } while (0)

// The calling thread's recorder state, t. A thread gets one only once the
// runtime is ready, so a non-null t_self also says that the real functions
// are bound: the hottest hooks test that alone.
#define ENTER(fn, ...)                        \
  ThreadState *t = t_self;                    \
  if (__builtin_expect(!t, 0)) {              \
    PASS_THROUGH(fn, __VA_ARGS__);            \
    t = self();                               \
  }

// A wait inside another published wait of the thread (a signal handler
// that interrupted it, or a pthread lock used inside an annotated custom
// lock) puts the outer one back when it ends.
template <class Call>
static __attribute__((noinline)) int watched_inner(ThreadState *t, uptr addr, u32 kind, u8 mode,
                                                   uptr pc, uptr cfa, Call call) {
  uptr outer = t->waiting_for.load(std::memory_order_relaxed);
  uptr outer_pc = t->wait_pc.load(std::memory_order_relaxed);
  uptr outer_cfa = t->wait_cfa.load(std::memory_order_relaxed);
  u64 outer_tag = t->wait_tag.load(std::memory_order_relaxed);
  wait_publish(t, addr, kind, mode, pc, cfa);
  int r = call();
  t->wait_pc.store(outer_pc, std::memory_order_relaxed);
  t->wait_cfa.store(outer_cfa, std::memory_order_relaxed);
  t->wait_tag.store(outer_tag, std::memory_order_relaxed);
  t->waiting_for.store(outer, std::memory_order_release);
  return r;
}

// A blocking wait with the watchdog on: published around the real call.
// `cfa` is the intercepted entry point's, so the watchdog's stack of the
// wait starts at its caller.
template <class Call>
static inline int watched(ThreadState *t, uptr addr, u32 kind, u8 mode, uptr pc, uptr cfa, Call call) {
  if (!watchdog_on()) return call();
  if (__builtin_expect(t->waiting_for.load(std::memory_order_relaxed) != 0, 0))
    return watched_inner(t, addr, kind, mode, pc, cfa, call);
  wait_publish(t, addr, kind, mode, pc, cfa);
  int r = call();
  wait_unpublish(t);
  return r;
}

extern "C" {

// Something is held: a known order (by address) is a push, anything else
// goes through prepare/commit. Out of line so that the flat path stays
// short.
static __attribute__((noinline)) int mutex_lock_nested(ThreadState *t, pthread_mutex_t *m, uptr pc,
                                                       uptr cfa) {
  u32 n = t->nheld.load(std::memory_order_relaxed);
  auto lock = [m] { return real.mutex_lock(m); };
  if (known_by_addr(t, n, uptr(m), kWrite)) {
    int r = watched(t, uptr(m), kWaitLock, kWrite, pc, cfa, lock);
    if (r == 0 || r == EOWNERDEAD) commit_push(t, n, uptr(m), kMutex, kWrite, pc);
    return r;
  }
  Prep p;
  prepare(p, uptr(m), kMutex, kWrite, false, false, pc);
  int r = watched(t, uptr(m), kWaitLock, kWrite, pc, cfa, lock);
  if (r == 0 || r == EOWNERDEAD) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_mutex_lock(pthread_mutex_t *m) {
  ENTER(mutex_lock, m);
  if (!flat_ready(t)) return mutex_lock_nested(t, m, RET_PC, OWN_CFA);
  // Nothing held: no order to check, only a push.
  Held *e = prefill_flat(t, uptr(m), kMutex, kWrite, RET_PC);
  int r = watched(t, uptr(m), kWaitLock, kWrite, RET_PC, OWN_CFA, [m] { return real.mutex_lock(m); });
  if (r == 0 || r == EOWNERDEAD) commit_flat(t, e, uptr(m), kMutex, kWrite, RET_PC);
  return r;
}

__attribute__((visibility("default"))) int pthread_mutex_trylock(pthread_mutex_t *m) {
  PASS_THROUGH(mutex_trylock, m);
  Prep p;
  prepare(p, uptr(m), kMutex, kWrite, true, false, RET_PC);
  int r = real.mutex_trylock(m);
  if (r == 0 || r == EOWNERDEAD) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_mutex_timedlock(pthread_mutex_t *m,
                                                                  const struct timespec *ts) {
  PASS_THROUGH(mutex_timedlock, m, ts);
  Prep p;
  prepare(p, uptr(m), kMutex, kWrite, false, true, RET_PC);
  int r = real.mutex_timedlock(m, ts);
  if (r == 0 || r == EOWNERDEAD) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t c,
                                                                  const struct timespec *ts) {
  PASS_THROUGH(mutex_clocklock, m, c, ts);
  Prep p;
  prepare(p, uptr(m), kMutex, kWrite, false, true, RET_PC);
  int r = real.mutex_clocklock(m, c, ts);
  if (r == 0 || r == EOWNERDEAD) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_mutex_unlock(pthread_mutex_t *m) {
  ENTER(mutex_unlock, m);
  // Released in the recorder after the real unlock: the critical section
  // does not grow, and a refused unlock (EPERM) changes nothing. t_self is
  // read again rather than t kept across the call: one register less to
  // save.
  (void)t;
  int r = real.mutex_unlock(m);
  if (r == 0) on_release(t_self, uptr(m));
  return r;
}

__attribute__((visibility("default"))) int pthread_mutex_init(pthread_mutex_t *m,
                                                             const pthread_mutexattr_t *a) {
  PASS_THROUGH(mutex_init, m, a);
  on_destroy(uptr(m));  // a re-initialized mutex is a new lock
  return real.mutex_init(m, a);
}

__attribute__((visibility("default"))) int pthread_mutex_destroy(pthread_mutex_t *m) {
  PASS_THROUGH(mutex_destroy, m);
  on_destroy(uptr(m));
  return real.mutex_destroy(m);
}

// ---------------------------------------------------------------- rwlock
__attribute__((visibility("default"))) int pthread_rwlock_rdlock(pthread_rwlock_t *l) {
  PASS_THROUGH(rw_rdlock, l);
  Prep p;
  prepare(p, uptr(l), kRwlock, kRead, false, false, RET_PC);
  int r = watched(p.t, uptr(l), kWaitLock, kRead, RET_PC, OWN_CFA, [l] { return real.rw_rdlock(l); });
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) {
  PASS_THROUGH(rw_tryrdlock, l);
  Prep p;
  prepare(p, uptr(l), kRwlock, kRead, true, false, RET_PC);
  int r = real.rw_tryrdlock(l);
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_timedrdlock(pthread_rwlock_t *l,
                                                                     const struct timespec *ts) {
  PASS_THROUGH(rw_timedrdlock, l, ts);
  Prep p;
  prepare(p, uptr(l), kRwlock, kRead, false, true, RET_PC);
  int r = real.rw_timedrdlock(l, ts);
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c,
                                                                     const struct timespec *ts) {
  PASS_THROUGH(rw_clockrdlock, l, c, ts);
  Prep p;
  prepare(p, uptr(l), kRwlock, kRead, false, true, RET_PC);
  int r = real.rw_clockrdlock(l, c, ts);
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_wrlock(pthread_rwlock_t *l) {
  PASS_THROUGH(rw_wrlock, l);
  Prep p;
  prepare(p, uptr(l), kRwlock, kWrite, false, false, RET_PC);
  int r = watched(p.t, uptr(l), kWaitLock, kWrite, RET_PC, OWN_CFA, [l] { return real.rw_wrlock(l); });
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_trywrlock(pthread_rwlock_t *l) {
  PASS_THROUGH(rw_trywrlock, l);
  Prep p;
  prepare(p, uptr(l), kRwlock, kWrite, true, false, RET_PC);
  int r = real.rw_trywrlock(l);
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_timedwrlock(pthread_rwlock_t *l,
                                                                     const struct timespec *ts) {
  PASS_THROUGH(rw_timedwrlock, l, ts);
  Prep p;
  prepare(p, uptr(l), kRwlock, kWrite, false, true, RET_PC);
  int r = real.rw_timedwrlock(l, ts);
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c,
                                                                     const struct timespec *ts) {
  PASS_THROUGH(rw_clockwrlock, l, c, ts);
  Prep p;
  prepare(p, uptr(l), kRwlock, kWrite, false, true, RET_PC);
  int r = real.rw_clockwrlock(l, c, ts);
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_rwlock_unlock(pthread_rwlock_t *l) {
  PASS_THROUGH(rw_unlock, l);
  on_release(uptr(l));
  return real.rw_unlock(l);
}

__attribute__((visibility("default"))) int pthread_rwlock_init(pthread_rwlock_t *l,
                                                              const pthread_rwlockattr_t *a) {
  PASS_THROUGH(rw_init, l, a);
  on_destroy(uptr(l));
  return real.rw_init(l, a);
}

__attribute__((visibility("default"))) int pthread_rwlock_destroy(pthread_rwlock_t *l) {
  PASS_THROUGH(rw_destroy, l);
  on_destroy(uptr(l));
  return real.rw_destroy(l);
}

// ------------------------------------------------------------------ spin
__attribute__((visibility("default"))) int pthread_spin_lock(pthread_spinlock_t *l) {
  PASS_THROUGH(spin_lock, l);
  Prep p;
  prepare(p, uptr(l), kSpin, kWrite, false, false, RET_PC);
  int r = watched(p.t, uptr(l), kWaitLock, kWrite, RET_PC, OWN_CFA, [l] { return real.spin_lock(l); });
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_spin_trylock(pthread_spinlock_t *l) {
  PASS_THROUGH(spin_trylock, l);
  Prep p;
  prepare(p, uptr(l), kSpin, kWrite, true, false, RET_PC);
  int r = real.spin_trylock(l);
  if (r == 0) commit(p);
  return r;
}

__attribute__((visibility("default"))) int pthread_spin_unlock(pthread_spinlock_t *l) {
  PASS_THROUGH(spin_unlock, l);
  on_release(uptr(l));
  return real.spin_unlock(l);
}

__attribute__((visibility("default"))) int pthread_spin_init(pthread_spinlock_t *l, int pshared) {
  PASS_THROUGH(spin_init, l, pshared);
  on_destroy(uptr(l));
  return real.spin_init(l, pshared);
}

__attribute__((visibility("default"))) int pthread_spin_destroy(pthread_spinlock_t *l) {
  PASS_THROUGH(spin_destroy, l);
  on_destroy(uptr(l));
  return real.spin_destroy(l);
}

// -------------------------------------------------------------- condvars
__attribute__((visibility("default"))) int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  ENTER(cond_wait, c, m);
  CondSaved s = cond_release(t, uptr(m));
  // It cannot return without the mutex: the wait is on the mutex.
  int r = watched(t, uptr(m), kWaitCond, kWrite, RET_PC, OWN_CFA, [&] { return real.cond_wait(c, m); });
  cond_reacquire(t, s, RET_PC);
  return r;
}

__attribute__((visibility("default"))) int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                                                 const struct timespec *ts) {
  ENTER(cond_timedwait, c, m, ts);
  CondSaved s = cond_release(t, uptr(m));
  // It cannot return without the mutex: the wait is on the mutex.
  int r = watched(t, uptr(m), kWaitCond, kWrite, RET_PC, OWN_CFA, [&] { return real.cond_timedwait(c, m, ts); });
  cond_reacquire(t, s, RET_PC);
  return r;
}

__attribute__((visibility("default"))) int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m,
                                                                 clockid_t clk, const struct timespec *ts) {
  ENTER(cond_clockwait, c, m, clk, ts);
  CondSaved s = cond_release(t, uptr(m));
  // It cannot return without the mutex: the wait is on the mutex.
  int r = watched(t, uptr(m), kWaitCond, kWrite, RET_PC, OWN_CFA, [&] { return real.cond_clockwait(c, m, clk, ts); });
  cond_reacquire(t, s, RET_PC);
  return r;
}

// --------------------------------------------------------------- threads
__attribute__((visibility("default"))) int pthread_create(pthread_t *t, const pthread_attr_t *a,
                                                         void *(*fn)(void *), void *arg) {
  PASS_THROUGH(create, t, a, fn, arg);
  watchdog_start();
  void *rec = thread_trampoline_arg(fn, arg);
  return real.create(t, a, thread_trampoline, rec);
}

__attribute__((visibility("default"))) int pthread_join(pthread_t t, void **ret) {
  PASS_THROUGH(join, t, ret);
  int r = real.join(t, ret);
  if (r == 0) on_join(t);
  return r;
}

__attribute__((visibility("default"))) void pthread_exit(void *ret) {
  ensure_init();
  if (ready()) on_thread_exit();
  real.exit(ret);
}

__attribute__((visibility("default"))) pid_t fork(void) {
  PASS_THROUGH(fork);
  fork_prepare();
  pid_t pid = real.fork();
  if (pid == 0) fork_child();
  else fork_parent();
  return pid;
}

__attribute__((visibility("default"))) void free(void *p) {
  if (!p) return;
  if (!ready()) {
    // dlsym may free while we bind the real functions.
    if (real.free) real.free(p);
    else __libc_free(p);
    return;
  }
  on_free(p);
  real.free(p);
}

// ------------------------------------------------------------ public API
__attribute__((visibility("default"))) void fearless_before_lock(const void *l, int mode) {
  // The custom lock's wait runs in the caller's code: it is published
  // here, with no frame of the recorder's to start its stack at, and the
  // order is recorded at fearless_after_lock.
  ensure_init();
  if (ready() && watchdog_on())
    wait_publish(self(), uptr(l), kWaitCustom, mode == FEARLESS_LOCK_READ ? kRead : kWrite, RET_PC, 0);
}

__attribute__((visibility("default"))) void fearless_after_lock(const void *l, int mode, int is_try,
                                                               int acquired) {
  ensure_init();
  if (!ready()) return;
  ThreadState *t = self();
  if (watchdog_on() && t->waiting_for.load(std::memory_order_relaxed) == uptr(l)) wait_unpublish(t);
  if (!acquired) return;
  on_acquired(uptr(l), kCustom, mode == FEARLESS_LOCK_READ ? kRead : kWrite, is_try != 0, false, RET_PC);
}

__attribute__((visibility("default"))) void fearless_before_unlock(const void *l) {
  ensure_init();
  if (ready()) on_release(uptr(l));
}

__attribute__((visibility("default"))) void fearless_lock_destroy(const void *l) {
  ensure_init();
  if (ready()) on_destroy(uptr(l));
}

__attribute__((visibility("default"))) void fearless_lock_name(const void *l, const char *name) {
  ensure_init();
  if (ready()) on_lock_name(uptr(l), name);
}

__attribute__((visibility("default"))) void fearless_set_context(const char *ctx) {
  ensure_init();
  if (ready()) api_set_context(ctx);
}

__attribute__((visibility("default"))) unsigned long fearless_finding_count(void) {
  return ready() ? api_finding_count() : 0;
}

__attribute__((visibility("default"))) int fearless_finding_summary(unsigned long i, char *buf,
                                                                   unsigned long size) {
  return ready() ? api_finding_summary(i, buf, size) : -1;
}

__attribute__((visibility("default"))) int fearless_flush_report(void) {
  return ready() ? api_flush_report() : 0;
}

} // extern "C"

// Runs after the program's own destructors (a preloaded library is
// finalized after the executable): write the report and set the status.
__attribute__((destructor)) static void fearless_fini() {
  if (!ready()) return;
  report_at_exit();
  if (api_finding_count() && g_opt.exitcode) {
    fflush(nullptr);
    _exit(g_opt.exitcode);
  }
}

// Initialize at load too, so locks taken by static initializers of other
// libraries are seen even if no hook ran yet.
__attribute__((constructor)) static void fearless_ctor() { ensure_init(); }
