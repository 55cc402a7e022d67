// GoogleTest integration of the runtime lock-order recorder.
//
// install() appends a listener that names every lock-order edge after the
// running test ("Suite.Test") and fails the test during which a cycle
// closed, naming the tests whose edges make up the cycle. It finds the
// recorder with dlsym, so the same binary works with LD_PRELOAD, with the
// static runtime linked in, or without any recorder (then it does nothing).
// Thread-safety: call install() once, from main, before RUN_ALL_TESTS().
#ifndef FEARLESS_GTEST_LISTENER_H
#define FEARLESS_GTEST_LISTENER_H

namespace fearless {
namespace gtest {
// Returns false when no recorder is loaded.
bool install();
} // namespace gtest
} // namespace fearless

#endif
