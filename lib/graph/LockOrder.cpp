#include "graph/LockOrder.h"

#include "core/Facts.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/hawick_circuits.hpp>
#include <boost/graph/strong_components.hpp>

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace fearless {

namespace json = llvm::json;

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

namespace {

json::Value locToJson(const Location &L) {
  return json::Array{L.File, L.Line, L.Column};
}

Location locFromJson(const json::Value *V) {
  Location L;
  const json::Array *A = V ? V->getAsArray() : nullptr;
  if (!A || A->size() != 3)
    return L;
  if (auto F = (*A)[0].getAsString())
    L.File = F->str();
  L.Line = static_cast<unsigned>((*A)[1].getAsInteger().value_or(0));
  L.Column = static_cast<unsigned>((*A)[2].getAsInteger().value_or(0));
  return L;
}

json::Value siteToJson(const SiteFact &S) {
  return json::Object{{"loc", locToJson(S.Loc)}, {"text", S.Text}};
}

SiteFact siteFromJson(const json::Object *O) {
  SiteFact S;
  if (!O)
    return S;
  S.Loc = locFromJson(O->get("loc"));
  if (auto T = O->getString("text"))
    S.Text = T->str();
  return S;
}

std::string str(const json::Object *O, llvm::StringRef K) {
  if (!O)
    return "";
  auto S = O->getString(K);
  return S ? S->str() : std::string();
}

json::Value refToJson(const LockRef &R) {
  json::Object O{{"base", R.Base},       {"path", R.Path},
                 {"node", R.Node},       {"name", R.Name},
                 {"spelled", R.Spelled}};
  if (R.Recursive)
    O["recursive"] = true;
  return O;
}

LockRef refFromJson(const json::Value *V) {
  LockRef R;
  const json::Object *O = V ? V->getAsObject() : nullptr;
  R.Base = str(O, "base");
  R.Path = str(O, "path");
  R.Node = str(O, "node");
  R.Name = str(O, "name");
  R.Spelled = str(O, "spelled");
  R.Recursive = O && O->getBoolean("recursive").value_or(false);
  return R;
}

json::Value heldToJson(const std::vector<HeldFact> &H) {
  json::Array A;
  for (const HeldFact &F : H)
    A.push_back(json::Object{{"lock", refToJson(F.Lock)},
                             {"acquired", locToJson(F.Acquired)}});
  return A;
}

std::vector<HeldFact> heldFromJson(const json::Array *A) {
  std::vector<HeldFact> Out;
  if (!A)
    return Out;
  for (const json::Value &V : *A) {
    const json::Object *O = V.getAsObject();
    if (!O)
      continue;
    Out.push_back({refFromJson(O->get("lock")), locFromJson(O->get("acquired"))});
  }
  return Out;
}

const json::Array *arr(const json::Object *O, llvm::StringRef K) {
  return O ? O->getArray(K) : nullptr;
}

} // namespace

json::Value lockOrderToJson(const LockOrderFacts &F) {
  json::Array Fns;
  for (const FunctionFacts &Fn : F.Functions) {
    json::Array Acqs;
    for (const AcquireFact &A : Fn.Acquires) {
      json::Array Locks;
      for (const LockRef &R : A.Locks)
        Locks.push_back(refToJson(R));
      json::Object O{{"locks", std::move(Locks)},
                     {"site", siteToJson(A.Site)},
                     {"held", heldToJson(A.Held)}};
      if (A.Try)
        O["try"] = true;
      Acqs.push_back(std::move(O));
    }
    json::Array Calls;
    for (const CallFact &C : Fn.Calls) {
      json::Array Args;
      for (const LockRef &R : C.Args)
        Args.push_back(refToJson(R));
      json::Object O{{"callee", C.Callee},
                     {"name", C.CalleeName},
                     {"site", siteToJson(C.Site)},
                     {"held", heldToJson(C.Held)},
                     {"args", std::move(Args)}};
      if (C.HasObject)
        O["object"] = refToJson(C.Object);
      if (C.Lambda)
        O["lambda"] = true;
      Calls.push_back(std::move(O));
    }
    json::Array Spawns;
    for (const SpawnFact &Sp : Fn.Spawns)
      Spawns.push_back(json::Object{{"entry", Sp.Entry},
                                    {"name", Sp.EntryName},
                                    {"site", siteToJson(Sp.Site)}});
    json::Array Ordered;
    for (const auto &[A, B] : Fn.Ordered)
      Ordered.push_back(json::Array{A, B});
    Fns.push_back(json::Object{{"usr", Fn.Usr},
                               {"name", Fn.Name},
                               {"strong", Fn.Strong},
                               {"acquires", std::move(Acqs)},
                               {"calls", std::move(Calls)},
                               {"spawns", std::move(Spawns)},
                               {"ordered", std::move(Ordered)}});
  }
  json::Array Decl;
  for (const DeclaredOrder &D : F.Declared)
    Decl.push_back(json::Object{{"before", refToJson(D.Before)},
                                {"after", refToJson(D.After)},
                                {"site", siteToJson(D.Site)}});
  json::Array Defines;
  for (const std::string &D : F.Defines)
    Defines.push_back(D);
  return json::Object{{"unit", F.Unit},
                      {"functions", std::move(Fns)},
                      {"declared", std::move(Decl)},
                      {"defines", std::move(Defines)}};
}

bool lockOrderFromJson(const json::Value &V, LockOrderFacts &Out) {
  const json::Object *Root = V.getAsObject();
  if (!Root)
    return false;
  LockOrderFacts F;
  if (const json::Array *Fns = arr(Root, "functions"))
    for (const json::Value &FV : *Fns) {
      const json::Object *O = FV.getAsObject();
      if (!O)
        continue;
      FunctionFacts Fn;
      Fn.Usr = str(O, "usr");
      Fn.Name = str(O, "name");
      Fn.Strong = O->getBoolean("strong").value_or(false);
      if (const json::Array *As = arr(O, "acquires"))
        for (const json::Value &AV : *As) {
          const json::Object *AO = AV.getAsObject();
          if (!AO)
            continue;
          AcquireFact A;
          if (const json::Array *Ls = arr(AO, "locks"))
            for (const json::Value &L : *Ls)
              A.Locks.push_back(refFromJson(&L));
          A.Site = siteFromJson(AO->getObject("site"));
          A.Held = heldFromJson(arr(AO, "held"));
          A.Try = AO->getBoolean("try").value_or(false);
          Fn.Acquires.push_back(std::move(A));
        }
      if (const json::Array *Cs = arr(O, "calls"))
        for (const json::Value &CV : *Cs) {
          const json::Object *CO = CV.getAsObject();
          if (!CO)
            continue;
          CallFact C;
          C.Callee = str(CO, "callee");
          C.CalleeName = str(CO, "name");
          C.Site = siteFromJson(CO->getObject("site"));
          C.Held = heldFromJson(arr(CO, "held"));
          if (const json::Array *As = arr(CO, "args"))
            for (const json::Value &A : *As)
              C.Args.push_back(refFromJson(&A));
          if (const json::Value *Obj = CO->get("object")) {
            C.HasObject = true;
            C.Object = refFromJson(Obj);
          }
          C.Lambda = CO->getBoolean("lambda").value_or(false);
          Fn.Calls.push_back(std::move(C));
        }
      if (const json::Array *Ss = arr(O, "spawns"))
        for (const json::Value &SV : *Ss) {
          const json::Object *SO = SV.getAsObject();
          if (!SO)
            continue;
          Fn.Spawns.push_back({str(SO, "entry"), str(SO, "name"),
                               siteFromJson(SO->getObject("site"))});
        }
      if (const json::Array *Os = arr(O, "ordered"))
        for (const json::Value &P : *Os)
          if (const json::Array *PA = P.getAsArray(); PA && PA->size() == 2)
            Fn.Ordered.push_back({(*PA)[0].getAsString().value_or("").str(),
                                  (*PA)[1].getAsString().value_or("").str()});
      F.Functions.push_back(std::move(Fn));
    }
  F.Unit = str(Root, "unit");
  if (const json::Array *Ds = arr(Root, "defines"))
    for (const json::Value &D : *Ds)
      if (auto S = D.getAsString())
        F.Defines.push_back(S->str());
  if (const json::Array *Ds = arr(Root, "declared"))
    for (const json::Value &DV : *Ds) {
      const json::Object *O = DV.getAsObject();
      if (!O)
        continue;
      DeclaredOrder D;
      D.Before = refFromJson(O->get("before"));
      D.After = refFromJson(O->get("after"));
      D.Site = siteFromJson(O->getObject("site"));
      F.Declared.push_back(std::move(D));
    }
  Out = std::move(F);
  return true;
}

//===----------------------------------------------------------------------===//
// Composition over the call graph
//===----------------------------------------------------------------------===//

namespace {

struct Hop {
  std::string Function;
  Location Loc;
  std::string Message;
};

/// A lock a function acquires, itself or in a callee.
struct Acquired {
  LockRef Lock;
  std::vector<Hop> Chain; ///< from the function's own site to the lock
  bool Try = false;
};

/// "To acquired while From held", seen in function Holder.
struct Witness {
  std::string Holder;
  std::string HolderUsr;
  LockRef From, To;
  Location HeldAt;
  /// The function that acquired From at HeldAt, and how it spells it
  /// (a witness renamed into a caller keeps the callee's words).
  std::string HeldIn, HeldSpelled;
  SiteFact Site;
  std::vector<Hop> Chain;
  std::set<std::string> Others; ///< nodes also held: gate candidates
  bool Declared = false;
};

bool localBase(const LockRef &R) { return R.Base.compare(0, 2, "l:") == 0; }
bool paramBase(const LockRef &R) { return R.Base.compare(0, 2, "p:") == 0; }

std::string join(const std::string &A, const std::string &B) {
  if (A.empty())
    return B;
  if (B.empty())
    return A;
  return A + "." + B;
}

bool witnessLess(const Witness &A, const Witness &B) {
  auto Key = [](const Witness &W) {
    return std::make_tuple(W.Site.Loc.File, W.Site.Loc.Line,
                           W.Site.Loc.Column, W.Chain.size(), W.HeldAt.File,
                           W.HeldAt.Line, W.Holder);
  };
  if (A.Declared != B.Declared)
    return !A.Declared; // a real acquisition explains better
  return Key(A) < Key(B);
}

class Composer {
public:
  explicit Composer(llvm::ArrayRef<LockOrderFacts> Units) {
    for (const LockOrderFacts &U : Units)
      for (const FunctionFacts &F : U.Functions)
        // One definition per USR (inline functions appear in every unit
        // that includes them); units arrive sorted, so the choice is
        // stable.
        Functions.try_emplace(F.Usr, &F);
    for (const auto &[Usr, F] : Functions)
      for (const CallFact &C : F->Calls)
        Called.insert(C.Callee);
  }

  /// Every witness of an order between two concrete locks.
  std::vector<Witness> run() {
    for (const auto &[Usr, F] : Functions)
      compute(*F);
    // A function nobody calls decides its own argument-order pairs.
    for (const auto &[Usr, F] : Functions)
      if (!Called.count(Usr))
        for (const Witness &W : Summaries[Usr].Open)
          if (!W.From.open() && !W.To.open())
            close(*F, W);
    return std::move(Closed);
  }

private:
  struct Summary {
    std::vector<Acquired> Acq;
    std::vector<Witness> Open;
    bool Busy = false, Done = false;
  };

  static std::set<std::string> othersOf(const std::vector<HeldFact> &Held,
                                        const LockRef &Except) {
    std::set<std::string> Out;
    for (const HeldFact &H : Held)
      if (!H.Lock.open() && !localBase(H.Lock) &&
          !H.Lock.sameInstance(Except))
        Out.insert(H.Lock.Node);
    return Out;
  }

  static bool reentry(const std::vector<HeldFact> &Held, const LockRef &L) {
    for (const HeldFact &H : Held)
      if (H.Lock.sameInstance(L))
        return true;
    return false;
  }

  static std::optional<LockRef> rebase(const LockRef &R, const CallFact &C) {
    if (R.Base.compare(0, 2, "g:") == 0)
      return R;
    if (R.Base == "this") {
      if (C.Lambda)
        return R;
      // A local object's locks are fresh per call: they order nothing
      // against the caller's.
      if (!C.HasObject || C.Object.Base.empty() || localBase(C.Object))
        return std::nullopt;
      LockRef Out = R;
      Out.Base = C.Object.Base;
      Out.Path = join(C.Object.Path, R.Path);
      Out.Spelled = join(C.Object.Spelled, R.Path);
      return Out;
    }
    if (paramBase(R)) {
      unsigned Index = static_cast<unsigned>(std::stoul(R.Base.substr(2)));
      if (Index >= C.Args.size() || C.Args[Index].Base.empty())
        return std::nullopt;
      const LockRef &Arg = C.Args[Index];
      if (R.Path.empty()) {
        if (Arg.Node.empty())
          return std::nullopt;
        return Arg;
      }
      LockRef Out = R;
      Out.Base = Arg.Base;
      Out.Path = join(Arg.Path, R.Path);
      Out.Spelled = join(Arg.Spelled, R.Path);
      return Out;
    }
    return std::nullopt;
  }


  void addAcquired(Summary &S, Acquired A) {
    for (const Acquired &Old : S.Acq)
      if (Old.Lock.sameInstance(A.Lock) && Old.Try == A.Try)
        return;
    S.Acq.push_back(std::move(A));
  }

  void emit(const FunctionFacts &F, Summary &S, Witness W) {
    if (localBase(W.From) || localBase(W.To))
      return;
    if (W.From.sameInstance(W.To))
      return;
    if (W.From.open() || W.To.open()) {
      S.Open.push_back(std::move(W));
      return;
    }
    // Two instances of one member reached through parameters: which
    // objects they are is the callers' business.
    if (W.From.Node == W.To.Node && paramBase(W.From) && paramBase(W.To)) {
      S.Open.push_back(std::move(W));
      return;
    }
    close(F, W);
  }

  void close(const FunctionFacts &F, const Witness &W) {
    if (W.From.Node == W.To.Node) {
      if (W.From.sameInstance(W.To))
        return;
      for (const auto &[A, B] : F.Ordered)
        if ((A == W.From.Base && B == W.To.Base) ||
            (A == W.To.Base && B == W.From.Base))
          return;
    }
    Closed.push_back(W);
  }

  /// One witness per lock in \p Held for \p To, acquired at \p Site
  /// (directly, or at the end of \p Chain); a lock already held is
  /// re-entry and orders nothing.
  void acquiredWhileHeld(const FunctionFacts &F, Summary &S,
                         const std::vector<HeldFact> &Held, const LockRef &To,
                         const SiteFact &Site, const std::vector<Hop> &Chain) {
    if (reentry(Held, To))
      return;
    for (const HeldFact &H : Held) {
      Witness W;
      W.Holder = F.Name;
      W.HolderUsr = F.Usr;
      W.From = H.Lock;
      W.To = To;
      W.HeldAt = H.Acquired;
      W.HeldIn = F.Name;
      W.HeldSpelled = H.Lock.Spelled;
      W.Site = Site;
      W.Chain = Chain;
      W.Others = othersOf(Held, H.Lock);
      emit(F, S, std::move(W));
    }
  }

  void compute(const FunctionFacts &F) {
    Summary &S = Summaries[F.Usr];
    if (S.Done || S.Busy)
      return;
    S.Busy = true;
    for (const AcquireFact &A : F.Acquires)
      for (const LockRef &L : A.Locks) {
        if (localBase(L) && L.Path.empty())
          continue;
        std::vector<Hop> Chain{
            {F.Name, A.Site.Loc, "acquires '" + L.Spelled + "'"}};
        addAcquired(S, {L, Chain, A.Try});
        if (!A.Try)
          acquiredWhileHeld(F, S, A.Held, L, A.Site, Chain);
      }
    for (const CallFact &C : F.Calls) {
      auto It = Functions.find(C.Callee);
      if (It == Functions.end())
        continue;
      compute(*It->second);
      const Summary &G = Summaries[C.Callee];
      if (G.Busy && !G.Done)
        continue; // recursion: cut
      Hop Call{F.Name, C.Site.Loc, "calls " + C.CalleeName};
      for (const Acquired &A : G.Acq) {
        std::optional<LockRef> R = rebase(A.Lock, C);
        if (!R)
          continue;
        std::vector<Hop> Chain{Call};
        Chain.insert(Chain.end(), A.Chain.begin(), A.Chain.end());
        addAcquired(S, {*R, Chain, A.Try});
        if (!A.Try)
          acquiredWhileHeld(F, S, C.Held, *R, C.Site, Chain);
      }
      for (const Witness &Inner : G.Open) {
        std::optional<LockRef> From = rebase(Inner.From, C);
        std::optional<LockRef> To = rebase(Inner.To, C);
        if (!From || !To)
          continue;
        Witness W = Inner;
        W.Holder = F.Name;
        W.HolderUsr = F.Usr;
        W.From = *From;
        W.To = *To;
        W.Site = C.Site;
        W.Chain.insert(W.Chain.begin(), Call);
        for (const std::string &N : othersOf(C.Held, *From))
          W.Others.insert(N);
        emit(F, S, std::move(W));
      }
    }
    S.Busy = false;
    S.Done = true;
  }

  std::map<std::string, const FunctionFacts *> Functions;
  std::set<std::string> Called;
  std::map<std::string, Summary> Summaries;
  std::vector<Witness> Closed;
};

//===----------------------------------------------------------------------===//
// The graph and its cycles
//===----------------------------------------------------------------------===//

struct Edge {
  Witness Best;
  std::set<std::string> Gates; ///< held at every witness
  bool Declared = false;       ///< some witness is a declaration
  bool Observed = false;       ///< some witness is an acquisition
};

using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

struct StopSearch {};

struct CircuitCollector {
  std::vector<std::vector<unsigned>> *Out;
  const std::vector<unsigned> *Map; ///< subgraph vertex -> graph vertex
  unsigned *Budget;
  template <typename Path, typename G> void cycle(const Path &P, const G &) {
    if (*Budget == 0)
      throw StopSearch();
    --*Budget;
    std::vector<unsigned> C;
    for (auto V : P)
      C.push_back((*Map)[V]);
    Out->push_back(std::move(C));
  }
};

std::string quoteNames(const std::vector<std::string> &Names) {
  std::string S;
  for (const std::string &N : Names)
    S += "'" + N + "' -> ";
  return S + "'" + Names.front() + "'";
}

std::string dotEscape(const std::string &S) {
  std::string Out;
  for (char C : S) {
    if (C == '"' || C == '\\')
      Out += '\\';
    Out += C;
  }
  return Out;
}

std::string shortLoc(const Location &L) {
  std::string F = L.File;
  size_t Slash = F.rfind('/');
  if (Slash != std::string::npos)
    F = F.substr(Slash + 1);
  return F + ":" + std::to_string(L.Line);
}

/// Related notes explaining one edge, numbered "edge I of K".
void explainEdge(const Edge &E, const std::string &Prefix,
                 const std::string &FromName, const std::string &ToName,
                 std::vector<RelatedLocation> &Notes) {
  const Witness &W = E.Best;
  if (W.Declared) {
    Notes.push_back({W.Site.Loc, Prefix + "'" + FromName +
                                     "' is declared to be acquired before '" +
                                     ToName + "'"});
    return;
  }
  Notes.push_back({W.HeldAt, Prefix + "'" + W.HeldSpelled +
                                 "' acquired here in " + W.HeldIn});
  for (size_t I = 0; I < W.Chain.size(); ++I) {
    const Hop &H = W.Chain[I];
    std::string Msg = H.Function + " " + H.Message;
    if (I + 1 == W.Chain.size())
      Msg += " while '" + W.HeldSpelled + "' is held";
    Notes.push_back({H.Loc, Prefix + Msg});
  }
}

/// Gives each unit its own copy of the symbols that several programs of
/// one compilation database define (see ownCopies).
std::vector<LockOrderFacts> separatePrograms(llvm::ArrayRef<LockOrderFacts> In) {
  std::vector<std::vector<SymbolDefinition>> FnDefs, VarDefs;
  for (const LockOrderFacts &U : In) {
    FnDefs.emplace_back();
    for (const FunctionFacts &F : U.Functions)
      FnDefs.back().push_back({F.Usr, F.Strong, ""});
    VarDefs.emplace_back();
    for (const std::string &D : U.Defines)
      VarDefs.back().push_back({D, true, ""});
  }
  std::vector<std::set<std::string>> FnsOf = ownCopies(FnDefs),
                                     VarsOf = ownCopies(VarDefs);
  std::vector<LockOrderFacts> Out(In.begin(), In.end());
  for (size_t I = 0; I < Out.size(); ++I) {
    LockOrderFacts &U = Out[I];
    const std::set<std::string> &Fns = FnsOf[I], &Vars = VarsOf[I];
    if (Fns.empty() && Vars.empty())
      continue;
    auto Own = [&](std::string &Usr) { Usr = ownCopy(Usr, U.Unit); };
    auto Ref = [&](LockRef &R) {
      if (Vars.count(R.Node)) {
        if (R.Base == "g:" + R.Node)
          Own(R.Base);
        Own(R.Node);
      } else if (R.Base.compare(0, 2, "g:") == 0 &&
                 Vars.count(R.Base.substr(2))) {
        Own(R.Base); // a member of a global object
      }
    };
    auto Held = [&](std::vector<HeldFact> &H) {
      for (HeldFact &X : H)
        Ref(X.Lock);
    };
    for (FunctionFacts &F : U.Functions) {
      if (Fns.count(F.Usr))
        Own(F.Usr);
      for (AcquireFact &A : F.Acquires) {
        for (LockRef &L : A.Locks)
          Ref(L);
        Held(A.Held);
      }
      for (CallFact &C : F.Calls) {
        if (Fns.count(C.Callee))
          Own(C.Callee);
        Held(C.Held);
        Ref(C.Object);
        for (LockRef &A : C.Args)
          Ref(A);
      }
      for (SpawnFact &Sp : F.Spawns)
        if (Fns.count(Sp.Entry))
          Own(Sp.Entry);
    }
    for (DeclaredOrder &D : U.Declared) {
      Ref(D.Before);
      Ref(D.After);
    }
  }
  return Out;
}

/// Which threads can run each function: the entry points of the threads
/// the program starts, with what each reaches through calls.
class ThreadEntries {
public:
  explicit ThreadEntries(llvm::ArrayRef<LockOrderFacts> Units) {
    std::map<std::string, const FunctionFacts *> Fns;
    for (const LockOrderFacts &U : Units)
      for (const FunctionFacts &F : U.Functions)
        Fns.try_emplace(F.Usr, &F);
    std::vector<std::pair<std::string, RelatedLocation>> Entries;
    for (const auto &[Usr, F] : Fns)
      for (const SpawnFact &Sp : F->Spawns)
        Entries.push_back(
            {Sp.Entry, {Sp.Site.Loc, "the thread started here, running " +
                                         Sp.EntryName}});
    for (const auto &[Entry, Note] : Entries) {
      // Breadth-first over the calls, each function once per entry.
      std::set<std::string> Seen{Entry};
      std::vector<std::string> Work{Entry};
      while (!Work.empty()) {
        std::string U = Work.back();
        Work.pop_back();
        Reach[U].push_back(Note);
        auto It = Fns.find(U);
        if (It == Fns.end())
          continue;
        for (const CallFact &C : It->second->Calls)
          if (Seen.insert(C.Callee).second)
            Work.push_back(C.Callee);
      }
    }
    for (auto &[U, Notes] : Reach)
      std::sort(Notes.begin(), Notes.end(),
                [](const RelatedLocation &A, const RelatedLocation &B) {
                  return std::tie(A.Loc, A.Message) <
                         std::tie(B.Loc, B.Message);
                });
  }

  /// Notes naming the threads that can run \p Usr (at most three; code
  /// reached from no thread start is left unexplained).
  void explain(const std::string &Usr, const std::string &Prefix,
               std::vector<RelatedLocation> &Out) const {
    auto It = Reach.find(Usr);
    if (It == Reach.end())
      return;
    size_t N = 0;
    for (const RelatedLocation &R : It->second) {
      if (++N > 3)
        break;
      Out.push_back({R.Loc, Prefix + "can run on " + R.Message});
    }
  }

private:
  std::map<std::string, std::vector<RelatedLocation>> Reach;
};

} // namespace

void findLockOrderCycles(llvm::ArrayRef<LockOrderFacts> Units,
                         const LockOrderOptions &Opts,
                         std::vector<Finding> &Out, std::string *Dot) {
  std::vector<LockOrderFacts> Separated = separatePrograms(Units);
  Units = Separated;
  std::vector<Witness> Witnesses = Composer(Units).run();
  ThreadEntries Threads(Units);
  for (const LockOrderFacts &U : Units)
    for (const DeclaredOrder &D : U.Declared) {
      Witness W;
      W.From = D.Before;
      W.To = D.After;
      W.Site = D.Site;
      W.Declared = true;
      Witnesses.push_back(std::move(W));
    }

  // Nodes, numbered in name order.
  std::map<std::string, std::string> NameOf; // node -> name
  for (const Witness &W : Witnesses)
    for (const LockRef *R : {&W.From, &W.To}) {
      auto [It, New] = NameOf.try_emplace(R->Node, R->Name);
      if (!New && R->Name < It->second)
        It->second = R->Name;
    }
  std::vector<std::pair<std::string, std::string>> Order; // (name, node)
  for (const auto &[Node, Name] : NameOf)
    Order.push_back({Name, Node});
  std::sort(Order.begin(), Order.end());
  std::map<std::string, unsigned> Index;
  for (unsigned I = 0; I < Order.size(); ++I)
    Index[Order[I].second] = I;

  std::map<std::pair<unsigned, unsigned>, Edge> Edges;
  std::map<unsigned, Edge> SelfEdges;
  for (const Witness &W : Witnesses) {
    unsigned A = Index[W.From.Node], B = Index[W.To.Node];
    Edge &E = A == B ? SelfEdges[A] : Edges[{A, B}];
    bool First = !E.Declared && !E.Observed;
    if (First) {
      E.Best = W;
      E.Gates = W.Declared ? std::set<std::string>() : W.Others;
    } else {
      if (witnessLess(W, E.Best))
        E.Best = W;
      std::set<std::string> Keep;
      if (!W.Declared)
        for (const std::string &G : E.Gates)
          if (W.Others.count(G))
            Keep.insert(G);
      E.Gates = std::move(Keep);
    }
    (W.Declared ? E.Declared : E.Observed) = true;
  }

  Graph G(Order.size());
  for (const auto &[AB, E] : Edges)
    boost::add_edge(AB.first, AB.second, G);
  std::vector<int> Component(Order.size());
  int NumComponents =
      Order.empty() ? 0 : boost::strong_components(G, Component.data());
  std::vector<std::vector<unsigned>> Members(NumComponents);
  for (unsigned V = 0; V < Order.size(); ++V)
    Members[Component[V]].push_back(V);
  std::vector<std::vector<unsigned>> Cycles;
  unsigned Budget = Opts.MaxCycles;
  // Components in order of their smallest lock, for a stable budget cut.
  std::sort(Members.begin(), Members.end());
  for (const std::vector<unsigned> &M : Members) {
    if (M.size() < 2 || Budget == 0)
      continue;
    std::map<unsigned, unsigned> Local;
    for (unsigned I = 0; I < M.size(); ++I)
      Local[M[I]] = I;
    Graph Sub(M.size());
    for (const auto &[AB, E] : Edges)
      if (Local.count(AB.first) && Local.count(AB.second))
        boost::add_edge(Local[AB.first], Local[AB.second], Sub);
    CircuitCollector C{&Cycles, &M, &Budget};
    try {
      boost::hawick_unique_circuits(Sub, C);
    } catch (const StopSearch &) {
    }
  }
  std::sort(Cycles.begin(), Cycles.end());

  std::set<std::pair<unsigned, unsigned>> CycleEdges, GatedEdges;
  auto NameAt = [&](unsigned V) { return Order[V].first; };
  for (const std::vector<unsigned> &C : Cycles) {
    size_t K = C.size();
    std::vector<const Edge *> Es;
    std::vector<std::string> Names;
    bool AnyDeclared = false, AllDeclared = true;
    for (size_t I = 0; I < K; ++I) {
      const Edge &E = Edges[{C[I], C[(I + 1) % K]}];
      Es.push_back(&E);
      Names.push_back(NameAt(C[I]));
      AnyDeclared |= E.Declared && !E.Observed;
      AllDeclared &= E.Declared && !E.Observed;
    }
    // A lock held at every edge, outside the cycle, serialises them all.
    std::set<std::string> Gates = Es[0]->Gates;
    for (const Edge *E : Es) {
      std::set<std::string> Keep;
      for (const std::string &Gt : Gates)
        if (E->Gates.count(Gt))
          Keep.insert(Gt);
      Gates = std::move(Keep);
    }
    for (unsigned V : C)
      Gates.erase(Order[V].second);

    Finding F;
    F.CheckId = Opts.CheckId;
    F.Sev = Severity::Warning;
    if (AllDeclared)
      F.Message = "declared lock orders form a cycle " + quoteNames(Names);
    else if (AnyDeclared)
      F.Message = "lock order " + quoteNames(Names) +
                  " contradicts an acquired_before/acquired_after "
                  "declaration: a thread following the declared order can "
                  "deadlock with this one";
    else if (K == 2)
      F.Message = "lock order inversion between '" + Names[0] + "' and '" +
                  Names[1] +
                  "': each is acquired while the other is held, so two "
                  "threads can deadlock";
    else
      F.Message = "lock order cycle " + quoteNames(Names) + ": " +
                  std::to_string(K) + " threads can deadlock";
    const Edge *Primary = Es[0];
    for (const Edge *E : Es)
      if (!E->Best.Declared) {
        Primary = E;
        break;
      }
    F.Loc = Primary->Best.Site.Loc;
    F.Snippet = Primary->Best.Site.Text;
    F.Scope = Primary->Best.Holder;
    for (size_t I = 0; I < K; ++I) {
      std::string Prefix = "edge " + std::to_string(I + 1) + " of " +
                           std::to_string(K) + ": ";
      explainEdge(*Es[I], Prefix, Names[I], Names[(I + 1) % K], F.Related);
      if (!Es[I]->Best.Declared)
        Threads.explain(Es[I]->Best.HolderUsr, Prefix, F.Related);
    }
    // The interleaving that deadlocks, one thread per edge.
    for (size_t I = 0; I < K; ++I) {
      const Witness &W = Es[I]->Best;
      if (W.Declared)
        continue;
      std::string Thread = "thread " + std::to_string(I + 1);
      std::string Next = "thread " + std::to_string((I + 1) % K + 1);
      F.Trace.push_back({Thread, W.HeldIn, "holds '" + Names[I] + "'",
                         W.HeldAt});
      const Hop &Last = W.Chain.back();
      F.Trace.push_back({Thread, Last.Function,
                         "waits for '" + Names[(I + 1) % K] +
                             "', held by " + Next,
                         Last.Loc});
    }
    if (!Gates.empty()) {
      F.Sev = Severity::Note;
      F.Suppression = "every edge is taken while '" + NameOf[*Gates.begin()] +
                      "' is held, so no two threads can interleave them";
    }
    for (size_t I = 0; I < K; ++I)
      (Gates.empty() ? CycleEdges : GatedEdges)
          .insert({C[I], C[(I + 1) % K]});
    Out.push_back(std::move(F));
  }

  // The argument-order pattern: one member of two objects of a class.
  std::set<unsigned> ReportedSelf;
  for (const auto &[V, E] : SelfEdges) {
    const Witness &W = E.Best;
    if (W.Declared)
      continue;
    Finding F;
    F.CheckId = Opts.CheckId;
    F.Sev = Severity::Warning;
    F.Message = "'" + NameAt(V) + "' of two objects is acquired in a fixed "
                "argument order ('" + W.From.Spelled + "', then '" +
                W.To.Spelled +
                "'): a call with the objects swapped can deadlock against "
                "this one; acquire both with std::scoped_lock, or order them";
    F.Loc = W.Site.Loc;
    F.Snippet = W.Site.Text;
    F.Scope = W.Holder;
    explainEdge(E, "", NameAt(V), NameAt(V), F.Related);
    Threads.explain(W.HolderUsr, "", F.Related);
    F.Trace.push_back({"thread 1", W.HeldIn, "holds '" + W.From.Spelled + "'",
                       W.HeldAt});
    F.Trace.push_back({"thread 1", W.Chain.back().Function,
                       "waits for '" + W.To.Spelled + "', held by thread 2",
                       W.Chain.back().Loc});
    F.Trace.push_back({"thread 2", W.HeldIn,
                       "holds '" + W.To.Spelled + "' (the objects swapped)",
                       W.HeldAt});
    F.Trace.push_back({"thread 2", W.Chain.back().Function,
                       "waits for '" + W.From.Spelled + "', held by thread 1",
                       W.Chain.back().Loc});
    if (!E.Gates.empty()) {
      F.Sev = Severity::Note;
      F.Suppression = "every call takes it while '" +
                      NameOf[*E.Gates.begin()] +
                      "' is held, so no two threads can interleave them";
    } else {
      ReportedSelf.insert(V);
    }
    Out.push_back(std::move(F));
  }

  if (!Dot)
    return;
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << "digraph \"lock-order\" {\n"
     << "  graph [rankdir=LR];\n"
     << "  node [shape=box, fontname=\"monospace\"];\n"
     << "  edge [fontname=\"monospace\", fontsize=10];\n";
  for (unsigned I = 0; I < Order.size(); ++I)
    OS << "  n" << I << " [label=\"" << dotEscape(Order[I].first) << "\"];\n";
  auto Label = [](const Edge &E) {
    const Witness &W = E.Best;
    if (W.Declared)
      return "declared at " + shortLoc(W.Site.Loc);
    return W.Holder + " at " + shortLoc(W.Site.Loc);
  };
  for (const auto &[AB, E] : Edges) {
    OS << "  n" << AB.first << " -> n" << AB.second << " [label=\""
       << dotEscape(Label(E)) << "\"";
    if (CycleEdges.count(AB))
      OS << ", color=red, fontcolor=red, penwidth=2";
    else if (GatedEdges.count(AB))
      OS << ", color=orange";
    if (E.Declared && !E.Observed)
      OS << ", style=dashed";
    OS << "];\n";
  }
  for (const auto &[V, E] : SelfEdges) {
    OS << "  n" << V << " -> n" << V << " [label=\"" << dotEscape(Label(E))
       << "\"";
    if (ReportedSelf.count(V))
      OS << ", color=red, fontcolor=red, penwidth=2";
    OS << "];\n";
  }
  OS << "}\n";
  OS.flush();
  *Dot = std::move(S);
}

} // namespace fearless
