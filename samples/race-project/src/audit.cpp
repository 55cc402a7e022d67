// An audit helper that forgets the account's lock.
#include "account.h"

void reset_for_audit(Account &a) {
  a.balance_ = 0; // expect: fearless-unguarded-access 'Account::balance_' is declared guarded_by 'mu_', but written here by thread 'lambda in main' without it
}
