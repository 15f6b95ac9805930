// Continuous batching: one engine thread runs the requests of many clients through one
// context, a forward pass per step over every running sequence's next token plus chunks of
// prompts being prefilled. What a server sits on, usable by any embedding application.
//
//   yak::Scheduler scheduler(model, {.max_running = 8, .context_size = 4096});
//   yak::CompletionRequest request{.prompt = tokens};
//   request.options.max_new_tokens = 64;
//   auto handle = scheduler.submit(std::move(request), [](const yak::RequestUpdate& u) {
//     for (const auto& c : u.choices) send(c.text);  // on the engine thread: be quick
//   });
//   handle->cancel();  // from any thread; the request ends at the next step
//
// Each step: decode tokens first (one per running sequence), then prompt chunks of admitted
// requests, oldest first, within SchedulerOptions::batch_tokens; so a long prompt delays
// running streams by one chunk at most, never by its whole prefill. A request is admitted
// when a sequence slot is free and the KV pool has the blocks for its prompt (after the
// cached prefix it can reuse); when the pool runs dry mid-generation the most recently
// admitted request is preempted: its blocks are freed and it waits again at the head of the
// queue, to recompute what it had (from the prefix cache, when the blocks are still there)
// and go on exactly where it was. Clients see nothing of it but a pause.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "yak/engine.h"
#include "yak/generate.h"
#include "yak/grammar.h"
#include "yak/logprobs.h"

namespace yak {

struct SchedulerOptions {
  int32_t max_running = 4;      // sequences decoding at once (each choice of n > 1 counts)
  int32_t context_size = 4096;  // most tokens of one sequence: prompt + generated
  // The KV pool over all sequences: kv_tokens, else kv_memory_bytes (of KV cache), else
  // max_running * context_size tokens.
  int64_t kv_tokens = 0;
  uint64_t kv_memory_bytes = 0;
  int32_t batch_tokens = 512;  // tokens of one step (decode tokens + prefill chunks)
  int32_t kv_block_size = 32;
  int32_t max_waiting = 256;  // requests queued for admission; more: OverloadedError
  bool prefix_caching = true;
  uint64_t memory_limit_bytes = 0;   // as ContextOptions
  std::shared_ptr<Threads> threads;  // null: the scheduler starts its own (n_threads)
  int32_t n_threads = 0;
};

struct CompletionRequest {
  std::vector<int32_t> prompt;  // must not be empty
  // Sampling, stop strings, log-probabilities and max_new_tokens (-1: until the end of
  // generation or of the context). Choice i of n > 1 samples with seed + i (a random
  // seed, once resolved, counts as given).
  GenerateOptions options;
  int32_t n = 1;  // choices, forked after the prompt (they share its blocks)
  // -1: none; k >= 0: each prompt token's log-probability and its k most likely
  // alternatives (the first token has none, having no context). Such a request
  // reuses no cached prefix: every prompt token is run for its logits.
  int32_t prompt_logprobs = -1;
  // The request ends (StopReason::kCallback, as if cancelled) when this passes.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// What one choice gained in a step.
struct ChoiceUpdate {
  int32_t index = 0;
  // Text that is now final: complete UTF-8, never part of a stop string; may be empty
  // while a stop string or a character is pending. Its tokens need not line up with
  // `tokens`.
  std::string text;
  std::vector<int32_t> tokens;         // tokens sampled in this step (an end token included)
  std::vector<Logprobs> logprobs;      // one per token when options.top_logprobs >= 0
  std::optional<StopReason> finished;  // set in the choice's last update
};

struct RequestUpdate {
  uint64_t request_id = 0;
  std::vector<ChoiceUpdate> choices;  // the choices that changed, by index
  // Only in the first update, when prompt_logprobs >= 0: one per prompt token, the first
  // empty.
  std::vector<std::optional<Logprobs>> prompt_logprobs;
  int32_t prompt_tokens = 0;
  int32_t cached_tokens = 0;      // prompt tokens that came from the prefix cache
  int32_t completion_tokens = 0;  // so far, over all choices
  bool first = false;             // the first update (the prompt is done)
  bool done = false;              // the last update: every choice has finished
  std::string error;              // not empty: the request failed (done is set too)
  std::chrono::steady_clock::time_point admitted_at{};  // when it left the queue
  int32_t preemptions = 0;
};

// Called on the engine thread, in order, once per step that changed the request. It must
// return quickly and may not call into the scheduler except RequestHandle::cancel().
using UpdateCallback = std::function<void(const RequestUpdate&)>;

class RequestHandle {
 public:
  virtual ~RequestHandle() = default;
  uint64_t id() const { return id_; }
  // Thread-safe and idempotent: the request ends at the next step (StopReason::kCallback)
  // and its blocks are freed.
  virtual void cancel() = 0;

 protected:
  explicit RequestHandle(uint64_t id) : id_(id) {}

 private:
  uint64_t id_;
};

struct SchedulerStats {
  int32_t running_requests = 0;
  int32_t waiting_requests = 0;
  int32_t running_sequences = 0;
  KvStats kv;
  int64_t preemptions = 0;  // in total
  int64_t steps = 0;
  GrammarStats grammar;  // the token masks of constrained requests, in total
  bool alive = false;    // the engine loop is running
};

class Scheduler {
 public:
  // Creates the context (yak::Error when it cannot fit) and starts the engine thread.
  Scheduler(std::shared_ptr<const Model> model, const SchedulerOptions& options);
  // Cancels what is left and joins the engine thread.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request. Throws yak::Error when it is invalid or can never fit (the message
  // gives the numbers), OverloadedError when the queue is full, UnavailableError after
  // shutdown() began or when the engine loop has stopped.
  std::shared_ptr<RequestHandle> submit(CompletionRequest request, UpdateCallback on_update);

  // Stops admitting (submit throws UnavailableError), lets admitted and queued requests
  // finish for up to `grace`, then cancels the rest; returns when none is left.
  void shutdown(std::chrono::milliseconds grace);

  SchedulerStats stats() const;  // thread-safe
  const Model& model() const;
  const SchedulerOptions& options() const;  // as resolved (kv_tokens filled in)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yak
