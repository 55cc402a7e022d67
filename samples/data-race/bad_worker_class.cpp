// A worker that owns its thread: start() runs loop() on the object's
// fields, while the class's users go on calling push(), done() and stop()
// on the same object. Nothing protects the queue or the counters, and the
// stop flag is a plain bool.
#include <deque>
#include <thread>

class Worker {
public:
  void start() {
    running_ = true;
    thread_ = std::thread([this] { loop(); });
  }

  void push(int v) {
    queue_.push_back(v); // expect: fearless-data-race data race on 'Worker::queue_': written by 'Worker::push' while thread 'lambda in Worker::start' reads it at bad_worker_class.cpp:36, with no lock held in common // expect: fearless-data-race data race on 'Worker::queue_': written by 'Worker::push' while thread 'lambda in Worker::start' writes it at bad_worker_class.cpp:37, with no lock held in common
    ++pushed_;
  }

  long done() const { return done_; }

  void stop() {
    running_ = false;
    thread_.join();
    queue_.clear();
  }

  ~Worker() {
    if (thread_.joinable())
      stop();
  }

private:
  void loop() {
    while (running_) { // expect: fearless-data-race thread 'lambda in Worker::start' spins on the plain flag 'Worker::running_' while 'Worker::stop' writes it at bad_worker_class.cpp:23: the compiler may hoist the read out of the loop and the loop may never end; make the flag std::atomic
      if (!queue_.empty()) {
        queue_.pop_front();
        ++done_; // expect: fearless-data-race data race on 'Worker::done_': written by thread 'lambda in Worker::start' while 'Worker::done' reads it at bad_worker_class.cpp:20, with no lock held in common
      }
    }
  }

  std::thread thread_;
  std::deque<int> queue_;
  bool running_ = false;
  long pushed_ = 0;
  long done_ = 0;
};

int main() {
  Worker w;
  w.start();
  for (int i = 0; i < 100; ++i)
    w.push(i);
  w.stop();
  return w.done() == 100 ? 0 : 1;
}
