//===- core/Sarif.h - SARIF 2.1.0 report writer ---------------------------===//
//
// Writes a Report as one SARIF 2.1.0 log (OASIS SARIF v2.1.0, errata 01),
// the format code-review systems (GitHub code scanning, Azure DevOps,
// GitLab via converters) ingest.
//
//   run.tool.driver      name, version, semanticVersion, informationUri and
//                        one reportingDescriptor per check (id, name, short
//                        and full description, helpUri, default level)
//   result               ruleId/ruleIndex, level, message, primary location,
//                        relatedLocations (Finding::Related, ids from 1),
//                        partialFingerprints {"fearless/v1": fingerprint},
//                        codeFlows with one threadFlow per distinct
//                        TraceStep::Thread (first-appearance order), every
//                        step carrying its global executionOrder so the
//                        interleaving survives the split into threads
//   artifactLocation     relative to the source root with uriBaseId
//                        "SRCROOT" (declared in originalUriBaseIds), so the
//                        log maps onto any checkout; files outside the root
//                        keep an absolute file:// URI
//   invocation           executionSuccessful = no analysis errors; each
//                        AnalysisError becomes a toolExecutionNotification
//
// Contract: the output depends only on its inputs (keys are written in a
// fixed order, findings in the Report's order); the writer never reorders
// findings. Findings whose check is not among the rules get a rule with
// just an id, so any Report can be written. Never fails.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_SARIF_H
#define FEARLESS_CORE_SARIF_H

#include "core/Writers.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace fearless {

/// One rule (SARIF reportingDescriptor).
struct SarifRule {
  std::string Id;
  std::string ShortDescription;
  std::string FullDescription;
  std::string HelpUri; ///< absolute URI; empty: left out
  Severity DefaultLevel = Severity::Warning;
};

struct SarifOptions {
  /// Absolute directory that artifact URIs are made relative to; empty
  /// means every URI is absolute.
  std::string SourceRoot;
  /// Every check that could report, in the order they are listed.
  std::vector<SarifRule> Rules;
  /// The tool's home page (tool.driver.informationUri); empty: left out.
  std::string InformationUri;
};

/// "a/b c.cpp" -> "a/b%20c.cpp": RFC 3986 percent-encoding of a path,
/// keeping '/' and unreserved characters.
std::string percentEncodePath(const std::string &Path);

/// "ThreadNotJoined" from "fearless-thread-not-joined".
std::string ruleName(const std::string &CheckId);

void writeSarif(llvm::raw_ostream &OS, const Report &R,
                const SarifOptions &Opts);

} // namespace fearless

#endif
