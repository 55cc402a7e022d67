// The whole-program half of the race checks: summaries composed across
// units, concurrent contexts per spawning function, findings. See
// RaceFacts.h for the model.
#include "analysis/RaceFacts.h"

#include "core/Facts.h"

#include "llvm/Support/Path.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace fearless {

namespace json = llvm::json;

namespace {

constexpr size_t MaxAccessesPerSummary = 4000;
constexpr unsigned Open = UINT_MAX;

struct PathK {
  std::string Root, Owner;
  int Param = -1;
  std::string Path;
  std::string key() const { return Root + "|" + Path; }
};

std::optional<PathK> readPath(const json::Value *V) {
  const json::Array *A = V ? V->getAsArray() : nullptr;
  if (!A || A->size() != 4)
    return std::nullopt;
  PathK P;
  auto S0 = (*A)[0].getAsString(), S1 = (*A)[1].getAsString(),
       S3 = (*A)[3].getAsString();
  auto I2 = (*A)[2].getAsInteger();
  if (!S0 || !S1 || !S3 || !I2)
    return std::nullopt;
  P.Root = S0->str();
  P.Owner = S1->str();
  P.Param = static_cast<int>(*I2);
  P.Path = S3->str();
  return P;
}

std::vector<std::string> fileTable(const json::Object &Unit) {
  std::vector<std::string> Files;
  if (const json::Array *F = Unit.getArray("files"))
    for (const json::Value &X : *F)
      Files.push_back(X.getAsString() ? X.getAsString()->str() : "");
  return Files;
}

/// "file:line:column" of an object's `f`/`l`/`c`, or empty.
std::string place(const json::Object &O, const std::vector<std::string> &Files) {
  int64_t F = O.getInteger("f").value_or(-1);
  if (F < 0 || static_cast<size_t>(F) >= Files.size())
    return "";
  return Files[F] + ":" + std::to_string(O.getInteger("l").value_or(0)) + ":" +
         std::to_string(O.getInteger("c").value_or(0));
}

/// The symbols of one unit that other units define too (another program's
/// `main`, its globals): renamed to the unit's own copies as the unit's
/// facts are read.
struct OwnCopies {
  std::string Unit;
  std::set<std::string> Fns, Vars;
  /// Own copy -> shared name of each global root renamed, for messages.
  std::map<std::string, std::string> *Shared = nullptr;

  std::string fn(const std::string &Usr) const {
    return Fns.count(Usr) ? ownCopy(Usr, Unit) : Usr;
  }
  std::string var(const std::string &Usr) const {
    return Vars.count(Usr) ? ownCopy(Usr, Unit) : Usr;
  }
  /// A path root or a guard: "G:<usr>" of a global, or another root.
  std::string root(const std::string &Root) const {
    if (Root.rfind("G:", 0) != 0 || !Vars.count(Root.substr(2)))
      return Root;
    std::string Own = ownCopy(Root, Unit);
    (*Shared)[Own] = Root;
    return Own;
  }
  std::optional<PathK> path(std::optional<PathK> P) const {
    if (P) {
      P->Root = root(P->Root);
      P->Owner = fn(P->Owner);
    }
    return P;
  }
};

struct Site {
  Location Loc;
  std::string Snippet, Fn, Name, Decl, Type;
  bool Spin = false, Write = false, Structor = false;
  std::vector<std::string> RelLocks;
};

struct ChainNode {
  TraceStep Step;
  std::shared_ptr<const ChainNode> Next;
};
using Chain = std::shared_ptr<const ChainNode>;

struct Acc {
  PathK P;
  bool Write = false, Deref = false, InThread = false;
  std::vector<PathK> Locks;
  /// Thread handles its function (or a callee on the way) joined before it.
  std::vector<PathK> Joined;
  const Site *S = nullptr;
  Chain Path;
  unsigned Pos = 0;
};

struct CallF {
  std::string Callee, Name;
  std::optional<PathK> This;
  std::vector<std::optional<PathK>> Args;
  std::vector<PathK> Locks;
  unsigned Pos = 0, Start = 0;
  bool Loop = false;
  Location Loc;
};

struct SpawnF {
  std::string Entry, Name, Kind;
  bool Lambda = false, Functor = false, Multi = false, Detached = false;
  std::optional<PathK> This;
  std::optional<PathK> Handle; ///< where the thread is kept, if not a local
  std::vector<std::optional<PathK>> Args;
  unsigned Pos = 0, Start = 0, End = Open;
  Location Loc;
};

struct JoinF {
  PathK Handle;
  unsigned Pos = 0;
};

struct FnF {
  std::string Usr, Name;
  bool Lambda = false, Structor = false;
  /// Methods: the class's USR, "public"/"protected"/"private", and
  /// "ctor"/"dtor"/"static"/"method".
  std::string Class, Access, Kind;
  Location Loc;
  std::string ParamKinds;
  std::vector<Acc> Direct;
  std::vector<CallF> Calls;
  std::vector<SpawnF> Spawns;
  std::vector<JoinF> Joins;
};

struct ThreadCtx {
  std::vector<Acc> Accs;
  unsigned Pos = 0, Start = 0, End = Open;
  bool Multi = false;
  std::string Label;
  bool FromCall = false;
  std::optional<PathK> Handle; ///< as seen from the summarised function
  const SpawnF *Origin = nullptr;
};

struct Summary {
  std::vector<Acc> Body;
  std::vector<ThreadCtx> Threads; ///< own spawns and, FromCall, callees' open
  /// Joins of handles that outlive the function, its own and its callees'
  /// (at the call).
  std::vector<JoinF> Joins;
  bool Computing = false, Done = false;
};

std::string normalise(std::string P) {
  for (size_t I; (I = P.find("*.")) != std::string::npos;)
    P.erase(I, 1);
  return P;
}

PathK rebase(const PathK &Base, const std::string &Rest) {
  PathK Out = Base;
  std::string R = Rest;
  if (!R.empty() && R[0] == '*')
    R.erase(0, 1);
  Out.Path = normalise(Base.Path + R);
  return Out;
}

std::string parentPath(const std::string &Path) {
  size_t Dot = Path.rfind('.');
  return Dot == std::string::npos ? std::string() : Path.substr(0, Dot);
}

std::string lockName(const std::string &Guard) {
  if (Guard.rfind("G:", 0) == 0) {
    size_t At = Guard.rfind('@');
    return At == std::string::npos ? Guard.substr(2) : Guard.substr(At + 1);
  }
  return Guard[0] == '.' ? Guard.substr(1) : Guard;
}

class Merger {
public:
  explicit Merger(const RaceMergeOptions &Opts) : Opts(Opts) {}

  /// Reads one unit's section; \p Own names the symbols it keeps apart
  /// from other units' (the units read before take precedence for the
  /// functions both define, inline or templated).
  void load(const json::Value &V, OwnCopies Own) {
    const json::Object *U = V.getAsObject();
    if (!U)
      return;
    Own.Shared = &SharedRoots;
    auto readPath = [&](const json::Value *X) {
      return Own.path(fearless::readPath(X));
    };
    std::vector<std::string> Files = fileTable(*U);
    if (const json::Object *G = U->getObject("guards"))
      for (const auto &[K, X] : *G)
        if (auto S = X.getAsString())
          Declared.try_emplace(Own.var(K.str()), Own.root(S->str()));
    const json::Array *Fns = U->getArray("fns");
    if (!Fns)
      return;
    for (const json::Value &FV : *Fns) {
      const json::Object *O = FV.getAsObject();
      if (!O)
        continue;
      auto Usr = O->getString("usr");
      if (!Usr || Usr->empty() || Fns_.count(Own.fn(Usr->str())))
        continue;
      FnF F;
      F.Usr = Own.fn(Usr->str());
      F.Name = O->getString("name").value_or("").str();
      F.Lambda = O->getBoolean("lambda").value_or(false);
      F.Structor = O->getBoolean("structor").value_or(false);
      if (const json::Object *M = O->getObject("method")) {
        // Two programs' classes of one name are two classes: where the
        // class is written tells them apart.
        F.Class = M->getString("class").value_or("").str();
        std::string Where = place(*M, Files);
        if (!Where.empty())
          F.Class += "@" + Where;
        F.Access = M->getString("access").value_or("").str();
        F.Kind = M->getString("kind").value_or("").str();
      }
      if (const json::Array *P = O->getArray("params"))
        for (const json::Value &X : *P)
          F.ParamKinds += X.getAsString() && !X.getAsString()->empty()
                              ? (*X.getAsString())[0]
                              : 'v';
      auto Loc = [&](const json::Object &X) {
        Location L;
        int64_t Fi = X.getInteger("f").value_or(-1);
        if (Fi >= 0 && static_cast<size_t>(Fi) < Files.size())
          L.File = Files[Fi];
        L.Line = X.getInteger("l").value_or(0);
        L.Column = X.getInteger("c").value_or(0);
        return L;
      };
      F.Loc = Loc(*O);
      auto Paths = [&](const json::Array *A) {
        std::vector<PathK> Out;
        if (A)
          for (const json::Value &X : *A)
            if (auto P = readPath(&X))
              Out.push_back(*P);
        return Out;
      };
      auto OptPaths = [&](const json::Array *A) {
        std::vector<std::optional<PathK>> Out;
        if (A)
          for (const json::Value &X : *A)
            Out.push_back(readPath(&X));
        return Out;
      };
      if (const json::Array *A = O->getArray("a"))
        for (const json::Value &X : *A) {
          const json::Object *AO = X.getAsObject();
          if (!AO)
            continue;
          auto P = readPath(AO->get("r"));
          if (!P)
            continue;
          Site &S = Sites.emplace_back();
          S.Loc = Loc(*AO);
          S.Snippet = AO->getString("s").value_or("").str();
          S.Fn = F.Name;
          S.Name = AO->getString("n").value_or("").str();
          S.Decl = Own.var(AO->getString("decl").value_or("").str());
          S.Type = AO->getString("ty").value_or("").str();
          S.Spin = AO->getBoolean("spin").value_or(false);
          S.Write = AO->getBoolean("w").value_or(false);
          S.Structor = F.Structor;
          if (const json::Array *R = AO->getArray("rk"))
            for (const json::Value &RX : *R)
              if (auto RS = RX.getAsString())
                S.RelLocks.push_back(Own.root(RS->str()));
          Acc Ac;
          Ac.P = *P;
          Ac.Write = S.Write;
          Ac.Deref = AO->getBoolean("d").value_or(false);
          Ac.Locks = Paths(AO->getArray("k"));
          Ac.S = &S;
          Ac.Pos = AO->getInteger("pos").value_or(0);
          F.Direct.push_back(std::move(Ac));
        }
      if (const json::Array *A = O->getArray("calls"))
        for (const json::Value &X : *A) {
          const json::Object *CO = X.getAsObject();
          if (!CO)
            continue;
          CallF C;
          C.Callee = Own.fn(CO->getString("callee").value_or("").str());
          C.Name = CO->getString("name").value_or("").str();
          C.This = readPath(CO->get("this"));
          C.Args = OptPaths(CO->getArray("args"));
          C.Locks = Paths(CO->getArray("k"));
          C.Pos = CO->getInteger("pos").value_or(0);
          C.Start = CO->getInteger("start").value_or(C.Pos);
          C.Loop = CO->getBoolean("loop").value_or(false);
          C.Loc = Loc(*CO);
          F.Calls.push_back(std::move(C));
        }
      if (const json::Array *A = O->getArray("spawns"))
        for (const json::Value &X : *A) {
          const json::Object *SO = X.getAsObject();
          if (!SO)
            continue;
          SpawnF S;
          S.Entry = Own.fn(SO->getString("entry").value_or("").str());
          S.Name = SO->getString("name").value_or("").str();
          S.Kind = SO->getString("kind").value_or("").str();
          S.Lambda = SO->getBoolean("lam").value_or(false);
          S.Functor = SO->getBoolean("functor").value_or(false);
          S.Multi = SO->getBoolean("multi").value_or(false);
          S.Detached = SO->getBoolean("detached").value_or(false);
          S.This = readPath(SO->get("this"));
          S.Handle = readPath(SO->get("handle"));
          S.Args = OptPaths(SO->getArray("args"));
          S.Pos = SO->getInteger("pos").value_or(0);
          S.Start = SO->getInteger("start").value_or(S.Pos);
          int64_t End = SO->getInteger("end").value_or(-1);
          S.End = End < 0 ? Open : static_cast<unsigned>(End);
          S.Loc = Loc(*SO);
          F.Spawns.push_back(std::move(S));
        }
      if (const json::Array *A = O->getArray("joins"))
        for (const json::Value &X : *A) {
          const json::Object *JO = X.getAsObject();
          std::optional<PathK> H = JO ? readPath(JO->get("h")) : std::nullopt;
          if (H)
            F.Joins.push_back({*H, static_cast<unsigned>(
                                       JO->getInteger("pos").value_or(0))});
        }
      Fns_.emplace(F.Usr, std::move(F));
    }
  }

  RaceFindings run() {
    inferGuards();
    // Class threads first: a pair they share with a caller's view (main
    // calling start() and push()) is reported in the class's terms.
    detectClasses();
    for (auto &[Usr, F] : Fns_)
      detect(F);
    RaceFindings Out;
    for (auto &[K, F] : Races)
      Out.Races.push_back(std::move(F));
    for (auto &[K, F] : Unguarded)
      Out.Unguarded.push_back(std::move(F));
    return Out;
  }

private:
  // ---- summaries ----------------------------------------------------------
  /// \p P of callee \p G seen from the caller, or nothing when it is
  /// the callee's own (a local, a copy) or cannot be bound.
  std::optional<PathK> bind(const PathK &P, bool Deref, const FnF &G,
                            const std::optional<PathK> &This,
                            const std::vector<std::optional<PathK>> &Args,
                            bool KeepThis) {
    if (P.Root.rfind("G:", 0) == 0)
      return P;
    if (P.Root == "T") {
      if (KeepThis)
        return P;
      if (!This)
        return std::nullopt;
      return rebase(*This, P.Path);
    }
    if (P.Owner != G.Usr)
      return P; // a lambda's capture of its enclosing frame
    if (P.Param < 0 || static_cast<size_t>(P.Param) >= Args.size() ||
        !Args[P.Param])
      return std::nullopt;
    char K = static_cast<size_t>(P.Param) < G.ParamKinds.size()
                 ? G.ParamKinds[P.Param]
                 : 'v';
    if (K == 'p' && P.Path.empty())
      return std::nullopt; // the pointer itself, a copy
    if (K == 'v' && !Deref)
      return std::nullopt;
    if (K == 'r' || K == 'v')
      return PathK{Args[P.Param]->Root, Args[P.Param]->Owner,
                   Args[P.Param]->Param,
                   normalise(Args[P.Param]->Path + P.Path)};
    return rebase(*Args[P.Param], P.Path);
  }

  bool instantiate(const Acc &A, const FnF &G, const std::optional<PathK> &This,
                   const std::vector<std::optional<PathK>> &Args,
                   bool KeepThis, Acc &Out) {
    std::optional<PathK> P = bind(A.P, A.Deref, G, This, Args, KeepThis);
    if (!P)
      return false;
    Out = A;
    Out.P = *P;
    Out.Locks.clear();
    for (const PathK &L : A.Locks)
      if (std::optional<PathK> B = bind(L, true, G, This, Args, KeepThis))
        Out.Locks.push_back(*B);
    Out.Joined.clear();
    for (const PathK &H : A.Joined)
      if (std::optional<PathK> B = bind(H, true, G, This, Args, KeepThis))
        Out.Joined.push_back(*B);
    return true;
  }

  static void capped(std::vector<Acc> &V, Acc A) {
    if (V.size() < MaxAccessesPerSummary)
      V.push_back(std::move(A));
  }

  const Summary &summary(const std::string &Usr, unsigned Depth = 0) {
    static const Summary Empty;
    auto FIt = Fns_.find(Usr);
    if (FIt == Fns_.end() || Depth > 64)
      return Empty;
    Summary &S = Summaries[Usr];
    if (S.Done || S.Computing)
      return S.Done ? S : Empty;
    S.Computing = true;
    const FnF &F = FIt->second;
    std::vector<Acc> Body = F.Direct;
    std::vector<ThreadCtx> Threads;
    std::vector<JoinF> Joins = F.Joins;
    for (const CallF &C : F.Calls) {
      auto GIt = Fns_.find(C.Callee);
      if (GIt == Fns_.end())
        continue;
      const FnF &G = GIt->second;
      const Summary &GS = summary(C.Callee, Depth + 1);
      for (const JoinF &J : GS.Joins)
        if (std::optional<PathK> H =
                bind(J.Handle, true, G, C.This, C.Args, G.Lambda))
          Joins.push_back({*H, C.Pos});
      auto Step = std::make_shared<ChainNode>();
      TraceStep CallStep{"", F.Name, "calls '" + C.Name + "'", C.Loc};
      auto Through = [&](const Acc &A, bool AddLocks, Acc &Out) {
        if (!instantiate(A, G, C.This, C.Args, G.Lambda, Out))
          return false;
        if (AddLocks && !A.InThread)
          Out.Locks.insert(Out.Locks.end(), C.Locks.begin(), C.Locks.end());
        Out.Path = std::make_shared<ChainNode>(ChainNode{CallStep, A.Path});
        Out.Pos = C.Pos;
        return true;
      };
      for (const Acc &A : GS.Body) {
        Acc Out;
        if (Through(A, true, Out))
          capped(Body, std::move(Out));
      }
      for (const ThreadCtx &T : GS.Threads) {
        if (T.End != Open) {
          for (const Acc &A : T.Accs) {
            Acc Out;
            if (Through(A, false, Out))
              capped(Body, std::move(Out));
          }
          continue;
        }
        ThreadCtx U;
        U.Pos = C.Pos;
        U.Start = C.Start;
        U.Multi = T.Multi || C.Loop;
        U.Label = T.Label;
        U.FromCall = true;
        U.Origin = T.Origin;
        if (T.Handle)
          U.Handle = bind(*T.Handle, true, G, C.This, C.Args, G.Lambda);
        for (const Acc &A : T.Accs) {
          Acc Out;
          if (Through(A, false, Out))
            capped(U.Accs, std::move(Out));
        }
        Threads.push_back(std::move(U));
      }
    }
    for (const SpawnF &Sp : F.Spawns) {
      auto EIt = Fns_.find(Sp.Entry);
      ThreadCtx T;
      T.Pos = Sp.Pos;
      T.Start = Sp.Start;
      T.End = Sp.End;
      T.Multi = Sp.Multi && !singleThread(Sp.Name);
      T.Label = "thread '" + Sp.Name + "'";
      T.Handle = Sp.Handle;
      T.Origin = &Sp;
      if (EIt != Fns_.end()) {
        const FnF &E = EIt->second;
        const Summary &ES = summary(Sp.Entry, Depth + 1);
        TraceStep SpawnStep{"", F.Name, "starts thread '" + Sp.Name + "'",
                            Sp.Loc};
        std::optional<PathK> This = Sp.Functor ? std::nullopt : Sp.This;
        auto Add = [&](const Acc &A) {
          Acc Out;
          if (!instantiate(A, E, This, Sp.Args, E.Lambda, Out))
            return;
          Out.InThread = true;
          Out.Path = std::make_shared<ChainNode>(ChainNode{SpawnStep, A.Path});
          Out.Pos = Sp.Pos;
          capped(T.Accs, std::move(Out));
        };
        for (const Acc &A : ES.Body)
          Add(A);
        for (const ThreadCtx &Inner : ES.Threads)
          for (const Acc &A : Inner.Accs)
            Add(A);
      }
      Threads.push_back(std::move(T));
    }
    // A thread kept in a handle that outlives the function (a member) is
    // over at the first later join of that handle, here or in a callee
    // (`w.start(); ...; w.stop();`).
    for (ThreadCtx &T : Threads)
      if (T.End == Open && T.Handle)
        for (const JoinF &J : Joins)
          if (J.Pos > T.Pos && J.Pos < T.End &&
              J.Handle.key() == T.Handle->key())
            T.End = J.Pos;
    for (Acc &A : Body)
      for (const JoinF &J : Joins)
        if (J.Pos < A.Pos)
          A.Joined.push_back(J.Handle);
    dedupe(Body);
    for (ThreadCtx &T : Threads)
      dedupe(T.Accs);
    S.Body = std::move(Body);
    S.Threads = std::move(Threads);
    S.Joins = std::move(Joins);
    S.Computing = false;
    S.Done = true;
    return S;
  }

  static std::string lockKey(const std::vector<PathK> &Locks) {
    std::vector<std::string> K;
    for (const PathK &L : Locks)
      K.push_back(L.key());
    std::sort(K.begin(), K.end());
    K.erase(std::unique(K.begin(), K.end()), K.end());
    std::string Out;
    for (const std::string &S : K)
      Out += S + ";";
    return Out;
  }

  static void dedupe(std::vector<Acc> &V) {
    std::set<std::tuple<std::string, const Site *, bool, std::string,
                        std::string>>
        Seen;
    std::vector<Acc> Out;
    for (Acc &A : V)
      if (Seen.insert({A.P.key(), A.S, A.InThread, lockKey(A.Locks),
                       lockKey(A.Joined)})
              .second)
        Out.push_back(std::move(A));
    V = std::move(Out);
  }

  bool singleThread(const std::string &Name) const {
    return std::find(Opts.SingleThreadFunctions.begin(),
                     Opts.SingleThreadFunctions.end(),
                     Name) != Opts.SingleThreadFunctions.end();
  }

  bool synchronized(const Acc &A) const {
    return !A.S->Type.empty() &&
           std::find(Opts.SynchronizedClasses.begin(),
                     Opts.SynchronizedClasses.end(),
                     A.S->Type) != Opts.SynchronizedClasses.end();
  }

  // ---- guards -------------------------------------------------------------
  struct Guard {
    std::string Lock;    ///< ".mu_" (sibling) or "G:<usr>"
    bool Annotated = false;
    const Site *Holder = nullptr; ///< an access that holds it
  };
  std::map<std::string, Guard> Guards;

  void inferGuards() {
    std::map<std::string, std::pair<bool, std::set<std::string>>> Writes;
    std::map<std::string, std::vector<const Site *>> ByDecl;
    for (const Site &S : Sites) {
      if (S.Decl.empty() || S.Structor)
        continue;
      ByDecl[S.Decl].push_back(&S);
      if (!S.Write)
        continue;
      std::set<std::string> Mine(S.RelLocks.begin(), S.RelLocks.end());
      auto [It, Fresh] = Writes.try_emplace(S.Decl, true, Mine);
      if (!Fresh) {
        std::set<std::string> Both;
        for (const std::string &L : It->second.second)
          if (Mine.count(L))
            Both.insert(L);
        It->second.second = std::move(Both);
      }
    }
    for (auto &[Decl, W] : Writes)
      if (!W.second.empty())
        Guards[Decl] = Guard{*W.second.begin(), false, nullptr};
    for (auto &[Decl, Lock] : Declared)
      Guards[Decl] = Guard{Lock, true, nullptr};
    for (auto &[Decl, G] : Guards) {
      for (const Site *S : ByDecl[Decl])
        if (std::find(S->RelLocks.begin(), S->RelLocks.end(), G.Lock) !=
                S->RelLocks.end() &&
            (!G.Holder || (S->Write && !G.Holder->Write) ||
             (S->Write == G.Holder->Write && S->Loc < G.Holder->Loc)))
          G.Holder = S;
    }
  }

  static bool holds(const Acc &A, const std::string &Lock) {
    std::string Want = Lock.rfind("G:", 0) == 0
                           ? Lock + "|"
                           : A.P.Root + "|" + parentPath(A.P.Path) + Lock;
    for (const PathK &L : A.Locks)
      if (L.key() == Want)
        return true;
    return false;
  }

  // ---- detection ----------------------------------------------------------
  struct Ctx {
    const std::vector<Acc> *Accs;
    std::string Label;
    std::map<std::string, std::vector<const Acc *>> ByKey;
  };

  static bool joined(const Acc &A, const PathK &Handle) {
    for (const PathK &H : A.Joined)
      if (H.key() == Handle.key())
        return true;
    return false;
  }

  /// \p A of the spawning function runs while \p T does: after the spawn
  /// (from the start of the loop around a spawn in a loop) and before the
  /// join; inside the call that joins a kept handle, up to the join.
  static bool runsDuring(const Acc &A, const ThreadCtx &T) {
    if (T.Multi ? A.Pos < T.Start : A.Pos <= T.Pos)
      return false;
    return A.Pos < T.End ||
           (A.Pos == T.End && T.Handle && !joined(A, *T.Handle));
  }

  /// With \p During, only the accesses that run while that thread does.
  void index(Ctx &C, const ThreadCtx *During = nullptr) {
    for (const Acc &A : *C.Accs) {
      if (During && !runsDuring(A, *During))
        continue;
      if (synchronized(A))
        continue;
      C.ByKey[A.P.key()].push_back(&A);
    }
  }

  void detect(const FnF &F) {
    const Summary &S = summary(F.Usr);
    if (S.Threads.empty())
      return;
    std::vector<Ctx> Threads;
    for (const ThreadCtx &T : S.Threads) {
      Ctx C{&T.Accs, T.Label, {}};
      index(C);
      Threads.push_back(std::move(C));
    }
    std::string Main = "'" + F.Name + "'";
    for (size_t I = 0; I < S.Threads.size(); ++I) {
      const ThreadCtx &T = S.Threads[I];
      if (T.Multi)
        compare(Threads[I], Threads[I], "another instance of " + T.Label, true);
      for (size_t J = I + 1; J < S.Threads.size(); ++J) {
        const ThreadCtx &U = S.Threads[J];
        if (T.Start < U.End && U.Start < T.End)
          compare(Threads[I], Threads[J], U.Label, false);
      }
      Ctx M{&S.Body, Main, {}};
      index(M, &T);
      compare(Threads[I], M, Main, false);
    }
  }

  /// A thread a method starts on its own object (an entry that gets
  /// `this`) and that outlives the method (kept in a member, detached)
  /// runs concurrently with every method that code outside the class can
  /// call on that object: the public ones, except constructors, static
  /// methods, the thread's own entry (`std::thread(&C::run, this)`) and
  /// the methods that start that thread (their own detect() covers what
  /// follows the spawn), each with what it calls, up to the
  /// point where it joins the thread (stop(), the destructor). Only the
  /// object's own fields are compared; two outside calls are not taken as
  /// concurrent with each other (nothing says the class is shared).
  void detectClasses() {
    std::map<std::string, std::vector<const FnF *>> Methods;
    for (const auto &[Usr, F] : Fns_)
      if (!F.Class.empty() && !F.Lambda)
        Methods[F.Class].push_back(&F);
    for (const auto &[Class, Ms] : Methods) {
      // One context per spawn: where it is spawned directly, else the
      // first method that reaches it through a call.
      std::vector<const ThreadCtx *> Threads;
      std::set<const SpawnF *> Seen;
      for (bool FromCall : {false, true})
        for (const FnF *M : Ms)
          for (const ThreadCtx &T : summary(M->Usr).Threads)
            if (T.FromCall == FromCall && T.End == Open && T.Origin &&
                Seen.insert(T.Origin).second)
              Threads.push_back(&T);
      for (const ThreadCtx *T : Threads) {
        Ctx X{&T->Accs, T->Label, {}};
        index(X);
        for (const FnF *M : Ms)
          if (callableOutside(*M) && M->Usr != T->Origin->Entry &&
              !starts(*M, T->Origin) && !waitsElsewhere(*M, *T))
            compareOutside(X, *M, T->Handle);
      }
    }
  }

  static bool callableOutside(const FnF &M) {
    return M.Access == "public" && M.Kind != "ctor" && M.Kind != "static";
  }

  /// Work the class detached or handed to a pool (no handle to join): its
  /// destructor must wait for it some other way (a condition-variable
  /// handshake, a counter) before the object is freed, so the destructor's
  /// accesses are taken as ordered after it. A thread kept in a member is
  /// compared with the destructor up to its join (for a std::jthread
  /// member, the whole body: the member is joined after it).
  static bool waitsElsewhere(const FnF &M, const ThreadCtx &T) {
    return M.Kind == "dtor" && !T.Handle;
  }

  bool starts(const FnF &M, const SpawnF *Origin) {
    for (const ThreadCtx &T : summary(M.Usr).Threads)
      if (T.Origin == Origin)
        return true;
    return false;
  }

  /// The thread \p X against the accesses to the object's fields that
  /// outside method \p M makes before it joins the thread's \p Handle.
  void compareOutside(const Ctx &X, const FnF &M,
                      const std::optional<PathK> &Handle) {
    TraceStep Entry{"", M.Name,
                    "called from outside the thread through " + M.Name, M.Loc};
    std::vector<Acc> Accs;
    for (const Acc &A : summary(M.Usr).Body) {
      if (A.P.Root != "T" || (Handle && joined(A, *Handle)))
        continue;
      Acc Out = A;
      Out.Path = std::make_shared<ChainNode>(ChainNode{Entry, A.Path});
      Accs.push_back(std::move(Out));
    }
    std::string Label = "'" + M.Name + "'";
    Ctx Y{&Accs, Label, {}};
    index(Y);
    compare(X, Y, Label, false);
  }

  void compare(const Ctx &X, const Ctx &Y, const std::string &YLabel,
               bool Self) {
    for (const auto &[Key, As] : X.ByKey) {
      auto It = Y.ByKey.find(Key);
      if (It == Y.ByKey.end())
        continue;
      for (const Acc *A : As)
        for (const Acc *B : It->second) {
          if (!A->Write && !B->Write)
            continue;
          if (Self && A->S->Fn == B->S->Fn && singleThread(A->S->Fn))
            continue;
          if (commonLock(*A, *B))
            continue;
          found(*A, X.Label, *B, YLabel);
        }
    }
  }

  static bool commonLock(const Acc &A, const Acc &B) {
    for (const PathK &L : A.Locks)
      for (const PathK &M : B.Locks)
        if (L.key() == M.key())
          return true;
    return false;
  }

  static std::string where(const Location &L) {
    return llvm::sys::path::filename(L.File).str() + ":" +
           std::to_string(L.Line);
  }

  static std::vector<TraceStep> trace(const Acc &A, const std::string &Label) {
    std::vector<TraceStep> Out;
    for (const ChainNode *N = A.Path.get(); N; N = N->Next.get()) {
      TraceStep S = N->Step;
      S.Thread = Label;
      Out.push_back(S);
    }
    Out.push_back({Label, A.S->Fn,
                   std::string(A.Write ? "writes '" : "reads '") + A.S->Name +
                       "'",
                   A.S->Loc});
    return Out;
  }

  void found(const Acc &A0, const std::string &LA0, const Acc &B0,
             const std::string &LB0) {
    auto GIt = Guards.find(A0.S->Decl);
    if (GIt != Guards.end() && !A0.S->Decl.empty()) {
      unguarded(A0, LA0, B0, GIt->second);
      unguarded(B0, LB0, A0, GIt->second);
      return;
    }
    // The primary access: a spinning read, else a write, else the first.
    const Acc *A = &A0, *B = &B0;
    std::string LA = LA0, LB = LB0;
    auto Swap = [&] {
      std::swap(A, B);
      std::swap(LA, LB);
    };
    bool Spin = (A->S->Spin && !A->Write && B->Write) ||
                (B->S->Spin && !B->Write && A->Write);
    if (Spin) {
      if (!(A->S->Spin && !A->Write))
        Swap();
    } else if (!A->Write || (B->Write && B->S->Loc < A->S->Loc)) {
      Swap();
    }
    std::pair<std::string, std::string> Key{
        where(A->S->Loc) + ":" + std::to_string(A->S->Loc.Column),
        where(B->S->Loc) + ":" + std::to_string(B->S->Loc.Column)};
    if (Key.second < Key.first)
      std::swap(Key.first, Key.second);
    std::string K = A->S->Loc.File + Key.first + "|" + Key.second + "|" +
                    A->P.key();
    std::string SiteKey = Key.first + "|" + Key.second;
    if (!RaceSites.insert(SiteKey).second)
      return;
    Finding F;
    F.CheckId = "fearless-data-race";
    F.Sev = Severity::Warning;
    F.Loc = A->S->Loc;
    F.Scope = A->S->Fn;
    F.Snippet = A->S->Snippet;
    std::string Name = "'" + A->S->Name + "'";
    if (Spin) {
      F.Message = LA + " spins on the plain flag " + Name + " while " + LB +
                  " writes it at " + where(B->S->Loc) +
                  ": the compiler may hoist the read out of the loop and the "
                  "loop may never end; make the flag std::atomic";
    } else {
      F.Message = "data race on " + Name + ": " +
                  (A->Write ? "written" : "read") + " by " + LA + " while " +
                  LB + (B->Write ? " writes" : " reads") + " it at " +
                  where(B->S->Loc) + ", with no lock held in common";
    }
    F.Related.push_back({B->S->Loc, std::string("the other access (") +
                                        (B->Write ? "write" : "read") +
                                        ") by " + LB});
    F.Trace = trace(*A, LA);
    std::vector<TraceStep> TB = trace(*B, LB);
    F.Trace.insert(F.Trace.end(), TB.begin(), TB.end());
    Races.emplace(K, std::move(F));
  }

  void unguarded(const Acc &A, const std::string &LA, const Acc &B,
                 const Guard &G) {
    if (holds(A, G.Lock))
      return;
    std::string SiteKey =
        where(A.S->Loc) + ":" + std::to_string(A.S->Loc.Column);
    if (!UnguardedSites.insert(A.S->Loc.File + SiteKey).second)
      return;
    auto SharedIt = SharedRoots.find(G.Lock);
    std::string Lock =
        "'" +
        lockName(SharedIt == SharedRoots.end() ? G.Lock : SharedIt->second) +
        "'";
    Finding F;
    F.CheckId = "fearless-unguarded-access";
    F.Sev = Severity::Warning;
    F.Loc = A.S->Loc;
    F.Scope = A.S->Fn;
    F.Snippet = A.S->Snippet;
    const Site *Cite = holds(B, G.Lock) ? B.S : G.Holder;
    F.Message = "'" + A.S->Name + "' is " +
                (G.Annotated ? "declared guarded_by " + Lock
                             : "written with " + Lock + " held everywhere else") +
                ", but " + (A.Write ? "written" : "read") + " here by " + LA +
                " without it, concurrently with " +
                (B.Write ? "a write" : "a read") + " at " + where(B.S->Loc);
    if (Cite)
      F.Message += "; " + Lock + " is held at " + where(Cite->Loc);
    F.Related.push_back({B.S->Loc, "the concurrent access"});
    if (Cite)
      F.Related.push_back({Cite->Loc, "an access that holds " + Lock});
    F.Trace = trace(A, LA);
    Unguarded.emplace(A.S->Loc.File + SiteKey, std::move(F));
  }

  const RaceMergeOptions &Opts;
  std::deque<Site> Sites;
  std::map<std::string, FnF> Fns_;
  std::map<std::string, std::string> Declared;
  std::map<std::string, std::string> SharedRoots;
  std::map<std::string, Summary> Summaries;
  std::set<std::string> RaceSites, UnguardedSites;
  std::map<std::string, Finding> Races, Unguarded;
};

} // namespace

RaceFindings mergeRaceFacts(llvm::ArrayRef<const json::Value *> Units,
                            const RaceMergeOptions &Opts) {
  auto UnitOf = [](const json::Value *U) {
    return U->getAsObject() ? U->getAsObject()->getString("unit").value_or("")
                            : llvm::StringRef();
  };
  std::vector<const json::Value *> Sorted;
  for (const json::Value *U : Units)
    if (U)
      Sorted.push_back(U);
  std::stable_sort(Sorted.begin(), Sorted.end(),
                   [&](const json::Value *A, const json::Value *B) {
                     return UnitOf(A) < UnitOf(B);
                   });
  std::vector<std::vector<SymbolDefinition>> FnDefs, VarDefs;
  for (const json::Value *U : Sorted) {
    FnDefs.emplace_back();
    VarDefs.emplace_back();
    const json::Object *O = U->getAsObject();
    if (!O)
      continue;
    std::vector<std::string> Files = fileTable(*O);
    if (const json::Array *Fns = O->getArray("fns"))
      for (const json::Value &F : *Fns)
        if (const json::Object *FO = F.getAsObject())
          if (auto Usr = FO->getString("usr"))
            FnDefs.back().push_back({Usr->str(),
                                     FO->getBoolean("strong").value_or(false),
                                     place(*FO, Files)});
    if (const json::Array *Ds = O->getArray("defines"))
      for (const json::Value &D : *Ds)
        if (auto Usr = D.getAsString())
          VarDefs.back().push_back({Usr->str(), true, ""});
  }
  std::vector<std::set<std::string>> FnsOf = ownCopies(FnDefs),
                                     VarsOf = ownCopies(VarDefs);
  Merger M(Opts);
  for (size_t I = 0; I < Sorted.size(); ++I)
    M.load(*Sorted[I], {UnitOf(Sorted[I]).str(), FnsOf[I], VarsOf[I]});
  return M.run();
}

} // namespace fearless
