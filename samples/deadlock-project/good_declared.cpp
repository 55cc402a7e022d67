// Good: the code follows the declared order (catalog before prices).
#include "annotations.h"

Mutex prices_mu;
Mutex catalog_mu ACQUIRED_BEFORE(prices_mu);
static int items, price_total;

void add_item(int price) {
  catalog_mu.lock();
  prices_mu.lock();
  ++items;
  price_total += price;
  prices_mu.unlock();
  catalog_mu.unlock();
}
