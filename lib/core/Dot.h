//===- core/Dot.h - Lock-order graph as Graphviz DOT ----------------------===//
//
// Writes a lock-order graph in the Graphviz DOT language: one node per lock
// (labelled with its name), one edge per observed order "held -> acquired"
// (labelled with the threads that took it and where it was first seen).
// Edges that belong to a reported cycle carry a colour: red for an
// error-severity cycle, orange for a warning-class one (single thread,
// gated, ordered by thread creation/join); other edges are black.
//
// Contract: the output depends only on the input (nodes and edges are
// written sorted by their keys, whatever order they were added in). Labels
// are escaped for DOT's quoted strings; a label line break is written as
// DOT's "\n". Never fails.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_DOT_H
#define FEARLESS_CORE_DOT_H

#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fearless {

enum class DotHighlight { None, Warning, Error };

struct DotEdge {
  std::vector<std::string> LabelLines; ///< joined with DOT line breaks
  DotHighlight Highlight = DotHighlight::None;
};

struct DotGraph {
  std::string Name = "lock_order";
  /// Node key -> label. Keys are only used for ordering and identity.
  std::map<std::string, std::string> Nodes;
  /// (from key, to key) -> edge. Both keys should be in Nodes; a missing
  /// one is written with its key as label.
  std::map<std::pair<std::string, std::string>, DotEdge> Edges;
};

/// `"a \"b\""` for `a "b"`: a DOT quoted string.
std::string dotQuote(const std::string &Text);

void writeDot(llvm::raw_ostream &OS, const DotGraph &G);

} // namespace fearless

#endif
