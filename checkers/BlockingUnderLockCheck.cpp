#include "BlockingUnderLockCheck.h"

#include "analysis/Lockset.h"
#include "analysis/ThreadModel.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/StringSet.h"

namespace fearless {

using namespace clang;

static const CheckOptionInfo Options[] = {
    {"BlockingFunctions", "",
     "More functions to treat as blocking, separated by ';' or ',': "
     "qualified (\"ns::wait_for_reply\") or plain names."},
};

llvm::ArrayRef<CheckOptionInfo> BlockingUnderLockCheck::options() {
  return Options;
}

std::unique_ptr<Check> BlockingUnderLockCheck::create(const CheckOptions &O) {
  return std::make_unique<BlockingUnderLockCheck>(O);
}

BlockingUnderLockCheck::BlockingUnderLockCheck(const CheckOptions &O)
    : Check(Id), Extra(O.getList("BlockingFunctions", "")) {}

namespace {

const char *const CheckId = BlockingUnderLockCheck::Id;

// C and POSIX calls that can wait for another thread, a peer or a clock.
const char *const CBlocking[] = {
    "sleep",       "usleep",      "nanosleep", "clock_nanosleep",
    "read",        "pread",       "readv",     "recv",
    "recvfrom",    "recvmsg",     "accept",    "accept4",
    "connect",     "select",      "pselect",   "poll",
    "ppoll",       "epoll_wait",  "fread",     "fgets",
    "getline",     "pthread_join", "sem_wait", "waitpid",
    "wait",        "system",      "thrd_join", "thrd_sleep",
    "pthread_cond_wait", "pthread_cond_timedwait",
};

class Handler : public LocksetHandler {
public:
  Handler(const std::vector<std::string> &Extra, ReportHandler &Out)
      : Out(Out) {
    for (const char *N : CBlocking)
      Names.insert(N);
    for (const std::string &N : Extra)
      Names.insert(N);
  }

  void call(const FunctionDecl *Fn, const Expr *Call,
            const Lockset &Before) override {
    auto Held = Before.definitelyHeld();
    if (Held.empty())
      return;
    const FunctionDecl *Callee = nullptr;
    if (const auto *CE = llvm::dyn_cast<CallExpr>(Call))
      Callee = CE->getDirectCallee();
    if (!Callee || !Callee->getIdentifier())
      return;
    std::optional<LockId> WaitLock;
    if (!isBlocking(Callee, Call, WaitLock))
      return;
    // A condition wait releases its own lock while waiting; only the
    // others stay held.
    std::vector<std::pair<LockId, LockFact>> Others;
    for (auto &P : Held)
      if (!WaitLock || P.first != *WaitLock)
        Others.push_back(P);
    if (Others.empty())
      return;
    CheckReport R;
    R.Loc = Call->getExprLoc();
    R.Scope = Fn;
    std::string Names;
    for (const auto &P : Others)
      Names += (Names.empty() ? "'" : ", '") + P.first.name() + "'";
    R.Message = "blocking call to '" + qualifiedName(Callee) +
                "' while holding " + Names +
                "; other threads needing the lock wait as long";
    for (const auto &P : Others)
      if (P.second.Acquired.isValid())
        R.Notes.push_back(
            {P.second.Acquired, "'" + P.first.name() + "' was acquired here"});
    Out.report(CheckId, std::move(R));
  }

private:
  bool isBlocking(const FunctionDecl *Callee, const Expr *Call,
                  std::optional<LockId> &WaitLock) {
    std::string Qualified = qualifiedName(Callee);
    if (Names.count(Qualified))
      return true;
    const DeclContext *DC = Callee->getDeclContext()->getRedeclContext();
    if ((DC->isTranslationUnit() || Callee->isExternC()) &&
        Names.count(Callee->getName()))
      return true;
    if (Qualified == "std::this_thread::sleep_for" ||
        Qualified == "std::this_thread::sleep_until")
      return true;
    const auto *MD = llvm::dyn_cast<CXXMethodDecl>(Callee);
    if (!MD)
      return false;
    QualType Class = Callee->getASTContext().getRecordType(MD->getParent());
    llvm::StringRef N = Callee->getName();
    if ((isThreadObject(Class)) && N == "join")
      return true;
    if ((isStdRecord(Class, "future") || isStdRecord(Class, "shared_future")) &&
        (N == "get" || N.starts_with("wait")))
      return true;
    if ((isStdRecord(Class, "condition_variable") ||
         isStdRecord(Class, "condition_variable_any")) &&
        N.starts_with("wait")) {
      const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(Call);
      if (MC && MC->getNumArgs() > 0)
        if (const VarDecl *Guard = referencedVar(MC->getArg(0))) {
          GuardInit G = classifyGuardInit(Guard);
          if (G.Locks.size() == 1)
            WaitLock = G.Locks[0];
        }
      return true;
    }
    return false;
  }

  llvm::StringSet<> Names;
  ReportHandler &Out;
};

} // namespace

void BlockingUnderLockCheck::run(ASTContext &Ctx, ReportHandler &H) {
  Handler LH(Extra, H);
  runLocksetAnalysis(Ctx, LH);
}

} // namespace fearless
