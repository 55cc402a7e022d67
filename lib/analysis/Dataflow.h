//===- analysis/Dataflow.h - Forward dataflow over a Clang CFG ------------===//
//
// The worklist algorithm (Kildall) every flow-sensitive check shares: states
// on block entry, a transfer over each block's elements, an optional
// refinement per outgoing edge (the branch a condition takes), and a join
// at merge points. The caller's lattice must have finite height; as a
// guard against a join that is not monotone, each run stops after
// MaxVisitsPerBlock visits per block on average, leaving the states
// computed so far (sound for reporting only definite facts).
//
// Contract: header-only, no state of its own; cost O(blocks x lattice
// height x transfer).
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_DATAFLOW_H
#define FEARLESS_ANALYSIS_DATAFLOW_H

#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseSet.h"

#include <map>
#include <vector>

namespace fearless {

/// Solves the dataflow from \p Init at the entry block and returns the
/// entry state of every reachable block.
///   Transfer(const CFGBlock *, State &)            a block's effect
///   OnEdge(const CFGBlock *, unsigned Succ, State &) refine per edge
///   Join(State &Into, const State &From) -> bool    merge; true if changed
template <typename State, typename TransferFn, typename EdgeFn,
          typename JoinFn>
std::map<const clang::CFGBlock *, State>
solveForward(const clang::CFG &G, State Init, TransferFn Transfer,
             EdgeFn OnEdge, JoinFn Join, unsigned MaxVisitsPerBlock = 64) {
  std::map<const clang::CFGBlock *, State> Entry;
  const clang::CFGBlock *Start = &G.getEntry();
  Entry.emplace(Start, std::move(Init));
  std::vector<const clang::CFGBlock *> Work{Start};
  llvm::DenseSet<const clang::CFGBlock *> InWork{Start};
  unsigned Budget = MaxVisitsPerBlock * (G.getNumBlockIDs() + 1);
  while (!Work.empty() && Budget--) {
    const clang::CFGBlock *B = Work.back();
    Work.pop_back();
    InWork.erase(B);
    State S = Entry[B];
    Transfer(B, S);
    unsigned Index = 0;
    for (const clang::CFGBlock::AdjacentBlock &Succ : B->succs()) {
      unsigned Which = Index++;
      const clang::CFGBlock *SB = Succ.getReachableBlock();
      if (!SB)
        continue;
      State Out = S;
      OnEdge(B, Which, Out);
      auto [It, Inserted] = Entry.try_emplace(SB, Out);
      if ((Inserted || Join(It->second, Out)) && InWork.insert(SB).second)
        Work.push_back(SB);
    }
  }
  return Entry;
}

} // namespace fearless

#endif
