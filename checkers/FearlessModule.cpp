//===- FearlessModule.cpp - The one list of fearless checks ---------------===//
//
// Every check is registered here, sorted by id; both front ends (the
// clang-tidy plugin and the fearless CLI) take their checks from this list.
//
//===----------------------------------------------------------------------===//
#include "BlockingUnderLockCheck.h"
#include "DataRaceCheck.h"
#include "DoubleLockCheck.h"
#include "GuardedDataEscapeCheck.h"
#include "LockAcrossSuspendCheck.h"
#include "LockLeakCheck.h"
#include "LockOrderInversionCheck.h"
#include "TemporaryGuardCheck.h"
#include "ThreadDanglingCaptureCheck.h"
#include "ThreadNotJoinedCheck.h"
#include "UnguardedAccessCheck.h"
#include "UnlockNotHeldCheck.h"
#include "WaitWithoutPredicateCheck.h"

namespace fearless {

template <typename C> static CheckInfo info() {
  return {C::Id, C::Summary, C::options(), &C::create};
}

llvm::ArrayRef<CheckInfo> allChecks() {
  static const CheckInfo Checks[] = {
      info<BlockingUnderLockCheck>(),
      info<DataRaceCheck>(),
      info<DoubleLockCheck>(),
      info<GuardedDataEscapeCheck>(),
      info<LockAcrossSuspendCheck>(),
      info<LockLeakCheck>(),
      info<LockOrderInversionCheck>(),
      info<TemporaryGuardCheck>(),
      info<ThreadDanglingCaptureCheck>(),
      info<ThreadNotJoinedCheck>(),
      info<UnguardedAccessCheck>(),
      info<UnlockNotHeldCheck>(),
      info<WaitWithoutPredicateCheck>(),
  };
  return Checks;
}

} // namespace fearless
