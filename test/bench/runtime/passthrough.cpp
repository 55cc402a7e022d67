// A preload library that interposes the lock calls rt_bench makes and does
// nothing but call the real ones: the cost of LD_PRELOAD interposition
// itself, measured beside the recorder by run.sh.
#include <dlfcn.h>
#include <pthread.h>

namespace {
using LockFn = int (*)(pthread_mutex_t *);
using WaitFn = int (*)(pthread_cond_t *, pthread_mutex_t *);
LockFn real_lock, real_unlock;
WaitFn real_wait;

template <class F> F bind(const char *name, const char *version = nullptr) {
  void *p = version ? dlvsym(RTLD_NEXT, name, version) : dlsym(RTLD_NEXT, name);
  return reinterpret_cast<F>(p);
}

__attribute__((constructor)) void init() {
  real_lock = bind<LockFn>("pthread_mutex_lock");
  real_unlock = bind<LockFn>("pthread_mutex_unlock");
  real_wait = bind<WaitFn>("pthread_cond_wait", "GLIBC_2.3.2");
}
} // namespace

extern "C" {
__attribute__((visibility("default"))) int pthread_mutex_lock(pthread_mutex_t *m) { return real_lock(m); }
__attribute__((visibility("default"))) int pthread_mutex_unlock(pthread_mutex_t *m) { return real_unlock(m); }
__attribute__((visibility("default"))) int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  return real_wait(c, m);
}
}
