#include "yak/scheduler.h"

#include <utility>

#include "core/error.h"
#include "core/system_memory.h"
#include "model/kv_cache.h"
#include "runtime/grammar_binder.h"
#include "runtime/model_impl.h"
#include "runtime/scheduler_engine.h"

namespace yak {
namespace {

int64_t blocks_for(int64_t tokens, int32_t block_size) {
  return (tokens + block_size - 1) / block_size;
}

// Fills in the pool size and checks what must hold for every request to be able to run.
SchedulerOptions resolve(const Model& model, SchedulerOptions o) {
  if (o.max_running < 1 || o.max_running > 4096)
    fail("the number of parallel sequences {} is out of range [1, 4096]", o.max_running);
  if (o.context_size < 1)
    fail("the context per request {} must be at least 1 token", o.context_size);
  if (o.batch_tokens < o.max_running || o.batch_tokens > 65536)
    fail("the batch size {} must be in [{}, 65536]: a step runs one token of every sequence",
         o.batch_tokens, o.max_running);
  if (o.max_waiting < 0) fail("the queue size {} must not be negative", o.max_waiting);
  if (o.kv_block_size < 1 || o.kv_block_size > 4096)
    fail("the KV block size {} is out of range [1, 4096]", o.kv_block_size);
  const uint64_t per_token = model::KvCache::bytes_per_token(model.impl().config);
  if (o.kv_tokens < 0) fail("the KV pool of {} tokens must not be negative", o.kv_tokens);
  if (o.kv_tokens == 0 && o.kv_memory_bytes != 0)
    o.kv_tokens = static_cast<int64_t>(o.kv_memory_bytes / per_token);
  else if (o.kv_tokens == 0)
    o.kv_tokens = static_cast<int64_t>(o.max_running) * o.context_size;
  if (o.kv_tokens < o.context_size)
    fail(
        "the KV pool of {} tokens ({} per token) holds less than one request's context of {} "
        "tokens: give the pool more tokens or memory, or lower the context",
        o.kv_tokens, format_bytes(per_token), o.context_size);
  return o;
}

}  // namespace

struct Scheduler::Impl {
  std::shared_ptr<const Model> model;
  SchedulerOptions options;
  runtime::Inbox inbox;
  std::unique_ptr<runtime::Engine> engine;
  std::unique_ptr<runtime::GrammarBinder> grammars;
  uint64_t next_id = 1;  // under inbox.mu

  void validate(const CompletionRequest& r) const {
    const int32_t n_vocab = model->info().n_vocab;
    const auto prompt = static_cast<int64_t>(r.prompt.size());
    if (prompt == 0) fail("the prompt has no tokens");
    for (size_t i = 0; i < r.prompt.size(); ++i)
      if (r.prompt[i] < 0 || r.prompt[i] >= n_vocab)
        fail("prompt token {} at index {} is not in the vocabulary [0, {})", r.prompt[i], i,
             n_vocab);
    if (r.n < 1 || r.n > options.max_running)
      fail("n = {} is out of range [1, {}] (the server's parallel sequences)", r.n,
           options.max_running);
    if (r.prompt_logprobs < -1 || r.prompt_logprobs > 20)
      fail("prompt log-probabilities ask for {} alternatives; at most 20", r.prompt_logprobs);
    if (!r.options.grammar_triggers.empty() && !r.options.grammar)
      fail("grammar triggers were given without a grammar");
    if (r.options.top_logprobs < -1 || r.options.top_logprobs > 20)
      fail("top_logprobs = {} is out of range [0, 20]", r.options.top_logprobs);
    const int64_t max_new = r.options.max_new_tokens;
    if (max_new < -1) fail("max_tokens = {} must not be negative", max_new);
    const int64_t context = options.context_size;
    if (prompt > context)
      fail("the prompt has {} tokens, over the context of {} tokens per request", prompt, context);
    if (max_new >= 0 && prompt + max_new > context)
      fail(
          "the prompt has {} tokens and max_tokens is {}: {} in all, over the context of {} "
          "tokens per request",
          prompt, max_new, prompt + max_new, context);
    // The choices share the prompt's blocks and grow apart after it (the partly filled
    // block they fork in is copied).
    const int32_t bs = options.kv_block_size;
    const int64_t growth = (max_new >= 0 ? max_new : context - prompt) + bs;
    const int64_t blocks = blocks_for(prompt, bs) + r.n * blocks_for(growth, bs);
    const int64_t pool = blocks_for(options.kv_tokens, bs);
    if (r.n > 1 && blocks > pool)
      fail(
          "n = {} choices of a {}-token prompt and up to {} new tokens each need {} KV blocks "
          "of {} tokens, more than the pool's {}",
          r.n, prompt, growth - bs, blocks, bs, pool);
  }
};

Scheduler::Scheduler(std::shared_ptr<const Model> model, const SchedulerOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (!model) fail("the scheduler needs a model");
  impl_->model = std::move(model);
  impl_->options = resolve(*impl_->model, options);
  impl_->grammars = std::make_unique<runtime::GrammarBinder>(impl_->model->tokenizer());
  impl_->engine = std::make_unique<runtime::Engine>(impl_->model, impl_->options, impl_->inbox);
  impl_->engine->start();
}

Scheduler::~Scheduler() {
  {
    const std::lock_guard<std::mutex> lock(impl_->inbox.mu);
    impl_->inbox.accepting = false;
    impl_->inbox.quit = true;
  }
  impl_->inbox.wake.notify_all();
  impl_->engine->join();
}

std::shared_ptr<RequestHandle> Scheduler::submit(CompletionRequest request,
                                                 UpdateCallback on_update) {
  impl_->validate(request);
  runtime::Inbox& inbox = impl_->inbox;
  uint64_t id = 0;
  {
    const std::lock_guard<std::mutex> lock(inbox.mu);
    if (!inbox.accepting) throw UnavailableError("the server is shutting down");
    if (!inbox.stats.alive && inbox.quit) throw UnavailableError("the engine has stopped");
    const auto queued = static_cast<int64_t>(inbox.submitted.size()) + inbox.stats.waiting_requests;
    if (queued >= impl_->options.max_waiting)
      throw OverloadedError(fmt::format(
          "{} requests are already waiting (the queue's limit); try again shortly", queued));
    id = impl_->next_id++;
  }
  // Built outside the lock: it validates sampling parameters and stop strings.
  std::shared_ptr<const TokenGrammar> grammar;
  if (request.options.grammar) grammar = impl_->grammars->bind(*request.options.grammar);
  auto job =
      std::make_shared<runtime::Job>(id, std::move(request), std::move(on_update), *impl_->model,
                                     impl_->options.context_size, std::move(grammar));
  {
    const std::lock_guard<std::mutex> lock(inbox.mu);
    if (!inbox.accepting) throw UnavailableError("the server is shutting down");
    inbox.submitted.push_back(job);
  }
  inbox.wake.notify_all();
  return job;
}

void Scheduler::shutdown(std::chrono::milliseconds grace) {
  runtime::Inbox& inbox = impl_->inbox;
  std::unique_lock<std::mutex> lock(inbox.mu);
  inbox.accepting = false;
  auto settled = [&] {
    return (inbox.engine_requests == 0 && inbox.submitted.empty()) || !inbox.stats.alive;
  };
  if (!inbox.settled.wait_for(lock, grace, settled)) {
    inbox.cancel_all = true;
    inbox.wake.notify_all();
    inbox.settled.wait(lock, settled);
  }
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats s;
  {
    const std::lock_guard<std::mutex> lock(impl_->inbox.mu);
    s = impl_->inbox.stats;
  }
  s.grammar = impl_->grammars->stats();
  return s;
}

const Model& Scheduler::model() const { return *impl_->model; }
const SchedulerOptions& Scheduler::options() const { return impl_->options; }

}  // namespace yak
