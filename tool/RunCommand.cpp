//===- RunCommand.cpp - `fearless run` and `fearless report` --------------===//
#include "RunCommand.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

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
};

struct Merged {
  std::vector<std::string> Inputs;
  std::vector<llvm::json::Value> Findings;     // per-process findings
  std::set<std::string> FindingKeys;           // dedup
  std::map<std::string, std::string> LockNames;  // key -> display name
  std::map<std::pair<std::string, std::string>, MEdge> Edges;
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
      if (str(O, "severity") == "error" && !O->getBoolean("suppressed").value_or(false))
        ++M.Errors;
      M.Findings.push_back(llvm::json::Value(std::move(Copy)));
    }
  }
  const llvm::json::Object *G = Root->getObject("graph");
  if (!G)
    return true;
  // Lock identity across processes: the name (a global's symbol or an
  // annotation) when there is one, else the address within the executable
  // (which a forked child shares with its parent).
  std::map<int64_t, std::string> KeyOf;
  if (const llvm::json::Array *Ls = G->getArray("locks")) {
    for (const llvm::json::Value &L : *Ls) {
      const llvm::json::Object *O = L.getAsObject();
      if (!O)
        continue;
      std::string Name = str(O, "name");
      std::string Key = Name.empty() ? Exe + "@" + str(O, "address") : Name;
      KeyOf[O->getInteger("id").value_or(0)] = Key;
      M.LockNames[Key] = Name.empty() ? str(O, "kind") + " at " + str(O, "address") + " in " + Exe : Name;
    }
  }
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
        if (const llvm::json::Object *S = O->getObject("from_site"))
          ME.Site = str(S, "module") + "+" + str(S, "offset");
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

// Prints the merged result; returns the exit status.
int emitMerged(const Merged &M, const std::string &JsonOut, bool Quiet, bool PrintProcessFindings) {
  auto Cycles = mergedCycles(M);
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
    std::printf("==================\nWARNING: fearless: %s (merged graph of %u processes)\n"
                "  Cycle in lock order graph: %s\n",
                Kind.c_str(), M.Processes, Msg.c_str());
    llvm::json::Array Es;
    for (const MEdge *E : Cyc) {
      std::printf("  %s => %s taken by thread(s) %s", M.LockNames.at(E->From).c_str(),
                  M.LockNames.at(E->To).c_str(), join(E->Threads).c_str());
      if (!E->Contexts.empty())
        std::printf(" in %s", join(E->Contexts).c_str());
      std::printf(" (held lock acquired at %s)\n", E->Site.c_str());
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
    std::printf("==================\n");
    CycleJson.push_back(llvm::json::Object{
        {"id", OneThread ? "fearless-rt-lock-order-single-thread" : "fearless-rt-lock-order-inversion"},
        {"kind", Kind},
        {"severity", OneThread ? "warning" : "error"},
        {"message", Kind + " over " + std::to_string(Cyc.size()) + " locks: " + Msg},
        {"edges", std::move(Es)}});
  }
  if (PrintProcessFindings) {
    for (const llvm::json::Value &F : M.Findings) {
      const llvm::json::Object *O = F.getAsObject();
      if (O->getBoolean("suppressed").value_or(false))
        continue;
      const llvm::json::Object *Loc = O->getObject("location");
      std::printf("%s: %s [pid %lld] %s", str(O, "severity").c_str(), str(O, "id").c_str(),
                  static_cast<long long>(O->getInteger("pid").value_or(0)), str(O, "message").c_str());
      if (Loc && !str(Loc, "file").empty())
        std::printf(" at %s:%lld", str(Loc, "file").c_str(),
                    static_cast<long long>(Loc->getInteger("line").value_or(0)));
      std::printf("\n");
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

} // namespace

int runCommand(int Argc, char **Argv) {
  std::string Options, Watchdog = "20000", Supp, JsonOut, Keep, Runtime;
  bool Quiet = false;
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
    if (A == "-q" || A == "--quiet") {
      Quiet = true;
      continue;
    }
    if (takeValue(I, Argc, Argv, "--options", Options) ||
        takeValue(I, Argc, Argv, "--watchdog", Watchdog) ||
        takeValue(I, Argc, Argv, "--suppressions", Supp) ||
        takeValue(I, Argc, Argv, "--json", JsonOut) || takeValue(I, Argc, Argv, "--keep", Keep) ||
        takeValue(I, Argc, Argv, "--runtime", Runtime))
      continue;
    if (A.size() > 1 && A[0] == '-') {
      std::fprintf(stderr, "fearless: error: unknown option '%s' for run\n%s", A.c_str(), RunUsage);
      return ExitTrouble;
    }
    break;
  }
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
  Rc = emitMerged(M, JsonOut, Quiet, /*PrintProcessFindings=*/false);
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
  std::string JsonOut;
  bool Quiet = false;
  std::vector<std::string> Inputs;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "-h" || A == "--help") {
      std::fputs(ReportUsage, stdout);
      return ExitClean;
    }
    if (A == "-q" || A == "--quiet") {
      Quiet = true;
      continue;
    }
    if (takeValue(I, Argc, Argv, "--json", JsonOut))
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
  return emitMerged(M, JsonOut, Quiet, /*PrintProcessFindings=*/true);
}

} // namespace fearless::tool
