#pragma once

/// Counts one served request (no lock: meant for one thread only, but
/// called from every worker).
void count_request();
long requests_served();
