// Good: a recursive mutex re-entered while another lock is held adds no
// order back into itself.
#include <mutex>

std::recursive_mutex tree_mu;
std::mutex node_mu;
static int nodes;

void add_node() {
  std::lock_guard<std::recursive_mutex> t(tree_mu);
  std::lock_guard<std::mutex> n(node_mu);
  ++nodes;
  std::lock_guard<std::recursive_mutex> again(tree_mu);
  ++nodes;
}

void rebalance() {
  std::lock_guard<std::recursive_mutex> t(tree_mu);
  add_node();
}
