#include "LockLeakCheck.h"

#include "analysis/Lockset.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"

#include <map>
#include <tuple>

namespace fearless {

static const CheckOptionInfo Options[] = {
    {"ExceptionPaths", "true",
     "Also report a manually taken lock that is still held when a call that "
     "may throw leaves the function by an exception."},
};

llvm::ArrayRef<CheckOptionInfo> LockLeakCheck::options() { return Options; }

std::unique_ptr<Check> LockLeakCheck::create(const CheckOptions &O) {
  return std::make_unique<LockLeakCheck>(O);
}

LockLeakCheck::LockLeakCheck(const CheckOptions &O)
    : Check(Id), ExceptionPaths(O.getBool("ExceptionPaths", true)) {}

namespace {
struct Leak {
  const clang::FunctionDecl *Fn;
  LockId Lock;
  clang::SourceLocation Acquired, Exit;
  bool ByException;
};

class Handler : public LocksetHandler {
public:
  explicit Handler(const clang::SourceManager &SM) : SM(SM) {}
  void lockLeak(const clang::FunctionDecl *Fn, const LockId &Lock,
                clang::SourceLocation Acquired, clang::SourceLocation Exit,
                bool ByException) override {
    // One finding per exit, but only the first call that may throw for a
    // given acquisition: the rest say the same thing again.
    auto Key = std::make_tuple(Fn, Lock, Acquired.getRawEncoding(),
                               ByException ? 0u : Exit.getRawEncoding());
    auto [It, Inserted] = Leaks.try_emplace(
        Key, Leak{Fn, Lock, Acquired, Exit, ByException});
    if (!Inserted && SM.isBeforeInTranslationUnit(Exit, It->second.Exit))
      It->second.Exit = Exit;
  }
  std::map<std::tuple<const clang::FunctionDecl *, LockId, unsigned, unsigned>,
           Leak>
      Leaks;

private:
  const clang::SourceManager &SM;
};
} // namespace

void LockLeakCheck::run(clang::ASTContext &Ctx, ReportHandler &H) {
  Handler LH(Ctx.getSourceManager());
  LocksetOptions Opts;
  Opts.ExceptionPaths = ExceptionPaths;
  runLocksetAnalysis(Ctx, LH, Opts);
  for (const auto &[Key, L] : LH.Leaks) {
    std::string Name = "'" + L.Lock.name() + "'";
    CheckReport R;
    R.Loc = L.Exit;
    R.Scope = L.Fn;
    R.Message = L.ByException
                    ? Name + " is still held if an exception leaves the "
                             "function here; use a std::lock_guard or "
                             "std::unique_lock"
                    : Name + " is still held when the function returns";
    R.Notes.push_back({L.Acquired, Name + " was acquired here"});
    report(H, std::move(R));
  }
}

} // namespace fearless
