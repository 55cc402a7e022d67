// Bad: the declaration says sessions before users; this code takes users
// first. Only one order is ever taken, yet the declaration makes it a
// finding: another thread following the declared order deadlocks with it.
#include "annotations.h"

Mutex sessions_mu;
Mutex users_mu ACQUIRED_AFTER(sessions_mu);
static int users, sessions;

void login() {
  users_mu.lock();
  sessions_mu.lock(); // expect: fearless-lock-order-inversion lock order 'sessions_mu' -> 'users_mu' -> 'sessions_mu' contradicts an acquired_before/acquired_after declaration
  ++users;
  ++sessions;
  sessions_mu.unlock();
  users_mu.unlock();
}
