// Decoding under a grammar, through the scheduler and generate(): every sampler setting gives
// output the grammar accepts, n > 1 choices each keep their own state, the output ends where
// the grammar does, and a lazy grammar waits for its trigger.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/constrained_output.h"
#include "unit/runtime/scheduler_test_util.h"
#include "unit/test_models.h"
#include "yak/grammar.h"
#include "yak/scheduler.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

using test::Collector;
using test::Outcome;

std::shared_ptr<Threads> shared_threads() {
  static const auto threads = std::make_shared<Threads>(2);
  return threads;
}

const Tokenizer& tokenizer() { return test::shared_default_model()->tokenizer(); }

Scheduler make_scheduler(int32_t max_running = 4) {
  return Scheduler(test::shared_default_model(),
                   {.max_running = max_running, .context_size = 512, .threads = shared_threads()});
}

CompletionRequest request(const std::string& prompt, std::shared_ptr<const Grammar> grammar,
                          float temperature, uint64_t seed, int32_t max_new_tokens = 96) {
  CompletionRequest r;
  r.prompt = tokenizer().encode(prompt);
  r.options.sampling.temperature = temperature;
  r.options.sampling.seed = seed;
  r.options.max_new_tokens = max_new_tokens;
  r.options.grammar = std::move(grammar);
  return r;
}

Outcome run(Scheduler& scheduler, CompletionRequest r) {
  Collector collector(r.n);
  scheduler.submit(std::move(r), collector.callback());
  return collector.wait();
}

const char* const kPersonSchema = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "maxLength": 12},
    "age": {"type": "integer", "minimum": 0, "maximum": 120},
    "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3}
  },
  "required": ["name", "age", "tags"],
  "additionalProperties": false
})";

TEST(ConstrainedDecoding, EverySamplerSettingStaysInsideTheGrammar) {
  auto grammar = std::make_shared<const Grammar>(
      Grammar::from_json_schema(nlohmann::ordered_json::parse(kPersonSchema)));
  Scheduler scheduler = make_scheduler();
  struct Setting {
    float temperature;
    int32_t top_k;
    float top_p, min_p, repeat_penalty;
  };
  const std::vector<Setting> settings = {{0.0f, 0, 1.0f, 0.0f, 1.0f},
                                         {1.0f, 0, 1.0f, 0.0f, 1.0f},
                                         {1.5f, 40, 0.95f, 0.05f, 1.0f},
                                         {0.8f, 5, 1.0f, 0.0f, 1.3f},
                                         {2.0f, 0, 0.5f, 0.0f, 1.0f}};
  for (size_t i = 0; i < settings.size(); ++i) {
    CompletionRequest r =
        request("Describe a person as JSON:", grammar, settings[i].temperature, 100 + i, 160);
    r.options.sampling.top_k = settings[i].top_k;
    r.options.sampling.top_p = settings[i].top_p;
    r.options.sampling.min_p = settings[i].min_p;
    r.options.sampling.repeat_penalty = settings[i].repeat_penalty;
    r.options.sampling.logit_bias = {{tokenizer().encode("}", false)[0], -5.0f}};
    const Outcome o = run(scheduler, std::move(r));
    ASSERT_TRUE(o.error.empty()) << o.error;
    ASSERT_EQ(o.finished[0], StopReason::kEndOfGeneration) << "setting " << i << ": " << o.text[0];
    EXPECT_TRUE(grammar->matches(o.text[0])) << "setting " << i << ": " << o.text[0];
    const auto parsed = nlohmann::json::parse(o.text[0]);
    EXPECT_LE(parsed["age"].get<int>(), 120);
  }
  const SchedulerStats stats = scheduler.stats();
  EXPECT_GT(stats.grammar.masks, 0);
  EXPECT_GT(stats.grammar.cache_hits, 0);  // five requests of one schema share its masks
}

TEST(ConstrainedDecoding, ChoicesKeepTheirOwnGrammarState) {
  auto grammar =
      std::make_shared<const Grammar>(Grammar::from_gbnf(R"(root ::= "[" item ("," item)* "]"
                            item ::= [0-9] | "x" [a-z]{1,3})"));
  Scheduler scheduler = make_scheduler();
  CompletionRequest r = request("A list:", grammar, 1.2f, 7, 40);
  r.n = 3;
  const Outcome o = run(scheduler, std::move(r));
  ASSERT_TRUE(o.error.empty()) << o.error;
  for (int c = 0; c < 3; ++c) {
    const std::string& text = o.text[static_cast<size_t>(c)];
    if (o.finished[static_cast<size_t>(c)] == StopReason::kEndOfGeneration)
      EXPECT_TRUE(grammar->matches(text)) << c << ": " << text;
    // Cut by max_tokens: still a prefix the grammar can go on from.
    GrammarMatcher m(std::make_shared<const TokenGrammar>(
        *grammar, std::make_shared<const GrammarVocabulary>(tokenizer())));
    EXPECT_TRUE(m.accept_bytes(text)) << c << ": " << text;
  }
}

TEST(ConstrainedDecoding, TheOutputEndsWhereTheGrammarDoesEvenIgnoringEos) {
  auto grammar = std::make_shared<const Grammar>(Grammar::from_gbnf(R"(root ::= "yes" | "no")"));
  Scheduler scheduler = make_scheduler();
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    CompletionRequest r = request("Is the sky blue? Answer:", grammar, 1.0f, seed, 50);
    r.options.stop_at_end_of_generation = false;  // ignore_eos
    const Outcome o = run(scheduler, std::move(r));
    ASSERT_TRUE(o.error.empty()) << o.error;
    EXPECT_TRUE(o.text[0] == "yes" || o.text[0] == "no") << o.text[0];
    EXPECT_EQ(o.finished[0], StopReason::kEndOfGeneration);
    EXPECT_LE(o.completion_tokens, 3);
  }
}

TEST(ConstrainedDecoding, GenerateFollowsTheGrammarToo) {
  auto grammar = std::make_shared<const Grammar>(
      Grammar::from_json_schema(nlohmann::ordered_json::parse(kPersonSchema)));
  Context ctx(test::shared_default_model(), {.context_size = 512, .threads = shared_threads()});
  const SequenceId seq = ctx.add_sequence();
  GenerateOptions options;
  options.sampling.temperature = 0.0f;
  options.max_new_tokens = 160;
  options.grammar = grammar;
  const GenerateResult r =
      generate(ctx, seq, tokenizer().encode("Describe a person as JSON:"), options);
  EXPECT_EQ(r.stop_reason, StopReason::kEndOfGeneration) << r.text;
  EXPECT_TRUE(grammar->matches(r.text)) << r.text;
}

TEST(ConstrainedDecoding, TriggersWithoutAGrammarAreRefused) {
  Scheduler scheduler = make_scheduler();
  CompletionRequest r = request("Hi", nullptr, 0.0f, 1, 4);
  r.options.grammar_triggers = {"<call>"};
  EXPECT_THROW(scheduler.submit(std::move(r), Collector().callback()), Error);
}

// The trigger watch over tokens fed by hand: free text, then the grammar from the trigger on.
TEST(ConstrainedOutput, ALazyGrammarStartsAtItsTrigger) {
  auto grammar = std::make_shared<const TokenGrammar>(
      Grammar::from_gbnf(R"(root ::= "<call>" [0-9]+ "</call>")"),
      std::make_shared<const GrammarVocabulary>(tokenizer()));
  runtime::ConstrainedOutput out(grammar, {"<call>"}, tokenizer());
  EXPECT_FALSE(out.active());
  for (int32_t t : tokenizer().encode("Let me look that up. <ca", false)) out.accept(t);
  EXPECT_FALSE(out.active());
  for (int32_t t : tokenizer().encode("ll>", false)) out.accept(t);
  ASSERT_TRUE(out.active());
  std::vector<float> logits(static_cast<size_t>(tokenizer().n_vocab()), 0.0f);
  out.mask(logits);
  const int32_t seven = tokenizer().encode("7", false)[0];
  const int32_t word = tokenizer().encode(" hello", false)[0];
  EXPECT_EQ(logits[static_cast<size_t>(seven)], 0.0f);
  EXPECT_EQ(logits[static_cast<size_t>(word)], -std::numeric_limits<float>::infinity());
  out.accept(seven);
  for (int32_t t : tokenizer().encode("</call>", false)) out.accept(t);
  EXPECT_TRUE(out.must_end());
  EXPECT_EQ(out.dropped(), 0);
}

TEST(ConstrainedOutput, BytesAfterTheTriggerThatLeaveTheGrammarDropTheConstraint) {
  auto grammar =
      std::make_shared<const TokenGrammar>(Grammar::from_gbnf(R"(root ::= "call" [0-9]+)"),
                                           std::make_shared<const GrammarVocabulary>(tokenizer()));
  runtime::ConstrainedOutput out(grammar, {"call"}, tokenizer());
  // One token holding the trigger and letters the grammar cannot take after it.
  const std::vector<int32_t> calling = tokenizer().encode(" calling", false);
  if (calling.size() != 1) GTEST_SKIP() << "' calling' is not one token in this vocabulary";
  out.accept(calling[0]);
  EXPECT_FALSE(out.active());
  EXPECT_EQ(out.dropped(), 1);
  // The watch goes on: a later trigger starts the grammar.
  for (int32_t t : tokenizer().encode(" call", false)) out.accept(t);
  EXPECT_TRUE(out.active());
}

}  // namespace
}  // namespace yak
