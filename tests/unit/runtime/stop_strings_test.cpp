// StopStrings: the text before the first stop string, streamed without ever sending text
// that a later piece turns into a stop string; and generate() ending on one.
#include "yak/stop_strings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/generate.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

// Feeds the pieces, returning everything streamed (flushed at the end unless stopped).
std::string stream(StopStrings& stops, const std::vector<std::string>& pieces,
                   std::optional<size_t>* stopped = nullptr) {
  std::string out;
  for (const std::string& piece : pieces) {
    StopStrings::Result r = stops.push(piece);
    out += r.text;
    if (r.stopped) {
      if (stopped) *stopped = r.stopped;
      return out;
    }
  }
  return out + stops.flush();
}

TEST(StopStrings, StopsBeforeTheStopStringEvenWhenSplitAcrossPieces) {
  StopStrings stops({"User:"});
  std::optional<size_t> which;
  EXPECT_EQ(stream(stops, {"Hello\nUs", "er", ": what"}, &which), "Hello\n");
  EXPECT_EQ(which, 0u);
  EXPECT_TRUE(stops.push("more").text.empty());  // nothing after a stop
  EXPECT_EQ(stops.flush(), "");
}

TEST(StopStrings, HoldsBackOnlyWhatCouldBeginAStopString) {
  StopStrings stops({"</answer>"});
  StopStrings::Result r = stops.push("forty-two</ans");
  EXPECT_EQ(r.text, "forty-two");
  EXPECT_FALSE(r.stopped);
  r = stops.push("wer is wrong");  // "</answer is" is not the stop string: release it all
  EXPECT_EQ(r.text, "</answer is wrong");
  EXPECT_EQ(stops.flush(), "");
  StopStrings tail({"</answer>"});
  EXPECT_EQ(tail.push("end </a").text, "end ");
  EXPECT_EQ(tail.flush(), "</a");  // generation ended without the stop string
}

TEST(StopStrings, EarliestStopWinsAndOverlapsAreFound) {
  StopStrings stops({"world", "lo w"});
  std::optional<size_t> which;
  EXPECT_EQ(stream(stops, {"hel", "lo", " wor", "ld"}, &which), "hel");
  EXPECT_EQ(which, 1u);
  // A held-back prefix of one stop string that is the start of another.
  StopStrings ab({"aab"});
  EXPECT_EQ(stream(ab, {"a", "a", "a", "b", "c"}, &which), "a");
  EXPECT_EQ(which, 0u);
}

TEST(StopStrings, MultiByteCharactersAreNeverCut) {
  StopStrings stops({"。\n"});
  std::optional<size_t> which;
  EXPECT_EQ(stream(stops, {"你好", "。", "\n再见"}, &which), "你好");
  EXPECT_EQ(which, 0u);
  StopStrings none({"。X"});
  EXPECT_EQ(none.push("好。").text, "好");  // held from the start of 。, not inside it
  EXPECT_EQ(none.flush(), "。");
}

TEST(StopStrings, WithoutStopStringsEverythingPasses) {
  StopStrings stops;
  EXPECT_TRUE(stops.empty());
  EXPECT_EQ(stops.push("abc").text, "abc");
  EXPECT_EQ(stops.flush(), "");
}

TEST(StopStrings, RejectsEmptyAndInvalidStopStrings) {
  EXPECT_THROW(StopStrings({"ok", ""}), Error);
  EXPECT_THROW(StopStrings({"\xE4\xBD"}), Error);  // half of 你
}

TEST(StopStrings, GenerateEndsAtTheStopStringAndStreamsNothingOfIt) {
  const auto model = Model::load(test::default_model_path(), {.precision = Precision::kExact});
  const std::vector<int32_t> prompt = model->tokenizer().encode("The capital of France is");
  GenerateOptions options;
  options.sampling.temperature = 0;
  options.max_new_tokens = 24;
  std::string free_text;
  {
    Context ctx(model, {.n_threads = 2, .context_size = 128});
    free_text = generate(ctx, ctx.add_sequence(), prompt, options).text;
  }
  ASSERT_GT(free_text.size(), 12u);
  // Stop at a piece from the middle of what the model says when free.
  const std::string stop = free_text.substr(free_text.size() / 2, 3);
  const std::string expected = free_text.substr(0, free_text.find(stop));
  options.stop = {stop};
  Context ctx(model, {.n_threads = 2, .context_size = 128});
  const SequenceId seq = ctx.add_sequence();
  std::string streamed;
  const GenerateResult r = generate(ctx, seq, prompt, options, [&](std::string_view text) {
    streamed += text;
    return true;
  });
  EXPECT_EQ(r.stop_reason, StopReason::kStopString);
  EXPECT_EQ(r.text, expected);
  EXPECT_EQ(streamed, expected);
  EXPECT_STREQ(stop_reason_name(r.stop_reason), "stop_string");
  // The sequence holds the prompt and every generated token but the last, as always.
  EXPECT_EQ(ctx.sequence_length(seq), static_cast<int32_t>(prompt.size() + r.tokens.size() - 1));

  options.stop = {""};
  Context untouched(model, {.n_threads = 2, .context_size = 128});
  const SequenceId untouched_seq = untouched.add_sequence();
  EXPECT_THROW(generate(untouched, untouched_seq, prompt, options), Error);
  EXPECT_EQ(untouched.sequence_length(untouched_seq), 0);  // refused before anything ran
}

}  // namespace
}  // namespace yak
