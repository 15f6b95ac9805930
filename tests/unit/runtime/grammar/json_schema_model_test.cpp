// The default model decoding under the grammars of a representative part of the schema suite
// (kSchemas: the whole suite takes minutes), greedy (temperature 0) and
// sampled (temperature 1, plain: no top-k/top-p/min-p), from a chat prompt that shows the
// schema. Every sampled token must be one the mask allowed and keep the output in the
// grammar; a finished output must be a sentence of the grammar and parse as JSON. The
// outputs go to YAK_BINARY_DIR/json_schema_model_outputs.jsonl, which
// tools/check_json_schema_suite.py --model-outputs validates with jsonschema.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "unit/runtime/grammar/json_schema_test_util.h"
#include "unit/test_models.h"
#include "yak/sampler.h"
#include "yak/tokenizer.h"

namespace yak::test {
namespace {

constexpr int kMaxNewTokens = 96;

constexpr std::string_view kSchemas[] = {"person.json",
                                         "nested_address.json",
                                         "array_of_objects.json",
                                         "enum_colors.json",
                                         "tree.json",
                                         "linked_list.json",
                                         "pattern_phone.json",
                                         "format_date_time.json",
                                         "format_uuid.json",
                                         "integer_range.json",
                                         "anyof_objects.json",
                                         "tool_weather_args.json",
                                         "prefix_items_tuple.json",
                                         "number_bounds.json"};

struct Output {
  std::string text;
  bool finished = false;  // the model ended it (an end-of-generation token) or nothing could follow
};

Output constrained_decode(Context& ctx, const Model& model, const std::string& prompt,
                          const std::shared_ptr<const TokenGrammar>& grammar, float temperature,
                          uint64_t seed) {
  const Tokenizer& tokenizer = model.tokenizer();
  const std::vector<int32_t>& eog = tokenizer.end_of_generation_ids();
  SamplingParams params;
  params.temperature = temperature;
  params.top_k = 0;
  params.top_p = 1.0f;
  params.min_p = 0.0f;
  params.seed = seed;
  Sampler sampler(params, model.info().n_vocab);
  GrammarMatcher matcher(grammar);
  const SequenceId seq = ctx.add_sequence();
  std::vector<int32_t> tokens =
      tokenizer.encode(prompt, /*add_special=*/true, /*parse_special=*/true);
  Batch batch;
  int32_t out = -1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    out = batch.add(tokens[i], static_cast<int32_t>(i), seq, i + 1 == tokens.size());
  }
  ctx.decode(batch);
  int32_t pos = static_cast<int32_t>(tokens.size());
  Output result;
  std::vector<float> logits;
  for (int step = 0; step < kMaxNewTokens; ++step) {
    std::span<const float> raw = ctx.logits(out);
    logits.assign(raw.begin(), raw.end());
    const TokenSet& allowed = matcher.allowed_tokens();
    matcher.apply(logits);
    const int32_t token = sampler.sample(logits);
    EXPECT_TRUE(allowed.contains(token)) << "sampled a masked token " << token;
    if (!matcher.accept(token)) {
      ADD_FAILURE() << "the matcher refused the sampled token " << token
                    << " after: " << result.text;
      break;
    }
    sampler.accept(token);
    if (std::find(eog.begin(), eog.end(), token) != eog.end()) {
      result.finished = true;
      break;
    }
    result.text += tokenizer.token_to_piece(token);
    if (matcher.must_end()) {
      result.finished = true;
      break;
    }
    batch.clear();
    out = batch.add(token, pos++, seq, true);
    ctx.decode(batch);
  }
  ctx.remove_sequence(seq);
  return result;
}

TEST(JsonSchemaModel, DefaultModelOutputsStayInTheGrammar) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "about 100 constrained generations: minutes in Release, far too slow under "
                  "ASan (the matcher's own tests run there)";
#endif
  std::shared_ptr<const Model> model;
  try {
    model = shared_default_model();
  } catch (const std::exception& e) {
    GTEST_SKIP() << e.what();
  }
  auto vocabulary = std::make_shared<const GrammarVocabulary>(model->tokenizer());
  ContextOptions options;
  options.n_threads = 2;
  options.context_size = 2048;
  Context ctx(model, options);
  std::vector<std::filesystem::path> files;
  for (std::string_view name : kSchemas) {
    files.push_back(std::string(YAK_SOURCE_DIR) + "/tests/data/json_schema/" + std::string(name));
  }
  std::ofstream log(std::string(YAK_BINARY_DIR) + "/json_schema_model_outputs.jsonl");
  int finished = 0;
  int total = 0;
  for (const std::filesystem::path& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::ifstream in(path);
    const Json suite = Json::parse(in);
    const Grammar grammar = Grammar::from_json_schema(suite["schema"]);
    auto bound = std::make_shared<const TokenGrammar>(grammar, vocabulary);
    const std::string prompt =
        "<|im_start|>user\nAnswer with JSON only, valid against this JSON Schema (" +
        suite["description"].get<std::string>() + "):\n" + suite["schema"].dump() +
        "<|im_end|>\n<|im_start|>assistant\n";
    for (float temperature : {0.0f, 1.0f}) {
      const Output output = constrained_decode(ctx, *model, prompt, bound, temperature, 1234);
      ++total;
      if (output.finished) {
        ++finished;
        EXPECT_TRUE(grammar.matches(output.text)) << output.text;
        EXPECT_TRUE(Json::accept(output.text)) << output.text;
      }
      log << Json{{"file", path.filename().string()},
                  {"temperature", temperature},
                  {"finished", output.finished},
                  {"output", output.text}}
                 .dump()
          << "\n";
    }
  }
  std::cout << "[ model    ] " << finished << " of " << total
            << " constrained outputs finished within " << kMaxNewTokens << " tokens\n";
}

}  // namespace
}  // namespace yak::test
