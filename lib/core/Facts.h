//===- core/Facts.h - What one translation unit leaves for the merge -------===//
//
// A facts file holds everything the whole-program passes need from one
// translation unit, so that units can be analysed separately (in parallel,
// on other machines with `--shard`, or in an earlier run) and merged later:
//   - the unit's own findings (per-unit checks, NOLINT already applied);
//   - one JSON section per whole-program analysis (lock-order summaries,
//     access summaries), keyed by USR so that functions and locks declared
//     in several units meet;
//   - what the result depends on: the cache key (tool build, compile
//     command, enabled checks and their options) and every file the unit
//     read, with size, modification time and content hash.
// The format ("fearless-facts", version FactsVersion) is documented in
// docs/facts-format.md.
//
// Cache validity follows ccache's "direct mode": a stored unit is reused
// when its key matches and every dependency still has the recorded size
// and either the recorded modification time or the recorded content hash.
//
// Contract: plain values, no Clang. Readers never trust input: a malformed
// or foreign file is refused with a one-line reason. Writers are atomic
// (temporary file then rename), so concurrent runs sharing a cache
// directory never see half a file.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_FACTS_H
#define FEARLESS_CORE_FACTS_H

#include "core/Finding.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace fearless {

/// Bumped whenever the layout of a facts file or of a section changes.
constexpr unsigned FactsVersion = 1;

struct FactsDependency {
  std::string Path;
  uint64_t Size = 0;
  int64_t MTime = 0;  ///< seconds since the epoch
  std::string Hash;   ///< 16 hex digits (xxh3-64 of the contents)
};

struct UnitFacts {
  /// The unit's main file, absolute.
  std::string File;
  /// Hash of everything besides file contents the result depends on.
  std::string Key;
  std::vector<FactsDependency> Deps;
  std::vector<Finding> Findings;
  /// Section name -> the section's own JSON (see each analysis).
  llvm::json::Object Sections;
};

/// 16 hex digits of xxh3-64.
std::string contentHash(llvm::StringRef Data);

/// The dependency record of a file as it is now on disk; false when it
/// cannot be read.
bool describeFile(llvm::StringRef Path, FactsDependency &Out);

/// True when every dependency is unchanged (size, and mtime or hash).
bool dependenciesUnchanged(const UnitFacts &U);

llvm::json::Value unitFactsToJson(const UnitFacts &U);
bool unitFactsFromJson(const llvm::json::Value &V, UnitFacts &Out,
                       std::string &Error);

/// Writes atomically; false with a one-line reason.
bool writeUnitFacts(llvm::StringRef Path, const UnitFacts &U,
                    std::string &Error);
bool readUnitFacts(llvm::StringRef Path, UnitFacts &Out, std::string &Error);

/// The file name a unit's facts are stored under in a facts or cache
/// directory: a hash of the main file and the key.
std::string factsFileName(llvm::StringRef MainFile, llvm::StringRef Key);

/// Reads every facts file named by \p Inputs (files, or directories whose
/// `*.facts.json` files are read), sorted by unit file so the merge does
/// not depend on the order they were written in. A unit present more than
/// once (the same file analysed twice) is kept once. Unreadable inputs
/// become one-line errors ("PATH: reason"); the rest is still returned.
std::vector<UnitFacts> loadFacts(const std::vector<std::string> &Inputs,
                                 std::vector<std::string> &Errors);

/// A definition recorded in a unit's facts: a function or global variable
/// by USR, whether it is strong (a non-inline, externally visible function
/// that is no template instantiation, or a global variable's definition:
/// one unit per program can have it), and where it is written (empty when
/// the section does not say).
struct SymbolDefinition {
  std::string Usr;
  bool Strong = false;
  std::string Where;
};

/// Several programs in one compilation database (tools, tests, examples)
/// define the same symbols: each has its `main`, perhaps its own global
/// `counter` or class `Worker`. Given what each unit defines (\p Defined,
/// one list per unit), the symbols each unit keeps its own copy of, named
/// ownCopy(), so that its own references go to it:
///   - a strong definition that another unit defines strongly too;
///   - an inline or template definition that another unit defines
///     strongly, or writes somewhere else (inline code is in every unit
///     that uses it, so its own copy loses no link).
/// Units that only declare a symbol keep the shared name, so a function
/// defined once and called from other units still links across them.
/// Independent of the order of the units; O(n log n) in the definitions.
std::vector<std::set<std::string>>
ownCopies(const std::vector<std::vector<SymbolDefinition>> &Defined);

/// The name of unit \p Unit's own copy of \p Usr (see ownCopies).
std::string ownCopy(llvm::StringRef Usr, llvm::StringRef Unit);

} // namespace fearless

#endif
