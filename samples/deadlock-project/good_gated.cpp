// Good: both orders are only ever taken while gate_mu is held, so no two
// threads can interleave them. fearless keeps the cycle as a suppressed
// finding (SARIF: a result with a suppression), never as a warning.
#include <mutex>

std::mutex gate_mu, pages_mu, index_mu;
static int pages, entries;

void add_page() {
  std::lock_guard<std::mutex> g(gate_mu);
  std::lock_guard<std::mutex> p(index_mu);
  std::lock_guard<std::mutex> i(pages_mu); // expect-suppressed: fearless-lock-order-inversion every edge is taken while 'gate_mu' is held
  ++pages;
  ++entries;
}

void reindex() {
  std::lock_guard<std::mutex> g(gate_mu);
  std::lock_guard<std::mutex> p(pages_mu);
  std::lock_guard<std::mutex> i(index_mu);
  entries = pages;
}
