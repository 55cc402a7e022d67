#include "core/Dot.h"

namespace fearless {

std::string dotQuote(const std::string &Text) {
  std::string Out = "\"";
  for (char C : Text) {
    if (C == '"' || C == '\\')
      Out += '\\';
    if (C == '\n') {
      Out += "\\n";
      continue;
    }
    Out += C;
  }
  return Out + "\"";
}

void writeDot(llvm::raw_ostream &OS, const DotGraph &G) {
  // Node ids are positions in key order, so they do not depend on how the
  // lock keys are spelled (addresses, paths).
  std::map<std::string, std::string> Labels = G.Nodes;
  for (const auto &E : G.Edges) {
    Labels.emplace(E.first.first, E.first.first);
    Labels.emplace(E.first.second, E.first.second);
  }
  std::map<std::string, unsigned> Id;
  for (const auto &N : Labels)
    Id.emplace(N.first, static_cast<unsigned>(Id.size()) + 1);

  OS << "digraph " << dotQuote(G.Name) << " {\n";
  OS << "  node [shape=box];\n";
  for (const auto &N : Labels)
    OS << "  n" << Id[N.first] << " [label=" << dotQuote(N.second) << "];\n";
  for (const auto &E : G.Edges) {
    std::string Label;
    for (const std::string &L : E.second.LabelLines)
      Label += (Label.empty() ? "" : "\n") + L;
    OS << "  n" << Id[E.first.first] << " -> n" << Id[E.first.second]
       << " [label=" << dotQuote(Label);
    switch (E.second.Highlight) {
    case DotHighlight::Error:
      OS << ", color=red, fontcolor=red, penwidth=2";
      break;
    case DotHighlight::Warning:
      OS << ", color=orange, fontcolor=orange, penwidth=2";
      break;
    case DotHighlight::None:
      break;
    }
    OS << "];\n";
  }
  OS << "}\n";
}

} // namespace fearless
