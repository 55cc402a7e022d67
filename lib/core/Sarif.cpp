#include "core/Sarif.h"

#include "core/Fingerprint.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cctype>
#include <map>

namespace fearless {

namespace json = llvm::json;

std::string percentEncodePath(const std::string &Path) {
  static const char Hex[] = "0123456789ABCDEF";
  std::string Out;
  for (unsigned char C : Path) {
    if (std::isalnum(C) || C == '-' || C == '.' || C == '_' || C == '~' ||
        C == '/') {
      Out += static_cast<char>(C);
    } else {
      Out += '%';
      Out += Hex[C >> 4];
      Out += Hex[C & 15];
    }
  }
  return Out;
}

std::string ruleName(const std::string &CheckId) {
  std::string Id = CheckId;
  const std::string Prefix = "fearless-";
  if (Id.compare(0, Prefix.size(), Prefix) == 0)
    Id = Id.substr(Prefix.size());
  std::string Out;
  bool Upper = true;
  for (char C : Id) {
    if (!std::isalnum(static_cast<unsigned char>(C))) {
      Upper = true;
      continue;
    }
    Out += Upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(C)))
                 : C;
    Upper = false;
  }
  return Out;
}

namespace {

const char *level(Severity S) {
  switch (S) {
  case Severity::Note:
    return "note";
  case Severity::Warning:
    return "warning";
  case Severity::Error:
    return "error";
  }
  return "warning";
}

/// SARIF's guidance (and its validator, rule SARIF2001) asks that messages
/// be sentences; fearless's diagnostics follow clang's style, without the
/// final period, which is added here.
std::string sentence(const std::string &Text) {
  if (Text.empty())
    return "(no message).";
  char Last = Text.back();
  if (Last == '.' || Last == '!' || Last == '?')
    return Text;
  return Text + ".";
}

json::Object message(const std::string &Text) {
  return json::Object{{"text", sentence(Text)}};
}

class Writer {
public:
  explicit Writer(const SarifOptions &O) : Opts(O) {
    Root = O.SourceRoot;
    while (Root.size() > 1 && Root.back() == '/')
      Root.pop_back();
  }

  json::Object artifact(const std::string &File) const {
    std::string Rel = relativeTo(File, Root);
    if (!Root.empty() && Rel != File)
      return json::Object{{"uri", percentEncodePath(Rel)},
                          {"uriBaseId", "SRCROOT"}};
    if (!File.empty() && File[0] == '/')
      return json::Object{{"uri", "file://" + percentEncodePath(File)}};
    return json::Object{{"uri", percentEncodePath(File)}};
  }

  json::Object physical(const Location &L,
                        const std::string &Snippet = "") const {
    json::Object P{{"artifactLocation", artifact(L.File)}};
    if (L.Line != 0) {
      json::Object Region{{"startLine", L.Line}};
      if (L.Column != 0)
        Region["startColumn"] = L.Column;
      // Without endColumn the region runs to the end of its line (SARIF
      // 3.30.2), so its snippet is the line from the start column on.
      if (!Snippet.empty() && L.Column >= 1 && L.Column <= Snippet.size() + 1)
        Region["snippet"] =
            json::Object{{"text", Snippet.substr(L.Column - 1)}};
      P["region"] = std::move(Region);
      // The context must be a proper superset of the region (SARIF1008):
      // a region from column 1 already is the whole line.
      if (!Snippet.empty() && L.Column > 1)
        P["contextRegion"] = json::Object{
            {"startLine", L.Line},
            {"endLine", L.Line},
            {"snippet", json::Object{{"text", Snippet}}}};
    }
    return P;
  }

  json::Object location(const Location &L) const {
    return json::Object{{"physicalLocation", physical(L)}};
  }

  json::Object location(const Location &L, const std::string &Msg) const {
    json::Object O = location(L);
    O["message"] = message(Msg);
    return O;
  }

  json::Array codeFlows(const Finding &F) const {
    if (F.Trace.empty())
      return {};
    // One thread flow per thread, in order of first appearance; the global
    // step number is the executionOrder.
    std::vector<std::string> Threads;
    std::map<std::string, json::Array> Steps;
    unsigned Order = 0;
    for (const TraceStep &S : F.Trace) {
      std::string Thread = S.Thread.empty() ? "(unknown thread)" : S.Thread;
      if (!Steps.count(Thread))
        Threads.push_back(Thread);
      std::string Text = S.Function.empty()
                             ? S.Message
                             : "in " + S.Function + ": " + S.Message;
      json::Object Loc = S.Loc.valid() ? location(S.Loc, Text)
                                       : json::Object{{"message", message(Text)}};
      Steps[Thread].push_back(
          json::Object{{"location", std::move(Loc)},
                       {"executionOrder", ++Order}});
    }
    json::Array Flows;
    unsigned Index = 0;
    for (const std::string &T : Threads)
      Flows.push_back(json::Object{{"id", "t" + std::to_string(++Index)},
                                   {"message", message(T)},
                                   {"locations", std::move(Steps[T])}});
    return json::Array{json::Object{{"message", message(F.Message)},
                                    {"threadFlows", std::move(Flows)}}};
  }

  json::Value write(const Report &R) {
    std::vector<SarifRule> Rules = Opts.Rules;
    std::map<std::string, unsigned> RuleIndex;
    for (unsigned I = 0; I < Rules.size(); ++I)
      RuleIndex.emplace(Rules[I].Id, I);
    std::vector<const Finding *> All;
    for (const Finding &F : R.Findings)
      All.push_back(&F);
    for (const Finding &F : R.Suppressed)
      All.push_back(&F);
    for (const Finding *FP : All)
      if (const Finding &F = *FP; RuleIndex.emplace(F.CheckId, Rules.size()).second) {
        SarifRule Extra;
        Extra.Id = F.CheckId;
        Rules.push_back(Extra);
      }

    json::Array RuleArray;
    for (const SarifRule &Rule : Rules) {
      json::Object D{{"id", Rule.Id}, {"name", ruleName(Rule.Id)}};
      if (!Rule.ShortDescription.empty())
        D["shortDescription"] = message(Rule.ShortDescription);
      if (!Rule.FullDescription.empty())
        D["fullDescription"] = message(Rule.FullDescription);
      if (!Rule.HelpUri.empty())
        D["helpUri"] = Rule.HelpUri;
      D["defaultConfiguration"] =
          json::Object{{"level", level(Rule.DefaultLevel)}};
      RuleArray.push_back(std::move(D));
    }

    json::Array Results;
    for (const Finding *FP : All) {
      const Finding &F = *FP;
      json::Object Res{
          {"ruleId", F.CheckId},
          {"ruleIndex", RuleIndex[F.CheckId]},
          {"level", level(F.Sev)},
          {"message", message(F.Message)},
      };
      if (F.Loc.valid())
        Res["locations"] = json::Array{
            json::Object{{"physicalLocation", physical(F.Loc, F.Snippet)}}};
      if (!F.Fingerprint.empty())
        Res["partialFingerprints"] =
            json::Object{{"fearless/v1", F.Fingerprint}};
      json::Array Related;
      unsigned Id = 0;
      for (const RelatedLocation &N : F.Related) {
        json::Object L = location(N.Loc, N.Message);
        L["id"] = ++Id;
        if (N.Loc.valid())
          Related.push_back(std::move(L));
      }
      if (!Related.empty())
        Res["relatedLocations"] = std::move(Related);
      json::Array Flows = codeFlows(F);
      if (!Flows.empty())
        Res["codeFlows"] = std::move(Flows);
      // Kept for the record, hidden by code-review systems.
      if (!F.Suppression.empty())
        Res["suppressions"] = json::Array{json::Object{
            {"kind", "external"},
            {"status", "accepted"},
            {"justification", F.Suppression}}};
      Results.push_back(std::move(Res));
    }

    json::Array Notifications;
    for (const AnalysisError &E : R.Errors) {
      json::Object N{{"level", "error"}, {"message", message(E.Message)}};
      if (!E.File.empty())
        N["locations"] = json::Array{json::Object{
            {"physicalLocation",
             json::Object{{"artifactLocation", artifact(E.File)}}}}};
      Notifications.push_back(std::move(N));
    }
    json::Object Invocation{{"executionSuccessful", R.Errors.empty()}};
    if (!Notifications.empty())
      Invocation["toolExecutionNotifications"] = std::move(Notifications);

    json::Object Driver{{"name", "fearless"},
                        {"version", toolVersion()},
                        {"semanticVersion", toolVersion()},
                        {"rules", std::move(RuleArray)}};
    if (!Opts.InformationUri.empty())
      Driver["informationUri"] = Opts.InformationUri;

    json::Object Run{
        {"tool", json::Object{{"driver", std::move(Driver)}}},
        {"invocations", json::Array{std::move(Invocation)}},
        {"results", std::move(Results)},
        // Clang counts columns in bytes; for ASCII sources that is the
        // same as code points.
        {"columnKind", "unicodeCodePoints"},
    };
    if (!Root.empty())
      Run["originalUriBaseIds"] = json::Object{
          {"SRCROOT",
           json::Object{{"uri", "file://" + percentEncodePath(Root) + "/"}}}};
    return json::Object{
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs", json::Array{std::move(Run)}},
    };
  }

private:
  const SarifOptions &Opts;
  std::string Root;
};

} // namespace

void writeSarif(llvm::raw_ostream &OS, const Report &R,
                const SarifOptions &Opts) {
  Writer W(Opts);
  OS << llvm::formatv("{0:2}", W.write(R)) << '\n';
}

} // namespace fearless
