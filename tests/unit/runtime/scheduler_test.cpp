// The scheduler: what a request gets equals what it gets alone through generate(),
// whatever else runs beside it, however its prompt is chunked and even when it is
// preempted; admission refuses what can never fit; cancellation and shutdown free slots.
#include "yak/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "unit/runtime/scheduler_test_util.h"
#include "unit/test_models.h"
#include "yak/error.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

using test::Collector;
using test::greedy_request;
using test::Outcome;

std::shared_ptr<Threads> shared_threads() {
  static const auto threads = std::make_shared<Threads>(2);
  return threads;
}

std::vector<int32_t> tokens_of(const std::string& text) {
  return test::shared_default_model()->tokenizer().encode(text);
}

// What generate() makes of the request alone in a fresh context. The KV block size is the
// scheduler's: attention's online softmax rescales at block boundaries, so the same numbers
// come only from the same blocks.
GenerateResult alone(const CompletionRequest& r, int32_t kv_block_size = 32) {
  Context ctx(test::shared_default_model(),
              {.context_size = 1024, .kv_block_size = kv_block_size, .threads = shared_threads()});
  const SequenceId seq = ctx.add_sequence();
  return generate(ctx, seq, r.prompt, r.options);
}

Outcome run(Scheduler& scheduler, CompletionRequest r) {
  Collector collector(r.n);
  scheduler.submit(std::move(r), collector.callback());
  return collector.wait();
}

// Prompts of different lengths and topics, so the batch mixes short and long sequences.
std::vector<std::vector<int32_t>> varied_prompts(int n) {
  const std::vector<std::string> topics = {"The history of the Roman empire",
                                           "How to bake bread at home",
                                           "A list of prime numbers: 2, 3, 5,",
                                           "def fibonacci(n):",
                                           "The weather in London is usually",
                                           "Once upon a time, in a small village,",
                                           "The main causes of the French revolution were",
                                           "Photosynthesis is the process"};
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < n; ++i) {
    std::string text = topics[static_cast<size_t>(i) % topics.size()];
    for (int k = 0; k < (i * 7) % 13; ++k) text += " and, to say more about it in detail,";
    prompts.push_back(tokens_of(text));
  }
  return prompts;
}

SchedulerOptions options_with(int32_t max_running, int32_t batch_tokens = 512) {
  SchedulerOptions o;
  o.max_running = max_running;
  o.context_size = 512;
  o.batch_tokens = batch_tokens;
  o.threads = shared_threads();
  return o;
}

TEST(Scheduler, AGreedyRequestGetsWhatGenerateGivesAlone) {
  Scheduler scheduler(test::shared_default_model(), options_with(4));
  const CompletionRequest r = greedy_request(tokens_of("The capital of France is"), 24);
  const GenerateResult expected = alone(r);
  const Outcome got = run(scheduler, r);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.tokens[0], expected.tokens);
  EXPECT_EQ(got.text[0], expected.text);
  EXPECT_EQ(got.finished[0], StopReason::kMaxTokens);
  EXPECT_EQ(got.prompt_tokens, static_cast<int32_t>(r.prompt.size()));
  EXPECT_EQ(got.completion_tokens, 24);
  EXPECT_TRUE(got.first_was_first);
}

// Batch invariance: 32 greedy requests side by side, their prompts cut into chunks of
// whatever the step budget leaves, each yield exactly the tokens they yield alone.
TEST(Scheduler, ThirtyTwoRequestsTogetherEachGetWhatTheyGetAlone) {
  const std::vector<std::vector<int32_t>> prompts = varied_prompts(32);
  std::vector<GenerateResult> expected;
  for (const auto& p : prompts) expected.push_back(alone(greedy_request(p, 16)));
  for (const int32_t batch_tokens : {512, 40}) {
    SCOPED_TRACE(testing::Message() << "batch_tokens " << batch_tokens);
    Scheduler scheduler(test::shared_default_model(), options_with(32, batch_tokens));
    std::vector<Collector> collectors(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i)
      scheduler.submit(greedy_request(prompts[i], 16), collectors[i].callback());
    for (size_t i = 0; i < prompts.size(); ++i) {
      const Outcome got = collectors[i].wait();
      EXPECT_EQ(got.tokens[0], expected[i].tokens) << "request " << i;
      EXPECT_EQ(got.text[0], expected[i].text) << "request " << i;
    }
  }
}

TEST(Scheduler, StopStringsEndTheTextBeforeThemAsGenerateDoes) {
  Scheduler scheduler(test::shared_default_model(), options_with(2));
  CompletionRequest r = greedy_request(tokens_of("The capital of France is"), 24);
  const std::string free_text = alone(r).text;
  ASSERT_GT(free_text.size(), 12u);
  r.options.stop = {free_text.substr(free_text.size() / 2, 3)};
  const GenerateResult expected = alone(r);
  ASSERT_EQ(expected.stop_reason, StopReason::kStopString);
  const Outcome got = run(scheduler, r);
  EXPECT_EQ(got.text[0], expected.text);
  EXPECT_EQ(got.finished[0], StopReason::kStopString);
}

TEST(Scheduler, SeededSamplingReproducesAndLogprobsComeWithEachToken) {
  Scheduler scheduler(test::shared_default_model(), options_with(2));
  CompletionRequest r = greedy_request(tokens_of("Write a poem about the sea."), 12);
  r.options.sampling.temperature = 1.0f;
  r.options.sampling.seed = 1234;
  r.options.top_logprobs = 3;
  const Outcome a = run(scheduler, r);
  const Outcome b = run(scheduler, r);
  EXPECT_EQ(a.tokens[0], b.tokens[0]);
  EXPECT_EQ(a.tokens[0], alone(r).tokens);
  ASSERT_EQ(a.logprobs[0].size(), a.tokens[0].size());
  for (size_t i = 0; i < a.tokens[0].size(); ++i) {
    EXPECT_EQ(a.logprobs[0][i].chosen.token, a.tokens[0][i]);
    EXPECT_EQ(a.logprobs[0][i].top.size(), 3u);
  }
}

TEST(Scheduler, ChoicesOfOneRequestSampleWithConsecutiveSeeds) {
  Scheduler scheduler(test::shared_default_model(), options_with(4));
  CompletionRequest r = greedy_request(tokens_of("Tell me a story about a dragon."), 10);
  r.options.sampling.temperature = 1.0f;
  r.options.sampling.seed = 77;
  r.n = 3;
  const Outcome got = run(scheduler, r);
  ASSERT_EQ(got.error, "");
  for (int32_t i = 0; i < 3; ++i) {
    CompletionRequest single = r;
    single.n = 1;
    single.options.sampling.seed = 77 + static_cast<uint64_t>(i);
    EXPECT_EQ(got.tokens[static_cast<size_t>(i)], alone(single).tokens) << "choice " << i;
  }
  EXPECT_EQ(got.completion_tokens, 30);
}

// A pool that holds one request's context: four long generations cannot all fit, so the
// latest are preempted and recomputed, and still get exactly their greedy tokens.
TEST(Scheduler, PreemptedRequestsResumeWhereTheyWere) {
  SchedulerOptions o = options_with(4, 64);
  o.context_size = 256;
  o.kv_tokens = 256;
  o.kv_block_size = 16;
  Scheduler scheduler(test::shared_default_model(), o);
  const std::vector<std::vector<int32_t>> prompts = varied_prompts(4);
  std::vector<Collector> collectors(4);
  for (size_t i = 0; i < 4; ++i)
    scheduler.submit(greedy_request(prompts[i], 100), collectors[i].callback());
  int32_t preempted = 0;
  for (size_t i = 0; i < 4; ++i) {
    const Outcome got = collectors[i].wait();
    EXPECT_EQ(got.error, "");
    EXPECT_EQ(got.tokens[0], alone(greedy_request(prompts[i], 100), 16).tokens) << "request " << i;
    preempted += got.preemptions;
  }
  EXPECT_GT(preempted, 0);
  EXPECT_GT(scheduler.stats().preemptions, 0);
}

TEST(Scheduler, PromptLogprobsScoreEveryPromptTokenButTheFirst) {
  const auto model = test::shared_default_model();
  Scheduler scheduler(model, options_with(2, 16));  // chunks of 16: scores cross chunks
  const std::vector<int32_t> prompt =
      tokens_of("The quick brown fox jumps over the lazy dog, and then it runs far away.");
  CompletionRequest r = greedy_request(prompt, 0);
  r.prompt_logprobs = 2;
  const Outcome got = run(scheduler, r);
  ASSERT_EQ(got.prompt_logprobs.size(), prompt.size());
  EXPECT_FALSE(got.prompt_logprobs[0].has_value());
  EXPECT_TRUE(got.tokens[0].empty());
  EXPECT_EQ(got.finished[0], StopReason::kMaxTokens);

  Context ctx(model, {.context_size = 128, .threads = shared_threads()});
  const SequenceId seq = ctx.add_sequence();
  Batch batch;
  for (size_t i = 0; i < prompt.size(); ++i)
    batch.add(prompt[i], static_cast<int32_t>(i), seq, true);
  ctx.decode(batch);
  for (size_t i = 1; i < prompt.size(); ++i) {
    ASSERT_TRUE(got.prompt_logprobs[i].has_value());
    const Logprobs expected = token_logprobs(ctx.logits(static_cast<int32_t>(i - 1)), prompt[i], 2);
    EXPECT_EQ(got.prompt_logprobs[i]->chosen.token, prompt[i]);
    EXPECT_NEAR(got.prompt_logprobs[i]->chosen.logprob, expected.chosen.logprob, 1e-4);
    ASSERT_EQ(got.prompt_logprobs[i]->top.size(), 2u);
    EXPECT_EQ(got.prompt_logprobs[i]->top[0].token, expected.top[0].token);
  }
}

TEST(Scheduler, APromptSeenBeforeComesFromThePrefixCache) {
  Scheduler scheduler(test::shared_default_model(), options_with(2));
  std::string text = "You are a helpful assistant who answers questions about geography.";
  for (int i = 0; i < 6; ++i) text += " Be precise, brief and kind, and cite the facts you use.";
  const CompletionRequest r = greedy_request(tokens_of(text), 8);
  const Outcome first = run(scheduler, r);
  const Outcome second = run(scheduler, r);
  EXPECT_EQ(first.cached_tokens, 0);
  EXPECT_GT(second.cached_tokens, 0);
  EXPECT_EQ(second.cached_tokens % 32, 0);  // whole blocks
  EXPECT_LT(second.cached_tokens, static_cast<int32_t>(r.prompt.size()));
  EXPECT_EQ(second.tokens[0], first.tokens[0]);
  const KvStats kv = scheduler.stats().kv;
  EXPECT_GT(kv.prefix_hit_tokens, 0);
  EXPECT_GE(kv.prefix_queried_tokens, kv.prefix_hit_tokens);
}

TEST(Scheduler, RefusesWhatCanNeverFitWithTheNumbers) {
  Scheduler scheduler(test::shared_default_model(), options_with(2));
  const std::vector<int32_t> prompt = tokens_of("Hello there");
  auto message_of = [&](CompletionRequest r) -> std::string {
    try {
      scheduler.submit(std::move(r), {});
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message_of(greedy_request(prompt, 511)),
            "the prompt has 2 tokens and max_tokens is 511: 513 in all, over the context of 512 "
            "tokens per request");
  EXPECT_EQ(message_of(greedy_request({}, 4)), "the prompt has no tokens");
  EXPECT_EQ(message_of(greedy_request({-1}, 4)),
            "prompt token -1 at index 0 is not in the vocabulary [0, 49152)");
  CompletionRequest wide = greedy_request(prompt, 4);
  wide.n = 3;
  EXPECT_EQ(message_of(wide), "n = 3 is out of range [1, 2] (the server's parallel sequences)");
  CompletionRequest bad_stop = greedy_request(prompt, 4);
  bad_stop.options.stop = {""};
  EXPECT_NE(message_of(bad_stop), "accepted");
  EXPECT_EQ(scheduler.stats().waiting_requests, 0);
}

TEST(Scheduler, AFullQueueIsOverloadedNotFailed) {
  SchedulerOptions o = options_with(1);
  o.max_waiting = 2;
  Scheduler scheduler(test::shared_default_model(), o);
  const std::vector<int32_t> prompt = tokens_of("Count from one to a thousand:");
  std::vector<Collector> collectors(4);
  std::vector<std::shared_ptr<RequestHandle>> handles;
  int overloaded = 0;
  for (Collector& c : collectors) {
    try {
      handles.push_back(scheduler.submit(greedy_request(prompt, 200), c.callback()));
    } catch (const OverloadedError&) {
      ++overloaded;
    }
  }
  EXPECT_GE(overloaded, 1);
  for (const auto& h : handles) h->cancel();
}

TEST(Scheduler, CancelledRequestsEndAndFreeTheirSlots) {
  Scheduler scheduler(test::shared_default_model(), options_with(1));
  Collector long_one;
  auto handle =
      scheduler.submit(greedy_request(tokens_of("Count to a thousand:"), 400), long_one.callback());
  Collector queued;
  scheduler.submit(greedy_request(tokens_of("Hi"), 4), queued.callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  handle->cancel();
  const Outcome cancelled = long_one.wait();
  EXPECT_EQ(cancelled.finished[0], StopReason::kCallback);
  EXPECT_LT(cancelled.completion_tokens, 400);
  const Outcome next = queued.wait();  // the slot it held runs the next request
  EXPECT_EQ(next.completion_tokens, 4);
  const SchedulerStats s = scheduler.stats();
  EXPECT_EQ(s.running_requests, 0);
  EXPECT_TRUE(s.alive);
}

TEST(Scheduler, ShutdownLetsRunningRequestsFinishThenRefusesNewOnes) {
  Scheduler scheduler(test::shared_default_model(), options_with(2));
  Collector a;
  scheduler.submit(greedy_request(tokens_of("One, two, three,"), 16), a.callback());
  scheduler.shutdown(std::chrono::seconds(60));
  EXPECT_TRUE(a.done());
  EXPECT_EQ(a.wait().finished[0], StopReason::kMaxTokens);
  EXPECT_THROW(scheduler.submit(greedy_request(tokens_of("Hi"), 2), {}), UnavailableError);

  Scheduler hurried(test::shared_default_model(), options_with(1));
  Collector b;
  hurried.submit(greedy_request(tokens_of("Count to a thousand:"), 400), b.callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  hurried.shutdown(std::chrono::milliseconds(50));
  EXPECT_TRUE(b.done());
  EXPECT_EQ(b.wait().finished[0], StopReason::kCallback);
}

TEST(Scheduler, DeadlinesEndRequests) {
  Scheduler scheduler(test::shared_default_model(), options_with(1));
  CompletionRequest r = greedy_request(tokens_of("Count to a thousand:"), 400);
  r.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  const Outcome got = run(scheduler, r);
  EXPECT_EQ(got.finished[0], StopReason::kCallback);
  EXPECT_LT(got.completion_tokens, 400);
}

}  // namespace
}  // namespace yak
