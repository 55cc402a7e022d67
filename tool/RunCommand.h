//===- RunCommand.h - `fearless run` and `fearless report` ----------------===//
//
// The runtime lock-order recorder's two subcommands (docs/runtime.md,
// docs/instrumenting-tests.md):
//
//   fearless run [options] [--] CMD ARGS...
//       runs CMD with libfearless_rt.so preloaded, collects the JSON report
//       of every process it starts (forked children included) and prints a
//       merged summary.
//   fearless report [options] FILE|DIR...
//       merges recorder JSON reports (a whole test suite of binaries) into
//       one lock-order graph and reports the cycles found across them.
//
// Both write, with --format sarif|json|dot, the findings converted to the
// shared findings model (core/Finding.h) through the shared SARIF and JSON
// writers, or the lock-order graph through core/Dot.h.
//
// argv[0] is the subcommand name ("run" / "report"). Exit status: 0 no
// error-severity finding (for `run`: the program's own status), 1 findings,
// 2 fearless could not do its job.
//
// Wiring: the `fearless` CLI target compiles tool/RunCommand.cpp and links
// LLVM Support (for llvm/Support/JSON.h); to find the recorder in a build
// tree it also gets
//   target_compile_definitions(fearless PRIVATE
//     FEARLESS_RT_BUILD_PATH="$<TARGET_FILE:fearless_rt>")
// Without it (or when that file is gone) the library is looked up as
// $FEARLESS_RT, then <exe dir>/../lib/libfearless_rt.so,
// <exe dir>/../lib/<multiarch>/libfearless_rt.so, <exe dir>/libfearless_rt.so.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_TOOL_RUNCOMMAND_H
#define FEARLESS_TOOL_RUNCOMMAND_H

namespace fearless::tool {
int runCommand(int argc, char **argv);
int reportCommand(int argc, char **argv);
} // namespace fearless::tool

#endif
