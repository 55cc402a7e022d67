//===- analysis/Check.h - What a fearless check is -------------------------===//
//
// A check analyses one parsed translation unit and reports what it finds
// through a ReportHandler; it never prints. Both front ends run the same
// Check objects:
//   - the clang-tidy plugin wraps each in a ClangTidyCheck, turning reports
//     into clang-tidy diagnostics (so NOLINT, -checks, .clang-tidy options
//     and clang-tidy's output all work as usual);
//   - the fearless CLI turns reports into Findings (core/Finding.h) and
//     writes them with the shared writers.
// This is the separation Clang's Thread Safety Analysis makes between its
// analysis and its ThreadSafetyHandler.
//
// Contract: run() may be called on any number of ASTContexts, one at a
// time per Check object; checks keep no state between runs. A check must
// cope with invalid or partial code by skipping it (the front ends do not
// run checks on a unit with compile errors, but headers may still be odd).
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_CHECK_H
#define FEARLESS_ANALYSIS_CHECK_H

#include "core/Finding.h"

#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace clang {
class ASTContext;
class Decl;
} // namespace clang

namespace fearless {

/// Check options ("CheckOptions" of a .clang-tidy file). Keys are local to
/// the check: the plugin looks up "<check-id>.<Key>".
class CheckOptions {
public:
  virtual ~CheckOptions();
  virtual std::string get(llvm::StringRef Key, llvm::StringRef Default) const;
  bool getBool(llvm::StringRef Key, bool Default) const;
  /// A semicolon- or comma-separated list.
  std::vector<std::string> getList(llvm::StringRef Key,
                                   llvm::StringRef Default) const;
};

struct SourceNote {
  clang::SourceLocation Loc;
  std::string Message;
};

/// One finding, still in terms of the AST it was found in.
struct CheckReport {
  clang::SourceLocation Loc;
  std::string Message;
  std::vector<SourceNote> Notes;
  /// The enclosing function or other declaration: names the finding's
  /// scope in its fingerprint.
  const clang::Decl *Scope = nullptr;
  Severity Sev = Severity::Warning;
};

class ReportHandler {
public:
  virtual ~ReportHandler();
  virtual void report(llvm::StringRef CheckId, CheckReport R) = 0;
};

class WholeProgramCheck;

class Check {
public:
  explicit Check(llvm::StringRef Id) : Id(Id.str()) {}
  virtual ~Check();
  llvm::StringRef id() const { return Id; }
  virtual void run(clang::ASTContext &Ctx, ReportHandler &H) = 0;
  /// Non-null for checks whose findings need every unit
  /// (analysis/WholeProgram.h).
  virtual WholeProgramCheck *asWholeProgram() { return nullptr; }

protected:
  void report(ReportHandler &H, CheckReport R) const {
    H.report(Id, std::move(R));
  }

private:
  std::string Id;
};

/// One registered check: its id, its one-sentence summary (the same words
/// as in its header, its docs page and the changelog), its options with
/// their defaults, and how to make one.
struct CheckOptionInfo {
  const char *Key;
  const char *Default;
  const char *Description;
};

struct CheckInfo {
  const char *Id;
  const char *Summary;
  llvm::ArrayRef<CheckOptionInfo> Options;
  std::unique_ptr<Check> (*Create)(const CheckOptions &);
};

/// Every check, sorted by id. Defined by the checkers module.
llvm::ArrayRef<CheckInfo> allChecks();

} // namespace fearless

#endif
