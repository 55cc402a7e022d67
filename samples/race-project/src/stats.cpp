#include "stats.h"

static long requests = 0;

void count_request() {
  ++requests; // expect: fearless-data-race data race on 'requests': written by thread 'lambda in main' while another instance of thread 'lambda in main' writes it at stats.cpp:6
}

long requests_served() { return requests; }
