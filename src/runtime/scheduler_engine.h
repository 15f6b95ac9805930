// The engine loop behind yak::Scheduler: admission, the plan of each step, preemption and
// the forward pass. Everything here runs on the engine thread except what goes through
// `Inbox` (submissions, shutdown and the published stats), which is locked.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/scheduler_job.h"
#include "runtime/scheduler_plan.h"
#include "yak/scheduler.h"

namespace yak::runtime {

// What other threads hand the engine, and what it tells them.
struct Inbox {
  std::mutex mu;
  std::condition_variable wake;     // the engine: work arrived, or it must stop
  std::condition_variable settled;  // shutdown(): the engine has no requests left
  std::deque<std::shared_ptr<Job>> submitted;
  bool accepting = true;
  bool cancel_all = false;
  bool quit = false;
  int32_t engine_requests = 0;  // requests the engine holds (waiting or running)
  SchedulerStats stats;
};

class Engine {
 public:
  Engine(std::shared_ptr<const Model> model, const SchedulerOptions& options, Inbox& inbox);
  ~Engine();  // joins the thread (the inbox must say quit first)

  void start();
  void join();

 private:
  void loop();
  // Moves submissions in; false when the engine must quit.
  bool collect();
  void step();
  void drop_ended();  // cancelled or past their deadline
  void admit();
  bool try_admit(const std::shared_ptr<Job>& job);
  std::vector<StepEntry> plan();
  void run(std::vector<StepEntry>& entries);
  void preempt(const std::shared_ptr<Job>& job);
  void release(Job& job);  // frees the sequences of the job's choices
  void retire(const std::shared_ptr<Job>& job, const std::string& error = {});
  void publish();
  void deliver(Job& job, const std::string& error = {});
  int64_t free_blocks() const;

  std::shared_ptr<const Model> model_;
  SchedulerOptions options_;
  Inbox& inbox_;
  Context ctx_;
  std::deque<std::shared_ptr<Job>> waiting_;   // preempted requests go to the front
  std::vector<std::shared_ptr<Job>> running_;  // in order of admission
  int32_t running_sequences_ = 0;              // slots held: each running job holds n
  uint64_t admissions_ = 0;
  int64_t preemptions_ = 0;
  int64_t steps_ = 0;
  Batch batch_;
  std::thread thread_;
};

}  // namespace yak::runtime
