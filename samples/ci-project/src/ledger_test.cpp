#include "ledger.h"

int main() {
  Account a, b;
  a.balance = 100;
  b.balance = 100;
  return run_transfers(a, b, 1000) == 200 ? 0 : 1;
}
