#include "core/Writers.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#ifndef FEARLESS_VERSION
#define FEARLESS_VERSION "0.0.0"
#endif

namespace fearless {

const char *toolVersion() { return FEARLESS_VERSION; }

static void printLoc(llvm::raw_ostream &OS, const Location &L) {
  if (!L.valid()) {
    OS << "<unknown>: ";
    return;
  }
  OS << L.File << ':' << L.Line << ':' << L.Column << ": ";
}

static void writeTextFinding(llvm::raw_ostream &OS, const Finding &F) {
  printLoc(OS, F.Loc);
  if (!F.Suppression.empty())
    OS << "note: suppressed: " << F.Message << " [" << F.CheckId
       << "]: " << F.Suppression << '\n';
  else
    OS << severityName(F.Sev) << ": " << F.Message << " [" << F.CheckId
       << "]\n";
  for (const RelatedLocation &N : F.Related) {
    printLoc(OS, N.Loc);
    OS << "note: " << N.Message << '\n';
  }
  unsigned Step = 0;
  for (const TraceStep &S : F.Trace) {
    printLoc(OS, S.Loc);
    OS << "note: " << traceStepText(++Step, S) << '\n';
  }
}

std::string traceStepText(unsigned Number, const TraceStep &S) {
  std::string Out = "[" + std::to_string(Number) + "] ";
  if (!S.Thread.empty())
    Out += S.Thread + ": ";
  if (!S.Function.empty())
    Out += "in " + S.Function + ": ";
  return Out + S.Message;
}

void writeText(llvm::raw_ostream &OS, const Report &R) {
  for (const Finding &F : R.Findings)
    writeTextFinding(OS, F);
  for (const Finding &F : R.Suppressed)
    writeTextFinding(OS, F);
}

static llvm::json::Object locJson(const Location &L) {
  return llvm::json::Object{
      {"file", L.File}, {"line", L.Line}, {"column", L.Column}};
}

llvm::json::Value findingToJson(const Finding &F) {
  llvm::json::Array Related;
  for (const RelatedLocation &N : F.Related)
    Related.push_back(llvm::json::Object{{"location", locJson(N.Loc)},
                                         {"message", N.Message}});
  llvm::json::Array Trace;
  for (const TraceStep &S : F.Trace)
    Trace.push_back(llvm::json::Object{{"thread", S.Thread},
                                       {"function", S.Function},
                                       {"message", S.Message},
                                       {"location", locJson(S.Loc)}});
  return llvm::json::Object{
      {"check", F.CheckId},
      {"severity", severityName(F.Sev)},
      {"message", F.Message},
      {"location", locJson(F.Loc)},
      {"related", std::move(Related)},
      {"trace", std::move(Trace)},
      {"scope", F.Scope},
      {"snippet", F.Snippet},
      {"fingerprint", F.Fingerprint},
      {"suppression", F.Suppression},
  };
}

void writeJson(llvm::raw_ostream &OS, const Report &R) {
  llvm::json::Array Findings;
  for (const Finding &F : R.Findings)
    Findings.push_back(findingToJson(F));
  llvm::json::Array Suppressed;
  for (const Finding &F : R.Suppressed)
    Suppressed.push_back(findingToJson(F));
  llvm::json::Array Errors;
  for (const AnalysisError &E : R.Errors)
    Errors.push_back(
        llvm::json::Object{{"file", E.File}, {"message", E.Message}});
  llvm::json::Object Root{
      {"format", "fearless-report"},
      {"version", 1},
      {"tool", llvm::json::Object{{"name", "fearless"},
                                  {"version", toolVersion()}}},
      {"findings", std::move(Findings)},
      {"suppressed", std::move(Suppressed)},
      {"errors", std::move(Errors)},
  };
  OS << llvm::formatv("{0:2}", llvm::json::Value(std::move(Root))) << '\n';
}

namespace {
bool readLoc(const llvm::json::Object *O, Location &L) {
  if (!O)
    return false;
  auto File = O->getString("file");
  auto Line = O->getInteger("line");
  auto Col = O->getInteger("column");
  if (!File || !Line || !Col || *Line < 0 || *Col < 0)
    return false;
  L.File = File->str();
  L.Line = static_cast<unsigned>(*Line);
  L.Column = static_cast<unsigned>(*Col);
  return true;
}

std::string str(const llvm::json::Object &O, llvm::StringRef Key) {
  auto S = O.getString(Key);
  return S ? S->str() : std::string();
}
} // namespace

bool findingFromJson(const llvm::json::Value &V, Finding &Out,
                     std::string &Error) {
  const llvm::json::Object *O = V.getAsObject();
  Finding F;
  Severity Sev = Severity::Warning;
  if (!O || !readLoc(O->getObject("location"), F.Loc) ||
      !parseSeverity(str(*O, "severity"), Sev) || str(*O, "check").empty()) {
    Error = "lacks check, severity or location";
    return false;
  }
  F.Sev = Sev;
  F.CheckId = str(*O, "check");
  F.Message = str(*O, "message");
  F.Scope = str(*O, "scope");
  F.Snippet = str(*O, "snippet");
  F.Fingerprint = str(*O, "fingerprint");
  F.Suppression = str(*O, "suppression");
  if (const llvm::json::Array *Rel = O->getArray("related"))
    for (const llvm::json::Value &RV : *Rel) {
      const llvm::json::Object *RO = RV.getAsObject();
      RelatedLocation N;
      if (!RO || !readLoc(RO->getObject("location"), N.Loc)) {
        Error = "has a malformed note";
        return false;
      }
      N.Message = str(*RO, "message");
      F.Related.push_back(std::move(N));
    }
  if (const llvm::json::Array *Tr = O->getArray("trace"))
    for (const llvm::json::Value &TV : *Tr) {
      const llvm::json::Object *TO = TV.getAsObject();
      TraceStep S;
      if (!TO || !readLoc(TO->getObject("location"), S.Loc)) {
        Error = "has a malformed trace step";
        return false;
      }
      S.Thread = str(*TO, "thread");
      S.Function = str(*TO, "function");
      S.Message = str(*TO, "message");
      F.Trace.push_back(std::move(S));
    }
  Out = std::move(F);
  return true;
}

bool readJson(llvm::StringRef Text, Report &Out, std::string &Error) {
  auto Parsed = llvm::json::parse(Text);
  if (!Parsed) {
    Error = "not valid JSON: " + llvm::toString(Parsed.takeError());
    return false;
  }
  const llvm::json::Object *Root = Parsed->getAsObject();
  if (!Root || Root->getString("format") != llvm::StringRef("fearless-report")) {
    Error = "not a fearless report (missing \"format\": \"fearless-report\")";
    return false;
  }
  const llvm::json::Array *Findings = Root->getArray("findings");
  if (!Findings) {
    Error = "report has no \"findings\" array";
    return false;
  }
  Report R;
  for (size_t I = 0; I < Findings->size(); ++I) {
    Finding F;
    std::string Why;
    if (!findingFromJson((*Findings)[I], F, Why)) {
      Error = "finding " + std::to_string(I) + " " + Why;
      return false;
    }
    R.Findings.push_back(std::move(F));
  }
  if (const llvm::json::Array *Sup = Root->getArray("suppressed"))
    for (size_t I = 0; I < Sup->size(); ++I) {
      Finding F;
      std::string Why;
      if (!findingFromJson((*Sup)[I], F, Why)) {
        Error = "suppressed finding " + std::to_string(I) + " " + Why;
        return false;
      }
      R.Suppressed.push_back(std::move(F));
    }
  if (const llvm::json::Array *Errs = Root->getArray("errors"))
    for (const llvm::json::Value &V : *Errs)
      if (const llvm::json::Object *EO = V.getAsObject())
        R.Errors.push_back({str(*EO, "file"), str(*EO, "message")});
  Out = std::move(R);
  return true;
}

} // namespace fearless
