/*
 * fearless runtime lock-order recorder: public annotation and control API.
 *
 * Contract:
 *  - Every function is thread-safe and may be called before the recorder has
 *    initialized (it initializes lazily).
 *  - When the recorder is not loaded (neither LD_PRELOADed nor linked), use
 *    the FEARLESS_* macros below: they resolve the functions weakly and turn
 *    into no-ops, so annotated code builds and runs without the runtime.
 *  - Annotation functions never allocate and never block on an interposed
 *    lock; they cost what the interposed pthread hooks cost.
 *
 * Custom locks (spinlocks on atomics, futex-based locks) call
 *   fearless_before_lock(l, mode)              right before trying to take it
 *   fearless_after_lock(l, mode, is_try, ok)   once it is taken (or the try failed)
 *   fearless_before_unlock(l)                  right before releasing it
 *   fearless_lock_destroy(l)                   when its memory stops being that lock
 *   fearless_lock_name(l, "name")              any time, to name it in reports
 * `l` is any address that identifies the lock (usually the lock object).
 */
#ifndef FEARLESS_RUNTIME_H
#define FEARLESS_RUNTIME_H

#ifdef __cplusplus
extern "C" {
#endif

/* Acquisition modes. */
#define FEARLESS_LOCK_WRITE 0 /* exclusive */
#define FEARLESS_LOCK_READ 1  /* shared */

void fearless_before_lock(const void *lock, int mode);
void fearless_after_lock(const void *lock, int mode, int is_try, int acquired);
void fearless_before_unlock(const void *lock);
void fearless_lock_destroy(const void *lock);
/* The name is copied; it shows in text and JSON reports. */
void fearless_lock_name(const void *lock, const char *name);

/* Attribute edges seen from now on to `context` (e.g. "Suite.Test");
 * NULL clears it. The string is copied. */
void fearless_set_context(const char *context);
/* Number of error-severity findings (lock-order inversions, deadlocks)
 * reported and not suppressed so far in this process; lets a harness see
 * whether the current test closed a cycle. */
unsigned long fearless_finding_count(void);
/* Copy a one-line description of error finding `index` (0-based, report order)
 * into buf; returns the full length (like snprintf), or -1 if no such
 * finding. Names the contexts (tests) of every edge of the cycle. */
int fearless_finding_summary(unsigned long index, char *buf, unsigned long size);
/* Write the JSON report now (it is also written on every finding and at
 * exit); returns 0 on success. */
int fearless_flush_report(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* Weak references so annotated code links and runs without the runtime. */
#if defined(__GNUC__)
#pragma weak fearless_before_lock
#pragma weak fearless_after_lock
#pragma weak fearless_before_unlock
#pragma weak fearless_lock_destroy
#pragma weak fearless_lock_name
#define FEARLESS_CALL_(fn, ...) \
  do { if (fn) fn(__VA_ARGS__); } while (0)
#else
#define FEARLESS_CALL_(fn, ...) fn(__VA_ARGS__)
#endif

#define FEARLESS_BEFORE_LOCK(l, mode) FEARLESS_CALL_(fearless_before_lock, (l), (mode))
#define FEARLESS_AFTER_LOCK(l, mode, is_try, ok) \
  FEARLESS_CALL_(fearless_after_lock, (l), (mode), (is_try), (ok))
#define FEARLESS_BEFORE_UNLOCK(l) FEARLESS_CALL_(fearless_before_unlock, (l))
#define FEARLESS_LOCK_DESTROY(l) FEARLESS_CALL_(fearless_lock_destroy, (l))
#define FEARLESS_LOCK_NAME(l, name) FEARLESS_CALL_(fearless_lock_name, (l), (name))

#ifdef __cplusplus
namespace fearless {
/* Wraps any BasicLockable so that its lock()/unlock() are recorded:
 *   fearless::Annotated<MySpinLock> mu{"queue_mu"};                      */
template <class Lock> class Annotated {
public:
  Annotated() = default;
  explicit Annotated(const char *name) { FEARLESS_LOCK_NAME(this, name); }
  ~Annotated() { FEARLESS_LOCK_DESTROY(this); }
  Annotated(const Annotated &) = delete;
  Annotated &operator=(const Annotated &) = delete;
  void lock() {
    FEARLESS_BEFORE_LOCK(this, FEARLESS_LOCK_WRITE);
    inner_.lock();
    FEARLESS_AFTER_LOCK(this, FEARLESS_LOCK_WRITE, 0, 1);
  }
  bool try_lock() {
    FEARLESS_BEFORE_LOCK(this, FEARLESS_LOCK_WRITE);
    bool ok = inner_.try_lock();
    FEARLESS_AFTER_LOCK(this, FEARLESS_LOCK_WRITE, 1, ok ? 1 : 0);
    return ok;
  }
  void unlock() {
    FEARLESS_BEFORE_UNLOCK(this);
    inner_.unlock();
  }
  Lock &native() { return inner_; }

private:
  Lock inner_;
};
} // namespace fearless
#endif

#endif /* FEARLESS_RUNTIME_H */
