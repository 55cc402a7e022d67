// Locks shared between the units of the sample project.
#pragma once
#include <mutex>

// orders.cpp <-> ledger.cpp: each takes its own lock, then calls into the
// other file, which takes the other lock.
extern std::mutex orders_mu;
extern std::mutex audit_mu;
void place_order();
void notify_orders();
void audit_record();
void audit_flush();

// A cycle over three files: stage_a.cpp, stage_b.cpp, stage_c.cpp.
extern std::mutex stage_a_mu;
extern std::mutex stage_b_mu;
extern std::mutex stage_c_mu;
void stage_a_then_b();
void stage_b_then_c();
void stage_c_then_a();
