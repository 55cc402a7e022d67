/* Bad: C code with pthread mutexes taken in both orders. */
#include <pthread.h>

pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int rows, lines;

void insert_row(void) {
  pthread_mutex_lock(&table_lock);
  pthread_mutex_lock(&log_lock);
  rows++;
  lines++;
  pthread_mutex_unlock(&log_lock);
  pthread_mutex_unlock(&table_lock);
}

void rotate_log(void) {
  pthread_mutex_lock(&log_lock);
  pthread_mutex_lock(&table_lock); // expect: fearless-lock-order-inversion lock order inversion between 'log_lock' and 'table_lock'
  lines = 0;
  pthread_mutex_unlock(&table_lock);
  pthread_mutex_unlock(&log_lock);
}
