//===- RunCommand.cpp - `fearless run` and `fearless report` --------------===//
#include "RunCommand.h"

#include "core/Dot.h"
#include "core/Fingerprint.h"
#include "core/Sarif.h"
#include "core/Writers.h"

#include "llvm/DebugInfo/Symbolize/Symbolize.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fstream>
#include <map>
#include <set>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace fearless::tool {
namespace {

constexpr int ExitClean = 0;
constexpr int ExitFindings = 1;
constexpr int ExitTrouble = 2;

const char *const RunUsage = R"(usage: fearless run [options] [--] CMD ARGS...
  --options OPTS     extra FEARLESS_OPTIONS for the recorder (key=value:...)
  --watchdog MS      live deadlock watchdog period (default 20000, 0 = off)
  --suppressions F   recorder suppressions file
  --json FILE        write the merged JSON report of every process to FILE
  --format FMT       also write the findings as FMT: sarif, json (the shared
                     findings JSON) or dot (the lock-order graph); text (the
                     default) adds only the cycles seen across processes
  -o FILE            write --format output to FILE (default: standard output)
  --source-root DIR  make SARIF/JSON paths relative to DIR
  --keep DIR         keep the per-process JSON reports in DIR
  --runtime LIB      the recorder library (default: found next to fearless)
  -q, --quiet        no summary line
exit status: 1 if any process reported an error-severity finding, else the
program's own exit status; 2 if fearless could not run it
)";

const char *const ReportUsage = R"(usage: fearless report [options] FILE|DIR...
  merges recorder JSON reports (files, or directories of *.json) into one
  lock-order graph and reports the cycles found across processes
  --json FILE        write the merged report to FILE
  --format FMT       text (default, sanitizer style), sarif, json (the shared
                     findings JSON) or dot (the lock-order graph)
  -o FILE            write the report to FILE (default: standard output)
  --source-root DIR  make SARIF/JSON paths relative to DIR
  -q, --quiet        print only findings
exit status: 0 no error-severity finding, 1 findings, 2 unreadable input
)";

bool fileExists(const std::string &P) {
  struct stat St;
  return stat(P.c_str(), &St) == 0 && S_ISREG(St.st_mode);
}

std::string exeDir() {
  char Buf[PATH_MAX];
  ssize_t N = readlink("/proc/self/exe", Buf, sizeof Buf - 1);
  if (N <= 0)
    return ".";
  Buf[N] = 0;
  std::string S(Buf);
  size_t Slash = S.rfind('/');
  return Slash == std::string::npos ? "." : S.substr(0, Slash);
}

std::string findRuntime(const std::string &Override) {
  if (!Override.empty())
    return fileExists(Override) ? Override : "";
  if (const char *E = getenv("FEARLESS_RT"))
    if (fileExists(E))
      return E;
  std::string Dir = exeDir();
  std::vector<std::string> Candidates = {
      Dir + "/../lib/libfearless_rt.so",
      Dir + "/../lib/x86_64-linux-gnu/libfearless_rt.so",
      Dir + "/../lib64/libfearless_rt.so", Dir + "/libfearless_rt.so",
      Dir + "/../lib/runtime/libfearless_rt.so"};
#ifdef FEARLESS_RT_BUILD_PATH
  Candidates.insert(Candidates.begin(), FEARLESS_RT_BUILD_PATH);
#endif
  for (const std::string &C : Candidates)
    if (fileExists(C))
      return C;
  return "";
}

std::string readFile(const std::string &Path, bool &Ok) {
  std::ifstream F(Path);
  Ok = bool(F);
  std::stringstream SS;
  SS << F.rdbuf();
  return SS.str();
}

std::vector<std::string> jsonFilesIn(const std::string &Dir) {
  std::vector<std::string> Out;
  if (DIR *D = opendir(Dir.c_str())) {
    while (dirent *E = readdir(D)) {
      std::string N = E->d_name;
      if (N.size() > 5 && N.compare(N.size() - 5, 5, ".json") == 0)
        Out.push_back(Dir + "/" + N);
    }
    closedir(D);
  }
  std::sort(Out.begin(), Out.end());
  return Out;
}

// ------------------------------------------------------------- merging
struct MEdge {
  std::string From, To;           // lock keys
  std::set<std::string> Threads;  // "pid:thread"
  std::set<std::string> Contexts;
  std::string Site;               // "module+offset" of the first report
  // Code sites of the first report, for symbolization: where `from` was
  // taken and where `to` was taken while `from` was held.
  std::string FromModule, FromOffset;
  std::vector<std::pair<std::string, std::string>> ToSites;  // innermost first
};

struct Merged {
  std::vector<std::string> Inputs;
  std::vector<llvm::json::Value> Findings;     // per-process findings
  std::set<std::string> FindingKeys;           // dedup
  std::map<std::string, std::string> LockNames;  // key -> display name
  std::map<std::pair<std::string, std::string>, MEdge> Edges;
  // Edges of the cycles the processes reported, by lock key, with whether
  // the cycle was error-severity.
  std::map<std::pair<std::string, std::string>, bool> CycleEdges;
  unsigned Processes = 0;
  unsigned Errors = 0;   // error-severity, not suppressed, per-process
};

std::string str(const llvm::json::Object *O, llvm::StringRef K) {
  if (!O)
    return "";
  if (auto S = O->getString(K))
    return S->str();
  return "";
}

bool mergeReport(const std::string &Path, Merged &M, std::string &Err) {
  bool Ok;
  std::string Text = readFile(Path, Ok);
  if (!Ok) {
    Err = "cannot read " + Path;
    return false;
  }
  auto V = llvm::json::parse(Text);
  if (!V) {
    Err = Path + ": " + llvm::toString(V.takeError());
    return false;
  }
  const llvm::json::Object *Root = V->getAsObject();
  if (!Root || str(Root, "format") != "fearless-runtime-report") {
    Err = Path + ": not a fearless runtime report";
    return false;
  }
  ++M.Processes;
  M.Inputs.push_back(Path);
  std::string Pid = std::to_string(Root->getInteger("pid").value_or(0));
  std::string Exe = str(Root, "executable");
  // Lock identity across processes: the name (a global's symbol or an
  // annotation) when there is one, else the address within the executable
  // (which a forked child shares with its parent).
  std::map<int64_t, std::string> KeyOf;
  auto KeyOfLock = [&](const llvm::json::Object *O) {
    std::string Name = str(O, "name");
    std::string Key = Name.empty() ? Exe + "@" + str(O, "address") : Name;
    M.LockNames[Key] = Name.empty() ? str(O, "kind") + " at " + str(O, "address") + " in " + Exe : Name;
    return Key;
  };
  const llvm::json::Object *G = Root->getObject("graph");
  if (const llvm::json::Array *Ls = G ? G->getArray("locks") : nullptr) {
    for (const llvm::json::Value &L : *Ls)
      if (const llvm::json::Object *O = L.getAsObject())
        KeyOf[O->getInteger("id").value_or(0)] = KeyOfLock(O);
  }
  if (const llvm::json::Array *Fs = Root->getArray("findings")) {
    for (const llvm::json::Value &F : *Fs) {
      const llvm::json::Object *O = F.getAsObject();
      if (!O)
        continue;
      const llvm::json::Object *Loc = O->getObject("location");
      std::string Key = str(O, "id") + "|" + str(O, "message") + "|" + str(Loc, "file") + ":" +
                        std::to_string(Loc ? Loc->getInteger("line").value_or(0) : 0);
      if (!M.FindingKeys.insert(Key).second)
        continue;  // a forked child repeats what its parent saw
      llvm::json::Object Copy = *O;
      Copy["pid"] = Root->getInteger("pid").value_or(0);
      Copy["executable"] = Exe;
      bool Suppressed = O->getBoolean("suppressed").value_or(false);
      bool Error = str(O, "severity") == "error";
      if (Error && !Suppressed)
        ++M.Errors;
      // The cycle's edges, by lock key (its locks are listed with it).
      const llvm::json::Array *Locks = O->getArray("locks");
      const llvm::json::Array *Es = O->getArray("edges");
      if (Locks && Es && !Suppressed) {
        std::map<int64_t, std::string> Local;
        for (const llvm::json::Value &L : *Locks)
          if (const llvm::json::Object *LO = L.getAsObject())
            Local[LO->getInteger("id").value_or(0)] = KeyOfLock(LO);
        for (const llvm::json::Value &E : *Es)
          if (const llvm::json::Object *EO = E.getAsObject()) {
            std::pair<std::string, std::string> K{Local[EO->getInteger("from").value_or(0)],
                                                  Local[EO->getInteger("to").value_or(0)]};
            bool &Err = M.CycleEdges[K];
            Err = Err || Error;
          }
      }
      M.Findings.push_back(llvm::json::Value(std::move(Copy)));
    }
  }
  if (!G)
    return true;
  if (const llvm::json::Array *Es = G->getArray("edges")) {
    for (const llvm::json::Value &E : *Es) {
      const llvm::json::Object *O = E.getAsObject();
      if (!O)
        continue;
      std::string From = KeyOf[O->getInteger("from").value_or(0)];
      std::string To = KeyOf[O->getInteger("to").value_or(0)];
      if (From.empty() || To.empty() || From == To)
        continue;
      MEdge &ME = M.Edges[{From, To}];
      ME.From = From;
      ME.To = To;
      if (const llvm::json::Array *Ts = O->getArray("threads"))
        for (const llvm::json::Value &T : *Ts)
          ME.Threads.insert(Pid + ":" + std::to_string(T.getAsInteger().value_or(0)));
      std::string Ctx = str(O, "context");
      if (!Ctx.empty())
        ME.Contexts.insert(Ctx);
      if (ME.Site.empty())
        if (const llvm::json::Object *S = O->getObject("from_site")) {
          ME.Site = str(S, "module") + "+" + str(S, "offset");
          ME.FromModule = str(S, "module");
          ME.FromOffset = str(S, "offset");
          if (const llvm::json::Array *Ts = O->getArray("to_sites"))
            for (const llvm::json::Value &T : *Ts)
              ME.ToSites.push_back({str(T.getAsObject(), "module"), str(T.getAsObject(), "offset")});
        }
    }
  }
  return true;
}

// Cycles of the merged graph: strongly connected components (Tarjan), then
// the shortest cycle through the smallest lock of each component (BFS).
std::vector<std::vector<const MEdge *>> mergedCycles(const Merged &M) {
  std::map<std::string, std::vector<const MEdge *>> Out;
  for (auto &KV : M.Edges)
    Out[KV.second.From].push_back(&KV.second);
  std::map<std::string, int> Index, Low, Comp;
  std::vector<std::string> Stack;
  std::set<std::string> OnStack;
  int Counter = 0, NComp = 0;
  // Iterative Tarjan.
  for (auto &Start : Out) {
    if (Index.count(Start.first))
      continue;
    std::vector<std::pair<std::string, size_t>> Work{{Start.first, 0}};
    Index[Start.first] = Low[Start.first] = Counter++;
    Stack.push_back(Start.first);
    OnStack.insert(Start.first);
    while (!Work.empty()) {
      auto &[V, I] = Work.back();
      auto &Succ = Out[V];
      if (I < Succ.size()) {
        const std::string &W = Succ[I++]->To;
        if (!Index.count(W)) {
          Index[W] = Low[W] = Counter++;
          Stack.push_back(W);
          OnStack.insert(W);
          Work.push_back({W, 0});
        } else if (OnStack.count(W)) {
          Low[V] = std::min(Low[V], Index[W]);
        }
        continue;
      }
      std::string Done = V;
      Work.pop_back();
      if (!Work.empty())
        Low[Work.back().first] = std::min(Low[Work.back().first], Low[Done]);
      if (Low[Done] == Index[Done]) {
        std::string X;
        do {
          X = Stack.back();
          Stack.pop_back();
          OnStack.erase(X);
          Comp[X] = NComp;
        } while (X != Done);
        ++NComp;
      }
    }
  }
  std::map<int, std::vector<std::string>> Members;
  for (auto &KV : Comp)
    Members[KV.second].push_back(KV.first);
  std::vector<std::vector<const MEdge *>> Cycles;
  for (auto &KV : Members) {
    if (KV.second.size() < 2)
      continue;
    const std::string &Root = KV.second.front();  // std::map order: smallest
    int C = KV.first;
    std::map<std::string, const MEdge *> Parent;
    std::deque<std::string> Q{Root};
    std::set<std::string> Seen{Root};
    const MEdge *Closing = nullptr;
    while (!Q.empty() && !Closing) {
      std::string V = Q.front();
      Q.pop_front();
      for (const MEdge *E : Out[V]) {
        if (Comp[E->To] != C)
          continue;
        if (E->To == Root) {
          Closing = E;
          break;
        }
        if (Seen.insert(E->To).second) {
          Parent[E->To] = E;
          Q.push_back(E->To);
        }
      }
    }
    if (!Closing)
      continue;
    std::vector<const MEdge *> Cyc{Closing};
    for (std::string V = Closing->From; V != Root; V = Parent[V]->From)
      Cyc.push_back(Parent[V]);
    std::reverse(Cyc.begin(), Cyc.end());
    Cycles.push_back(Cyc);
  }
  return Cycles;
}

std::string join(const std::set<std::string> &S) {
  std::string R;
  for (const std::string &X : S)
    R += (R.empty() ? "" : ", ") + X;
  return R;
}

// ------------------------------------------- findings model, SARIF, DOT
struct OutputOptions {
  std::string JsonOut;     // --json: the merged runtime report
  std::string Format = "text";
  std::string Output;      // -o; empty: standard output
  std::string SourceRoot;  // --source-root
  bool Quiet = false;
};

#ifndef FEARLESS_HELP_URI_BASE
#define FEARLESS_HELP_URI_BASE ""
#endif
#ifndef FEARLESS_PROJECT_URL
#define FEARLESS_PROJECT_URL ""
#endif

struct RuntimeRule {
  const char *Id;
  Severity Sev;
  const char *Summary;  // verbatim from docs/checks/<id>.md
};

const RuntimeRule RuntimeRules[] = {
    {"fearless-rt-deadlock", Severity::Error,
     "Reports threads that the live watchdog saw blocked in a wait-for cycle for longer than its "
     "period: a real deadlock, diagnosed instead of hanging the job."},
    {"fearless-rt-lock-order-gated", Severity::Warning,
     "Reports a lock-order cycle in which every edge was taken while one common outer (gate) lock "
     "was held, which serialises the cycle so it cannot deadlock."},
    {"fearless-rt-lock-order-inversion", Severity::Error,
     "Reports a cycle in the lock-order graph whose edges were taken by at least two threads, "
     "which can interleave into a deadlock even if this run did not hang."},
    {"fearless-rt-lock-order-ordered", Severity::Warning,
     "Reports a lock-order cycle whose edges were taken by a thread and its descendants at points "
     "ordered by thread creation and join, which cannot deadlock in this program but will if the "
     "code paths run side by side."},
    {"fearless-rt-lock-order-single-thread", Severity::Warning,
     "Reports a lock-order cycle whose edges were all taken by one and the same thread, which "
     "cannot deadlock in this run but will if the code paths move to different threads."},
    {"fearless-rt-thread-exit-holding-lock", Severity::Warning,
     "Reports a thread that exited while still holding locks, which no other thread can then "
     "release."},
};

bool isSystemFile(const std::string &F) {
  return F.empty() || F.compare(0, 13, "/usr/include/") == 0 || F.compare(0, 9, "/usr/lib/") == 0 ||
         F.find("/bits/") != std::string::npos || F.find("/c++/") != std::string::npos ||
         F.find("nptl/") != std::string::npos;
}

struct Frame {
  Location Loc;
  std::string Function;
  bool valid() const { return Loc.valid(); }
};

// The first frame of a recorder stack in the program's own code (the one
// the recorder itself reports); else the first frame with a file.
Frame userFrame(const llvm::json::Array *Stack) {
  Frame Any;
  if (!Stack)
    return Any;
  for (const llvm::json::Value &V : *Stack) {
    const llvm::json::Object *O = V.getAsObject();
    std::string File = str(O, "file");
    if (File.empty())
      continue;
    // The C library and other system libraries (with or without their
    // debug information) are never the program's own code.
    std::string Module = str(O, "module");
    bool SystemModule = Module.compare(0, 5, "/lib/") == 0 || Module.compare(0, 7, "/lib64/") == 0 ||
                        Module.compare(0, 9, "/usr/lib/") == 0;
    Frame F;
    F.Loc.File = File;
    F.Loc.Line = static_cast<unsigned>(O->getInteger("line").value_or(0));
    F.Function = str(O, "function");
    if (!isSystemFile(File) && !SystemModule)
      return F;
    if (!Any.valid())
      Any = F;
  }
  return Any;
}

// Symbolizes code sites ("module", "0x<offset>") of the merged graph, which
// the recorder stores unsymbolized.
class SiteSymbolizer {
public:
  Frame site(const std::string &Module, const std::string &Offset) {
    Frame F;
    if (Module.empty() || Offset.empty())
      return F;
    uint64_t Off = std::strtoull(Offset.c_str(), nullptr, 16);
    if (Off == 0)
      return F;
    auto Key = std::make_pair(Module, Off);
    auto It = Cache.find(Key);
    if (It != Cache.end())
      return It->second;
    // A return address: the call is the byte before it.
    auto Info = Sym.symbolizeInlinedCode(
        Module, {Off - 1, llvm::object::SectionedAddress::UndefSection});
    if (!Info) {
      llvm::consumeError(Info.takeError());
    } else {
      for (uint32_t I = 0; I < Info->getNumberOfFrames(); ++I) {
        const llvm::DILineInfo &L = Info->getFrame(I);
        if (L.FileName == llvm::DILineInfo::BadString || L.Line == 0)
          continue;
        Frame C;
        C.Loc.File = L.FileName;
        C.Loc.Line = L.Line;
        if (L.FunctionName != llvm::DILineInfo::BadString)
          C.Function = L.FunctionName;
        if (!F.valid() || (isSystemFile(F.Loc.File) && !isSystemFile(C.Loc.File)))
          F = C;
      }
    }
    Cache[Key] = F;
    return F;
  }

  // The first of the sites in the program's own code, else the first known.
  Frame firstUser(const std::vector<std::pair<std::string, std::string>> &Sites) {
    Frame Any;
    for (const auto &S : Sites) {
      Frame F = site(S.first, S.second);
      if (F.valid() && !isSystemFile(F.Loc.File))
        return F;
      if (!Any.valid())
        Any = F;
    }
    return Any;
  }

private:
  llvm::symbolize::LLVMSymbolizer Sym;
  std::map<std::pair<std::string, uint64_t>, Frame> Cache;
};

std::string sourceLine(const std::string &File, unsigned Line) {
  if (Line == 0)
    return "";
  std::ifstream In(File);
  std::string Text;
  for (unsigned N = 1; std::getline(In, Text); ++N)
    if (N == Line)
      return Text;
  return "";
}

void setPrimary(Finding &F, const Frame &Fr) {
  F.Loc = Fr.Loc;
  F.Scope = Fr.Function;
  if (Fr.valid())
    F.Snippet = normalizeSnippet(sourceLine(Fr.Loc.File, Fr.Loc.Line));
}

TraceStep step(const std::string &Thread, const Frame &Fr, const std::string &Message) {
  TraceStep S;
  S.Thread = Thread;
  S.Function = Fr.Function;
  S.Message = Message;
  S.Loc = Fr.Loc;
  return S;
}

std::string quoted(const std::string &Name) { return "'" + Name + "'"; }

// The shape of a deadlock: every thread takes its first lock, then every
// thread asks for its second. Only possible when the edges' threads are
// distinct; otherwise (one thread, a gate, ordered edges) the trace is the
// edges in the order of the cycle.
void cycleTrace(Finding &F, const std::vector<std::string> &Threads,
                const std::vector<std::string> &From, const std::vector<std::string> &To,
                const std::vector<Frame> &FromAt, const std::vector<Frame> &ToAt) {
  size_t N = Threads.size();
  std::set<std::string> Distinct(Threads.begin(), Threads.end());
  if (Distinct.size() == N && N > 1) {
    for (size_t I = 0; I < N; ++I)
      F.Trace.push_back(step(Threads[I], FromAt[I], "acquires " + quoted(From[I])));
    for (size_t I = 0; I < N; ++I)
      F.Trace.push_back(step(Threads[I], ToAt[I],
                             "waits for " + quoted(To[I]) + " while holding " + quoted(From[I])));
    return;
  }
  for (size_t I = 0; I < N; ++I) {
    F.Trace.push_back(step(Threads[I], FromAt[I], "acquires " + quoted(From[I])));
    F.Trace.push_back(step(Threads[I], ToAt[I],
                           "acquires " + quoted(To[I]) + " while holding " + quoted(From[I])));
  }
}

void addRelated(Finding &F, const Frame &Fr, const std::string &Message) {
  if (Fr.valid())
    F.Related.push_back({Fr.Loc, Message});
}

// One recorder finding (a process's JSON report) in the shared model.
Finding fromProcessFinding(const llvm::json::Object &O) {
  Finding F;
  F.CheckId = str(&O, "id");
  if (!parseSeverity(str(&O, "severity"), F.Sev))
    F.Sev = Severity::Warning;
  const llvm::json::Object *Loc = O.getObject("location");
  Frame Primary;
  Primary.Loc.File = str(Loc, "file");
  Primary.Loc.Line = Loc ? static_cast<unsigned>(Loc->getInteger("line").value_or(0)) : 0;
  Primary.Function = str(Loc, "function");
  setPrimary(F, Primary);
  std::string Pid = std::to_string(O.getInteger("pid").value_or(0));
  auto Thread = [&](int64_t T) { return "T" + std::to_string(T) + " (pid " + Pid + ")"; };

  if (const llvm::json::Array *Es = O.getArray("edges")) {
    std::map<int64_t, std::string> Names;
    std::string Chain;
    if (const llvm::json::Array *Ls = O.getArray("locks"))
      for (const llvm::json::Value &L : *Ls) {
        const llvm::json::Object *LO = L.getAsObject();
        int64_t Id = LO->getInteger("id").value_or(0);
        std::string Name = str(LO, "name");
        Names[Id] = Name.empty() ? str(LO, "kind") + " M" + std::to_string(Id) : Name;
      }
    std::vector<std::string> Threads, From, To;
    std::vector<Frame> FromAt, ToAt;
    for (const llvm::json::Value &E : *Es) {
      const llvm::json::Object *EO = E.getAsObject();
      Threads.push_back(Thread(EO->getInteger("thread").value_or(0)));
      From.push_back(Names[EO->getInteger("from").value_or(0)]);
      To.push_back(Names[EO->getInteger("to").value_or(0)]);
      FromAt.push_back(userFrame(EO->getArray("from_stack")));
      ToAt.push_back(userFrame(EO->getArray("to_stack")));
      Chain += From.back() + " => ";
    }
    if (!From.empty())
      Chain += From.front();
    F.Message = str(&O, "kind") + " over " + std::to_string(From.size()) + " locks: " + Chain;
    if (const llvm::json::Array *Gs = O.getArray("gates")) {
      std::string Gates;
      for (const llvm::json::Value &G : *Gs)
        Gates += (Gates.empty() ? "" : ", ") + str(G.getAsObject(), "name");
      if (!Gates.empty())
        F.Message += " (gate: " + Gates + ")";
    }
    for (size_t I = 0; I < From.size(); ++I) {
      addRelated(F, ToAt[I], quoted(To[I]) + " acquired while holding " + quoted(From[I]) +
                                 " in thread " + Threads[I]);
      addRelated(F, FromAt[I], quoted(From[I]) + " acquired in thread " + Threads[I] +
                                   ", then held while acquiring " + quoted(To[I]));
    }
    cycleTrace(F, Threads, From, To, FromAt, ToAt);
  } else if (const llvm::json::Array *Ws = O.getArray("waits")) {
    F.Message = str(&O, "message");
    std::vector<std::string> Waiter, Holder, Lock;
    std::vector<Frame> Blocked, Acquired;
    for (const llvm::json::Value &W : *Ws) {
      const llvm::json::Object *WO = W.getAsObject();
      std::string Name = str(WO->getObject("lock"), "name");
      Lock.push_back(Name.empty() ? "lock at " + str(WO->getObject("lock"), "address") : Name);
      Waiter.push_back(Thread(WO->getInteger("thread").value_or(0)));
      Holder.push_back(Thread(WO->getInteger("holder").value_or(0)));
      Blocked.push_back(userFrame(WO->getArray("blocked_at")));
      Acquired.push_back(userFrame(WO->getArray("holder_acquired_at")));
    }
    // Without a user frame where the thread blocked, the finding sits where
    // the lock it waits for was taken by its holder.
    if (!F.Loc.valid())
      for (size_t I = 0; I < Lock.size() && !F.Loc.valid(); ++I)
        setPrimary(F, Blocked[I].valid() && !isSystemFile(Blocked[I].Loc.File) ? Blocked[I] : Acquired[I]);
    for (size_t I = 0; I < Lock.size(); ++I) {
      addRelated(F, Blocked[I], "thread " + Waiter[I] + " blocked waiting for " + quoted(Lock[I]) +
                                    " held by thread " + Holder[I]);
      addRelated(F, Acquired[I], quoted(Lock[I]) + " acquired by thread " + Holder[I]);
    }
    for (size_t I = 0; I < Lock.size(); ++I)
      F.Trace.push_back(step(Holder[I], Acquired[I], "acquires " + quoted(Lock[I])));
    for (size_t I = 0; I < Lock.size(); ++I)
      F.Trace.push_back(step(Waiter[I], Blocked[I],
                             "blocks waiting for " + quoted(Lock[I]) + " held by thread " + Holder[I]));
  } else {
    F.Message = str(&O, "message");
    if (const llvm::json::Array *Hs = O.getArray("held"))
      for (const llvm::json::Value &H : *Hs) {
        const llvm::json::Object *HO = H.getAsObject();
        std::string Name = str(HO, "name");
        addRelated(F, userFrame(HO->getArray("acquired_at")),
                   (Name.empty() ? "lock at " + str(HO, "address") : quoted(Name)) +
                       " acquired here, still held when the thread exited");
      }
  }
  return F;
}

struct MergedCycle {
  std::vector<const MEdge *> Edges;
  std::string Kind, Id, Message;
  bool Error = false;
};

Finding fromMergedCycle(const Merged &M, const MergedCycle &C, SiteSymbolizer &Sym) {
  Finding F;
  F.CheckId = C.Id;
  F.Sev = C.Error ? Severity::Error : Severity::Warning;
  F.Message = C.Message + " (merged graph of " + std::to_string(M.Processes) + " processes)";
  std::vector<std::string> Threads, From, To;
  std::vector<Frame> FromAt, ToAt;
  for (const MEdge *E : C.Edges) {
    std::string T = E->Threads.empty() ? "" : *E->Threads.begin();
    size_t Colon = T.find(':');
    Threads.push_back(Colon == std::string::npos
                          ? T
                          : "T" + T.substr(Colon + 1) + " (pid " + T.substr(0, Colon) + ")");
    From.push_back(M.LockNames.at(E->From));
    To.push_back(M.LockNames.at(E->To));
    FromAt.push_back(Sym.site(E->FromModule, E->FromOffset));
    ToAt.push_back(Sym.firstUser(E->ToSites));
  }
  setPrimary(F, ToAt.empty() ? Frame() : ToAt.front());
  for (size_t I = 0; I < From.size(); ++I)
    addRelated(F, ToAt[I], quoted(To[I]) + " acquired while holding " + quoted(From[I]) +
                               " in thread " + Threads[I]);
  cycleTrace(F, Threads, From, To, FromAt, ToAt);
  return F;
}

std::string baseName(const std::string &P) {
  size_t Slash = P.rfind('/');
  return Slash == std::string::npos ? P : P.substr(Slash + 1);
}

DotGraph lockGraph(const Merged &M, const std::vector<MergedCycle> &Cycles, SiteSymbolizer &Sym) {
  DotGraph G;
  std::map<std::pair<std::string, std::string>, bool> Cyc = M.CycleEdges;
  for (const MergedCycle &C : Cycles)
    for (const MEdge *E : C.Edges) {
      bool &Err = Cyc[{E->From, E->To}];
      Err = Err || C.Error;
    }
  bool OneProcess = M.Processes <= 1;
  for (const auto &KV : M.Edges) {
    const MEdge &E = KV.second;
    G.Nodes[E.From] = M.LockNames.at(E.From);
    G.Nodes[E.To] = M.LockNames.at(E.To);
    DotEdge D;
    std::string Threads;
    for (const std::string &T : E.Threads) {
      size_t Colon = T.find(':');
      std::string Name = "T" + T.substr(Colon + 1);
      if (!OneProcess)
        Name += " (pid " + T.substr(0, Colon) + ")";
      Threads += (Threads.empty() ? "" : ", ") + Name;
    }
    D.LabelLines.push_back(Threads);
    Frame At = Sym.firstUser(E.ToSites);
    if (At.valid())
      D.LabelLines.push_back(baseName(At.Loc.File) + ":" + std::to_string(At.Loc.Line));
    auto It = Cyc.find(KV.first);
    if (It != Cyc.end())
      D.Highlight = It->second ? DotHighlight::Error : DotHighlight::Warning;
    G.Edges[KV.first] = std::move(D);
  }
  return G;
}

// Prints the merged result; returns the exit status.
int emitMerged(const Merged &M, const OutputOptions &Opt, bool PrintProcessFindings) {
  const std::string &JsonOut = Opt.JsonOut;
  bool Quiet = Opt.Quiet;
  bool Text = Opt.Format == "text";
  FILE *Out = stdout;
  if (!Opt.Output.empty() && Text) {
    Out = std::fopen(Opt.Output.c_str(), "w");
    if (!Out) {
      std::fprintf(stderr, "fearless: error: cannot write '%s': %s\n", Opt.Output.c_str(),
                   strerror(errno));
      return ExitTrouble;
    }
  }
  auto Cycles = mergedCycles(M);
  std::vector<MergedCycle> MergedOut;
  unsigned MergedErrors = 0;
  llvm::json::Array CycleJson;
  std::vector<std::vector<const MEdge *>> Shown;
  for (auto &Cyc : Cycles) {
    // A cycle that one process saw whole was reported by that process.
    std::set<std::string> Common;
    for (const MEdge *E : Cyc) {
      std::set<std::string> Pids;
      for (const std::string &T : E->Threads)
        Pids.insert(T.substr(0, T.find(':')));
      if (E == Cyc.front())
        Common = Pids;
      std::set<std::string> Keep;
      for (const std::string &P : Common)
        if (Pids.count(P))
          Keep.insert(P);
      Common.swap(Keep);
    }
    if (Common.empty())
      Shown.push_back(Cyc);
  }
  for (auto &Cyc : Shown) {
    std::set<std::string> Threads;
    for (const MEdge *E : Cyc)
      Threads.insert(E->Threads.begin(), E->Threads.end());
    bool OneThread = Threads.size() <= 1;
    if (!OneThread)
      ++MergedErrors;
    std::string Kind = OneThread ? "lock-order-cycle-single-thread" : "lock-order-inversion";
    std::string Msg;
    for (const MEdge *E : Cyc)
      Msg += M.LockNames.at(E->From) + " => ";
    Msg += M.LockNames.at(Cyc.front()->From);
    MergedCycle MC;
    MC.Edges = Cyc;
    MC.Kind = Kind;
    MC.Id = OneThread ? "fearless-rt-lock-order-single-thread" : "fearless-rt-lock-order-inversion";
    MC.Message = Kind + " over " + std::to_string(Cyc.size()) + " locks: " + Msg;
    MC.Error = !OneThread;
    MergedOut.push_back(MC);
    if (Text)
      std::fprintf(Out, "==================\nWARNING: fearless: %s (merged graph of %u processes)\n"
                   "  Cycle in lock order graph: %s\n",
                   Kind.c_str(), M.Processes, Msg.c_str());
    llvm::json::Array Es;
    for (const MEdge *E : Cyc) {
      if (Text) {
        std::fprintf(Out, "  %s => %s taken by thread(s) %s", M.LockNames.at(E->From).c_str(),
                     M.LockNames.at(E->To).c_str(), join(E->Threads).c_str());
        if (!E->Contexts.empty())
          std::fprintf(Out, " in %s", join(E->Contexts).c_str());
        std::fprintf(Out, " (held lock acquired at %s)\n", E->Site.c_str());
      }
      llvm::json::Array Ts, Cs;
      for (auto &T : E->Threads)
        Ts.push_back(T);
      for (auto &C : E->Contexts)
        Cs.push_back(C);
      Es.push_back(llvm::json::Object{{"from", M.LockNames.at(E->From)},
                                      {"to", M.LockNames.at(E->To)},
                                      {"threads", std::move(Ts)},
                                      {"contexts", std::move(Cs)},
                                      {"from_site", E->Site}});
    }
    if (Text)
      std::fprintf(Out, "==================\n");
    CycleJson.push_back(llvm::json::Object{
        {"id", OneThread ? "fearless-rt-lock-order-single-thread" : "fearless-rt-lock-order-inversion"},
        {"kind", Kind},
        {"severity", OneThread ? "warning" : "error"},
        {"message", Kind + " over " + std::to_string(Cyc.size()) + " locks: " + Msg},
        {"edges", std::move(Es)}});
  }
  if (PrintProcessFindings && Text) {
    for (const llvm::json::Value &F : M.Findings) {
      const llvm::json::Object *O = F.getAsObject();
      if (O->getBoolean("suppressed").value_or(false))
        continue;
      const llvm::json::Object *Loc = O->getObject("location");
      std::fprintf(Out, "%s: %s [pid %lld] %s", str(O, "severity").c_str(), str(O, "id").c_str(),
                  static_cast<long long>(O->getInteger("pid").value_or(0)), str(O, "message").c_str());
      if (Loc && !str(Loc, "file").empty())
        std::fprintf(Out, " at %s:%lld", str(Loc, "file").c_str(),
                    static_cast<long long>(Loc->getInteger("line").value_or(0)));
      std::fprintf(Out, "\n");
    }
  }
  if (!Quiet)
    std::fprintf(stderr, "fearless: %u process report(s), %zu finding(s) in processes (%u errors), "
                 "%zu cycle(s) across processes (%u errors)\n",
                 M.Processes, M.Findings.size(), M.Errors, Shown.size(), MergedErrors);
  if (!JsonOut.empty()) {
    llvm::json::Array Inputs, Findings;
    for (auto &I : M.Inputs)
      Inputs.push_back(I);
    for (auto &F : M.Findings)
      Findings.push_back(F);
    llvm::json::Array Locks, Edges;
    for (auto &KV : M.LockNames)
      Locks.push_back(llvm::json::Object{{"key", KV.first}, {"name", KV.second}});
    for (auto &KV : M.Edges) {
      llvm::json::Array Ts;
      for (auto &T : KV.second.Threads)
        Ts.push_back(T);
      Edges.push_back(llvm::json::Object{{"from", KV.second.From}, {"to", KV.second.To},
                                         {"threads", std::move(Ts)}, {"from_site", KV.second.Site}});
    }
    llvm::json::Object Root{{"format", "fearless-runtime-merged-report"},
                            {"version", 1},
                            {"inputs", std::move(Inputs)},
                            {"findings", std::move(Findings)},
                            {"merged_cycles", std::move(CycleJson)},
                            {"graph", llvm::json::Object{{"locks", std::move(Locks)},
                                                         {"edges", std::move(Edges)}}}};
    std::string S;
    llvm::raw_string_ostream OS(S);
    OS << llvm::formatv("{0:2}", llvm::json::Value(std::move(Root)));
    OS.flush();
    std::ofstream F(JsonOut);
    if (!F) {
      std::fprintf(stderr, "fearless: error: cannot write %s\n", JsonOut.c_str());
      return ExitTrouble;
    }
    F << S << "\n";
  }
  if (Out != stdout && std::fclose(Out) != 0) {
    std::fprintf(stderr, "fearless: error: cannot write '%s'\n", Opt.Output.c_str());
    return ExitTrouble;
  }
  if (!Text) {
    std::error_code EC;
    std::unique_ptr<llvm::raw_fd_ostream> File;
    if (!Opt.Output.empty()) {
      File = std::make_unique<llvm::raw_fd_ostream>(Opt.Output, EC);
      if (EC) {
        std::fprintf(stderr, "fearless: error: cannot write '%s': %s\n", Opt.Output.c_str(),
                     EC.message().c_str());
        return ExitTrouble;
      }
    }
    llvm::raw_ostream &OS = File ? *File : llvm::outs();
    SiteSymbolizer Sym;
    if (Opt.Format == "dot") {
      writeDot(OS, lockGraph(M, MergedOut, Sym));
    } else {
      Report R;
      for (const llvm::json::Value &V : M.Findings) {
        const llvm::json::Object *O = V.getAsObject();
        // A suppressed finding was accepted by the user: it is not reported.
        if (O && !O->getBoolean("suppressed").value_or(false))
          R.Findings.push_back(fromProcessFinding(*O));
      }
      for (const MergedCycle &C : MergedOut)
        R.Findings.push_back(fromMergedCycle(M, C, Sym));
      sortAndUnique(R.Findings);
      assignFingerprints(R.Findings, Opt.SourceRoot);
      if (Opt.Format == "json") {
        writeJson(OS, R);
      } else {
        SarifOptions SO;
        SO.SourceRoot = Opt.SourceRoot;
        SO.InformationUri = FEARLESS_PROJECT_URL;
        for (const RuntimeRule &RR : RuntimeRules) {
          SarifRule Rule;
          Rule.Id = RR.Id;
          Rule.ShortDescription = RR.Summary;
          Rule.FullDescription = RR.Summary;
          Rule.DefaultLevel = RR.Sev;
          if (std::strlen(FEARLESS_HELP_URI_BASE))
            Rule.HelpUri = std::string(FEARLESS_HELP_URI_BASE) + RR.Id + ".md";
          SO.Rules.push_back(std::move(Rule));
        }
        writeSarif(OS, R, SO);
      }
    }
    OS.flush();
    if (File && File->has_error()) {
      std::fprintf(stderr, "fearless: error: cannot write '%s': %s\n", Opt.Output.c_str(),
                   File->error().message().c_str());
      File->clear_error();
      return ExitTrouble;
    }
  }
  return (M.Errors || MergedErrors) ? ExitFindings : ExitClean;
}

bool takeValue(int &I, int Argc, char **Argv, const char *Name, std::string &Out) {
  std::string A = Argv[I];
  std::string Prefix = std::string(Name) + "=";
  if (A.compare(0, Prefix.size(), Prefix) == 0) {
    Out = A.substr(Prefix.size());
    return true;
  }
  if (A == Name && I + 1 < Argc) {
    Out = Argv[++I];
    return true;
  }
  return false;
}

// The output options run and report share: true if Argv[I] was one (I is
// then past its value).
bool takeOutputOption(int &I, int Argc, char **Argv, OutputOptions &Out) {
  std::string A = Argv[I];
  if (A == "-q" || A == "--quiet") {
    Out.Quiet = true;
    return true;
  }
  return takeValue(I, Argc, Argv, "--json", Out.JsonOut) ||
         takeValue(I, Argc, Argv, "--format", Out.Format) ||
         takeValue(I, Argc, Argv, "-o", Out.Output) ||
         takeValue(I, Argc, Argv, "--source-root", Out.SourceRoot);
}

// Says so on stderr when --format names no writer.
bool checkFormat(const std::string &F) {
  if (F == "text" || F == "json" || F == "sarif" || F == "dot")
    return true;
  std::fprintf(stderr, "fearless: error: --format takes text, json, sarif or dot\n");
  return false;
}

} // namespace

int runCommand(int Argc, char **Argv) {
  std::string Options, Watchdog = "20000", Supp, Keep, Runtime;
  OutputOptions Out;
  int I = 1;
  for (; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--") {
      ++I;
      break;
    }
    if (A == "-h" || A == "--help") {
      std::fputs(RunUsage, stdout);
      return ExitClean;
    }
    if (takeOutputOption(I, Argc, Argv, Out) ||
        takeValue(I, Argc, Argv, "--options", Options) ||
        takeValue(I, Argc, Argv, "--watchdog", Watchdog) ||
        takeValue(I, Argc, Argv, "--suppressions", Supp) ||
        takeValue(I, Argc, Argv, "--keep", Keep) ||
        takeValue(I, Argc, Argv, "--runtime", Runtime))
      continue;
    if (A.size() > 1 && A[0] == '-') {
      std::fprintf(stderr, "fearless: error: unknown option '%s' for run\n%s", A.c_str(), RunUsage);
      return ExitTrouble;
    }
    break;
  }
  if (!checkFormat(Out.Format))
    return ExitTrouble;
  if (I >= Argc) {
    std::fprintf(stderr, "fearless: error: no command to run\n%s", RunUsage);
    return ExitTrouble;
  }
  std::string Lib = findRuntime(Runtime);
  if (Lib.empty()) {
    std::fprintf(stderr, "fearless: error: cannot find libfearless_rt.so (use --runtime or FEARLESS_RT)\n");
    return ExitTrouble;
  }
  if (Lib[0] != '/') {
    char Buf[PATH_MAX];
    if (realpath(Lib.c_str(), Buf))
      Lib = Buf;
  }
  std::string Dir = Keep;
  bool Temp = Dir.empty();
  if (Temp) {
    const char *T = getenv("TMPDIR");
    std::string Tmpl = std::string(T && *T ? T : "/tmp") + "/fearless-run-XXXXXX";
    std::vector<char> B(Tmpl.begin(), Tmpl.end());
    B.push_back(0);
    if (!mkdtemp(B.data())) {
      std::fprintf(stderr, "fearless: error: cannot create a temporary directory: %s\n", strerror(errno));
      return ExitTrouble;
    }
    Dir = B.data();
  } else if (mkdir(Dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "fearless: error: cannot create %s: %s\n", Dir.c_str(), strerror(errno));
    return ExitTrouble;
  }
  // The recorder's own exit code stays 0 so the program's status is its
  // own; findings are read back from the per-process reports.
  std::string Opts = "exitcode=0:report_json=" + Dir + "/fearless.%p.json:watchdog_ms=" + Watchdog;
  if (!Supp.empty())
    Opts += ":suppressions=" + Supp;
  if (!Options.empty())
    Opts += ":" + Options;
  std::string Preload = Lib;
  if (const char *P = getenv("LD_PRELOAD"))
    if (*P)
      Preload += std::string(":") + P;
  pid_t Pid = fork();
  if (Pid < 0) {
    std::fprintf(stderr, "fearless: error: fork: %s\n", strerror(errno));
    return ExitTrouble;
  }
  if (Pid == 0) {
    setenv("LD_PRELOAD", Preload.c_str(), 1);
    setenv("FEARLESS_OPTIONS", Opts.c_str(), 1);
    execvp(Argv[I], Argv + I);
    std::fprintf(stderr, "fearless: error: cannot run %s: %s\n", Argv[I], strerror(errno));
    _exit(127);
  }
  // The terminal's Ctrl-C reaches the child; the driver waits for it.
  struct sigaction Ign {}, OldInt, OldQuit;
  Ign.sa_handler = SIG_IGN;
  sigaction(SIGINT, &Ign, &OldInt);
  sigaction(SIGQUIT, &Ign, &OldQuit);
  int St = 0;
  while (waitpid(Pid, &St, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &OldInt, nullptr);
  sigaction(SIGQUIT, &OldQuit, nullptr);
  int ProgramStatus = WIFEXITED(St) ? WEXITSTATUS(St) : 128 + WTERMSIG(St);
  if (WIFSIGNALED(St))
    std::fprintf(stderr, "fearless: note: %s was killed by signal %d (%s)\n", Argv[I], WTERMSIG(St),
                 strsignal(WTERMSIG(St)));
  if (WIFEXITED(St) && WEXITSTATUS(St) == 127 && jsonFilesIn(Dir).empty()) {
    if (Temp)
      rmdir(Dir.c_str());
    return ExitTrouble;
  }
  Merged M;
  std::string Err;
  int Rc = ExitClean;
  for (const std::string &F : jsonFilesIn(Dir)) {
    if (!mergeReport(F, M, Err)) {
      std::fprintf(stderr, "fearless: warning: %s\n", Err.c_str());
    }
  }
  // The recorder already printed every finding; here only the cycles that
  // need more than one process's graph, and the summary.
  Rc = emitMerged(M, Out, /*PrintProcessFindings=*/false);
  if (Temp) {
    for (const std::string &F : jsonFilesIn(Dir))
      unlink(F.c_str());
    rmdir(Dir.c_str());
  }
  if (Rc == ExitTrouble)
    return Rc;
  if (M.Errors)
    return ExitFindings;
  return Rc == ExitFindings ? ExitFindings : ProgramStatus;
}

int reportCommand(int Argc, char **Argv) {
  OutputOptions Out;
  std::vector<std::string> Inputs;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "-h" || A == "--help") {
      std::fputs(ReportUsage, stdout);
      return ExitClean;
    }
    if (takeOutputOption(I, Argc, Argv, Out))
      continue;
    if (A.size() > 1 && A[0] == '-') {
      std::fprintf(stderr, "fearless: error: unknown option '%s' for report\n%s", A.c_str(), ReportUsage);
      return ExitTrouble;
    }
    struct stat St;
    if (stat(A.c_str(), &St) == 0 && S_ISDIR(St.st_mode)) {
      auto Fs = jsonFilesIn(A);
      Inputs.insert(Inputs.end(), Fs.begin(), Fs.end());
    } else {
      Inputs.push_back(A);
    }
  }
  if (!checkFormat(Out.Format))
    return ExitTrouble;
  if (Inputs.empty()) {
    std::fprintf(stderr, "fearless: error: no reports given\n%s", ReportUsage);
    return ExitTrouble;
  }
  Merged M;
  for (const std::string &F : Inputs) {
    std::string Err;
    if (!mergeReport(F, M, Err)) {
      std::fprintf(stderr, "fearless: error: %s\n", Err.c_str());
      return ExitTrouble;
    }
  }
  return emitMerged(M, Out, /*PrintProcessFindings=*/true);
}

} // namespace fearless::tool
