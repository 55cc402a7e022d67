//===- TidyModule.cpp - fearless checks as a clang-tidy plugin ------------===//
//
// Loaded with `clang-tidy -load=libfearless-tidy.so -checks='fearless-*'`.
// Each fearless check is wrapped in a ClangTidyCheck, so clang-tidy's own
// machinery applies unchanged: check selection, CheckOptions from
// .clang-tidy (keys "<check-id>.<Option>"), NOLINT comments, header
// filtering, and its output formats.
//
//===----------------------------------------------------------------------===//
#include "analysis/Check.h"

#include "clang-tidy/ClangTidyCheck.h"
#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/ASTMatchers/ASTMatchers.h"

namespace fearless {
namespace {

using clang::tidy::ClangTidyCheck;
using clang::tidy::ClangTidyContext;

class TidyOptions : public CheckOptions {
public:
  explicit TidyOptions(const ClangTidyCheck::OptionsView &View) : View(View) {}
  std::string get(llvm::StringRef Key, llvm::StringRef Default) const override {
    return View.get(Key, Default).str();
  }

private:
  const ClangTidyCheck::OptionsView &View;
};

class TidyAdapter : public ClangTidyCheck {
public:
  TidyAdapter(llvm::StringRef Name, ClangTidyContext *Ctx,
              const CheckInfo &Info)
      : ClangTidyCheck(Name, Ctx), Info(Info) {
    TidyOptions Opts(Options);
    Impl = Info.Create(Opts);
  }

  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap &Map) override {
    TidyOptions Opts(Options);
    for (const CheckOptionInfo &O : Info.Options)
      Options.store(Map, O.Key, Opts.get(O.Key, O.Default));
  }

  void registerMatchers(clang::ast_matchers::MatchFinder *Finder) override {
    Finder->addMatcher(clang::ast_matchers::translationUnitDecl().bind("tu"),
                       this);
  }

  void check(const clang::ast_matchers::MatchFinder::MatchResult &R) override {
    class Handler : public ReportHandler {
    public:
      explicit Handler(TidyAdapter &A) : A(A) {}
      void report(llvm::StringRef, CheckReport R) override {
        // `<check-id>.Severity` in .clang-tidy, as in the CLI.
        Severity Configured;
        if (parseSeverity(A.Options.get("Severity", "").str(), Configured))
          R.Sev = Configured;
        {
          // A warning must be emitted before its notes.
          auto D = A.diag(R.Loc, "%0", R.Sev == Severity::Error
                                           ? clang::DiagnosticIDs::Error
                                           : R.Sev == Severity::Note
                                                 ? clang::DiagnosticIDs::Note
                                                 : clang::DiagnosticIDs::Warning);
          D << R.Message;
        }
        for (const SourceNote &N : R.Notes)
          A.diag(N.Loc, "%0", clang::DiagnosticIDs::Note) << N.Message;
      }

    private:
      TidyAdapter &A;
    } H(*this);
    Impl->run(*R.Context, H);
  }

private:
  const CheckInfo &Info;
  std::unique_ptr<Check> Impl;
};

class FearlessTidyModule : public clang::tidy::ClangTidyModule {
public:
  void addCheckFactories(
      clang::tidy::ClangTidyCheckFactories &Factories) override {
    for (const CheckInfo &Info : allChecks())
      Factories.registerCheckFactory(
          Info.Id, [&Info](llvm::StringRef Name, ClangTidyContext *Ctx) {
            return std::make_unique<TidyAdapter>(Name, Ctx, Info);
          });
  }
};

} // namespace
} // namespace fearless

static clang::tidy::ClangTidyModuleRegistry::Add<
    fearless::FearlessTidyModule>
    FearlessModuleRegistration("fearless",
                               "Race and deadlock checks from fearless.");
