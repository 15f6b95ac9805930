#include "runtime/scheduler_engine.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "core/error.h"

namespace yak::runtime {
namespace {

// Rows of logits one step may ask for on behalf of prompt log-probabilities: every prompt
// token of such a request wants a row of n_vocab floats, so its chunks are kept small
// enough that the rows stay a few tens of MB.
constexpr int32_t kMaxPromptLogitRows = 64;

ContextOptions context_options(const SchedulerOptions& o) {
  ContextOptions c;
  c.n_threads = o.n_threads;
  c.threads = o.threads;
  c.max_sequences = o.max_running;
  c.context_size = o.context_size;
  c.kv_tokens = o.kv_tokens;
  c.max_batch_tokens = o.batch_tokens;
  c.kv_block_size = o.kv_block_size;
  c.prefix_caching = o.prefix_caching;
  c.memory_limit_bytes = o.memory_limit_bytes;
  return c;
}

}  // namespace

Engine::Engine(std::shared_ptr<const Model> model, const SchedulerOptions& options, Inbox& inbox)
    : model_(std::move(model)),
      options_(options),
      inbox_(inbox),
      ctx_(model_, context_options(options)) {}

Engine::~Engine() { join(); }

void Engine::start() {
  {
    // Alive from here: a submit or shutdown right after construction must not find the
    // loop "stopped" before its thread has run.
    const std::lock_guard<std::mutex> lock(inbox_.mu);
    inbox_.stats.alive = true;
  }
  publish();
  thread_ = std::thread([this] { loop(); });
}

void Engine::join() {
  if (thread_.joinable()) thread_.join();
}

void Engine::loop() {
  while (collect()) {
    try {
      step();
    } catch (const std::exception& e) {
      // A bug, not a request's fault: end what is running rather than spin on it.
      const std::string message = fmt::format("internal error in the engine: {}", e.what());
      for (const auto& job : std::vector(running_)) retire(job, message);
    }
    publish();
  }
  // Quitting: whatever is left ends as cancelled.
  for (const auto& job : std::vector(running_)) {
    job->finish_all(StopReason::kCallback);
    retire(job);
  }
  for (const auto& job : waiting_) {
    job->finish_all(StopReason::kCallback);
    deliver(*job);
  }
  waiting_.clear();
  const std::lock_guard<std::mutex> lock(inbox_.mu);
  inbox_.stats.alive = false;
  inbox_.engine_requests = 0;
  inbox_.settled.notify_all();
}

bool Engine::collect() {
  std::unique_lock<std::mutex> lock(inbox_.mu);
  inbox_.wake.wait(lock, [&] {
    return inbox_.quit || !inbox_.submitted.empty() || !running_.empty() || !waiting_.empty();
  });
  if (inbox_.quit) return false;
  while (!inbox_.submitted.empty()) {
    waiting_.push_back(std::move(inbox_.submitted.front()));
    inbox_.submitted.pop_front();
  }
  // Counted at once: shutdown() must not see the queue empty before the step publishes.
  inbox_.engine_requests = static_cast<int32_t>(running_.size() + waiting_.size());
  if (inbox_.cancel_all) {
    for (const auto& job : running_) job->cancel();
    for (const auto& job : waiting_) job->cancel();
  }
  return true;
}

void Engine::step() {
  drop_ended();
  admit();
  std::vector<StepEntry> entries = plan();
  if (entries.empty()) return;
  run(entries);
  ++steps_;
}

void Engine::drop_ended() {
  const auto now = std::chrono::steady_clock::now();
  auto ended = [&](const std::shared_ptr<Job>& job) {
    return job->cancelled() || job->past_deadline(now);
  };
  for (const auto& job : std::vector(running_)) {
    if (!ended(job)) continue;
    job->finish_all(StopReason::kCallback);
    retire(job);
  }
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (!ended(*it)) {
      ++it;
      continue;
    }
    (*it)->finish_all(StopReason::kCallback);
    deliver(**it);
    it = waiting_.erase(it);
  }
}

int64_t Engine::free_blocks() const { return ctx_.kv_stats().free_blocks(); }

void Engine::admit() {
  // First come, first served: a request that must wait holds up those behind it, so that
  // a large one is not starved by a stream of small ones.
  while (!waiting_.empty() && try_admit(waiting_.front())) {
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
}

bool Engine::try_admit(const std::shared_ptr<Job>& job) {
  if (running_sequences_ + job->width() > options_.max_running) return false;
  // A fresh request runs its prompt once, in choice 0, and forks the others from it; a
  // preempted one recomputes each unfinished choice (the prefix cache shares what it can).
  std::vector<Choice*> starting;
  for (Choice& c : job->choices()) {
    if (!c.active()) continue;
    starting.push_back(&c);
    if (job->forks_pending()) break;
  }
  int64_t needed = 0;
  int32_t cached = 0;
  for (Choice* c : starting) {
    c->seq = ctx_.add_sequence();
    c->computed = 0;
    if (options_.prefix_caching && !job->wants_prompt_logprobs())
      c->computed = ctx_.attach_cached_prefix(*c->seq, c->tokens);
    if (c == starting.front()) cached = c->computed;
    needed += ctx_.blocks_needed(*c->seq, c->remaining());
  }
  // Room for each running sequence to grow a block, so that admitting a prompt does not
  // at once preempt the streams already running.
  const int64_t headroom = running_sequences_;
  if (needed + headroom > free_blocks()) {
    for (Choice* c : starting) {
      ctx_.remove_sequence(*c->seq);
      c->seq.reset();
      c->computed = 0;
    }
    return false;
  }
  running_sequences_ += job->width();
  job->admission = ++admissions_;
  if (!job->admitted_once) {
    job->admitted_once = true;
    job->admitted_at = std::chrono::steady_clock::now();
    job->cached_tokens = cached;
  }
  return true;
}

std::vector<StepEntry> Engine::plan() {
  std::vector<StepEntry> entries;
  int64_t planned_blocks = 0;
  int32_t budget = options_.batch_tokens;

  // Drops a preempted job's entries from the plan, and its blocks from the count.
  auto preempt_latest = [&] {
    const std::shared_ptr<Job> victim = running_.back();
    std::erase_if(entries, [&](const StepEntry& e) {
      if (e.job != victim) return false;
      budget += e.count;
      return true;
    });
    preempt(victim);
    planned_blocks = 0;
    for (const StepEntry& e : entries) {
      const Choice& c = e.job->choices()[static_cast<size_t>(e.choice)];
      planned_blocks += ctx_.blocks_needed(*c.seq, e.count);
    }
  };

  // Decode tokens first, oldest request first; when the pool runs dry, the most recently
  // admitted request makes room, even if that is this one.
  for (const std::shared_ptr<Job>& job : std::vector(running_)) {
    if (std::find(running_.begin(), running_.end(), job) == running_.end()) continue;  // a victim
    for (Choice& c : job->choices()) {
      if (!c.active() || !c.seq || c.remaining() != 1) continue;
      const int64_t need = ctx_.blocks_needed(*c.seq, 1);
      while (need > free_blocks() - planned_blocks && running_.back() != job) preempt_latest();
      if (need > free_blocks() - planned_blocks) {
        preempt_latest();  // this very request
        break;
      }
      planned_blocks += need;
      --budget;
      entries.push_back({job, c.index, c.computed, 1, {}});
    }
  }

  // Then prompt chunks, oldest first, within what is left of the step's budget.
  for (const std::shared_ptr<Job>& job : running_) {
    for (Choice& c : job->choices()) {
      if (budget <= 0) break;
      if (!c.active() || !c.seq || c.remaining() <= 1) continue;
      int32_t count = std::min(c.remaining(), budget);
      if (job->wants_prompt_logprobs()) count = std::min(count, kMaxPromptLogitRows);
      // As much of the chunk as the free blocks hold.
      const int64_t room = free_blocks() - planned_blocks;
      while (count > 0 && ctx_.blocks_needed(*c.seq, count) > room) count /= 2;
      if (count == 0) continue;
      planned_blocks += ctx_.blocks_needed(*c.seq, count);
      budget -= count;
      entries.push_back({job, c.index, c.computed, count, {}});
    }
  }

  // Nothing could run although requests are admitted: the pool is held by prompts that
  // are each waiting for more of it. The latest makes room for the others.
  if (entries.empty() && running_.size() > 1) {
    preempt_latest();
    return plan();
  }
  if (entries.empty() && !running_.empty())
    for (const auto& job : std::vector(running_))
      retire(job, "the request does not fit in the KV cache");
  return entries;
}

void Engine::run(std::vector<StepEntry>& entries) {
  batch_.clear();
  for (StepEntry& e : entries) {
    Job& job = *e.job;
    const Choice& c = job.choices()[static_cast<size_t>(e.choice)];
    e.outputs.assign(static_cast<size_t>(e.count), -1);
    for (int32_t i = 0; i < e.count; ++i) {
      const int32_t pos = e.first + i;
      const bool last = pos + 1 == static_cast<int32_t>(c.tokens.size());
      const bool scores_prompt = job.wants_prompt_logprobs() && pos + 1 < job.prompt_size();
      e.outputs[static_cast<size_t>(i)] =
          batch_.add(c.tokens[static_cast<size_t>(pos)], pos, *c.seq, last || scores_prompt);
    }
  }

  try {
    ctx_.decode(batch_);
  } catch (const std::exception& e) {
    // The batch changed nothing; its requests fail with the reason, the others go on.
    const std::string message = e.what();
    for (const StepEntry& entry : entries)
      if (std::find(running_.begin(), running_.end(), entry.job) != running_.end())
        retire(entry.job, message);
    return;
  }

  // A request whose sampling fails (its grammar's mask ran past its work budget) ends with
  // the reason; the others in the batch go on.
  std::vector<std::pair<std::shared_ptr<Job>, std::string>> failed;
  const auto has_failed = [&](const std::shared_ptr<Job>& job) {
    return std::any_of(failed.begin(), failed.end(), [&](const auto& f) { return f.first == job; });
  };
  for (StepEntry& e : entries) {
    if (has_failed(e.job)) continue;
    Job& job = *e.job;
    Choice& c = job.choices()[static_cast<size_t>(e.choice)];
    c.computed += e.count;
    for (int32_t i = 0; i < e.count; ++i) {
      const int32_t pos = e.first + i;
      const int32_t out = e.outputs[static_cast<size_t>(i)];
      if (job.wants_prompt_logprobs() && pos + 1 < job.prompt_size() && out >= 0)
        job.add_prompt_logprob(pos + 1, ctx_.logits(out));
    }
    if (c.remaining() != 0) continue;
    const std::span<const float> logits = ctx_.logits(e.outputs.back());
    try {
      if (job.forks_pending()) {
        // The prompt is done: every other choice starts from here, sharing its blocks.
        for (Choice& other : job.choices()) {
          if (other.index == c.index) continue;
          other.seq = ctx_.fork_sequence(*c.seq);
          other.computed = c.computed;
        }
        job.mark_forked();
        for (Choice& each : job.choices()) job.advance(each, logits, options_.context_size);
      } else {
        job.advance(c, logits, options_.context_size);
      }
    } catch (const std::exception& ex) {
      failed.emplace_back(e.job, ex.what());
    }
  }
  for (const auto& [job, message] : failed)
    if (std::find(running_.begin(), running_.end(), job) != running_.end()) retire(job, message);

  for (const auto& job : std::vector(running_)) {
    // A finished choice gives its blocks back at once; the request ends with its last.
    for (Choice& c : job->choices())
      if (!c.active() && c.seq) {
        ctx_.remove_sequence(*c.seq);
        c.seq.reset();
      }
    if (job->done())
      retire(job);
    else
      deliver(*job);
  }
}

void Engine::preempt(const std::shared_ptr<Job>& job) {
  release(*job);
  std::erase(running_, job);
  running_sequences_ -= job->width();
  ++job->preemptions;
  ++preemptions_;
  waiting_.push_front(job);
}

void Engine::release(Job& job) {
  for (Choice& c : job.choices()) {
    if (c.seq) ctx_.remove_sequence(*c.seq);
    c.seq.reset();
    c.computed = 0;
  }
}

void Engine::retire(const std::shared_ptr<Job>& job, const std::string& error) {
  release(*job);
  if (std::erase(running_, job) > 0) running_sequences_ -= job->width();
  deliver(*job, error);
}

void Engine::deliver(Job& job, const std::string& error) {
  try {
    job.flush_update(error);
  } catch (const std::exception&) {
    job.cancel();  // the caller's callback failed: it can take nothing more
  }
}

void Engine::publish() {
  SchedulerStats s;
  s.running_requests = static_cast<int32_t>(running_.size());
  s.waiting_requests = static_cast<int32_t>(waiting_.size());
  for (const auto& job : running_)
    for (const Choice& c : job->choices()) s.running_sequences += c.seq ? 1 : 0;
  s.kv = ctx_.kv_stats();
  s.preemptions = preemptions_;
  s.steps = steps_;
  const std::lock_guard<std::mutex> lock(inbox_.mu);
  s.alive = inbox_.stats.alive;
  s.waiting_requests += static_cast<int32_t>(inbox_.submitted.size());
  inbox_.stats = s;
  inbox_.engine_requests = static_cast<int32_t>(running_.size() + waiting_.size());
  if (inbox_.engine_requests == 0 && inbox_.submitted.empty()) inbox_.settled.notify_all();
}

}  // namespace yak::runtime
