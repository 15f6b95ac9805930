// Every tokenizer family against Hugging Face over the shared corpus:
// tests/golden/tokenizer/corpus.jsonl (tools/golden/make_tokenizer_corpus.py) and
// tests/golden/tokenizer/families/FAMILY.jsonl (tools/golden/make_tokenizer_golden.py
// --families all), one line per corpus string:
//   "ids"   Hugging Face's ids with special-token texts matched (Yak: parse_special)
//   "plain" the ids when special tokens are not matched, where they differ (Yak: no
//           parse_special; HF: encode_special_tokens)
//   "dec"   what Hugging Face decodes "ids" to, where that is not the text itself
// No BOS/EOS anywhere (add_special = false).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/utf8.h"
#include "unit/test_paths.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

struct CorpusRow {
  std::string category;
  std::string text;
};

struct GoldenRow {
  std::vector<int32_t> ids;
  std::vector<int32_t> plain;
  std::optional<std::string> decoded;
};

struct Family {
  const char* name;
  std::string (*vocab_path)();
  const char* how_to_get;
};

std::string shared_vocab(const char* name) {
  return test::shared_data_path(std::string("tokenizer/ggml-vocab-") + name + ".gguf");
}

const Family kFamilies[] = {
    {"smollm2", &test::default_model_path, "run scripts/setup.sh"},
    {"gpt-2", [] { return shared_vocab("gpt-2"); }, "shared data folder"},
    {"llama3", [] { return test::model_path("ggml-vocab-llama3.gguf"); },
     "pip install --no-deps llama-models==0.3.0 && "
     "python3 tools/golden/make_tokenizer_golden.py --write-llama3-vocab"},
    {"qwen2", [] { return test::model_path("qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"); },
     "run scripts/setup.sh"},
    {"deepseek-llm", [] { return shared_vocab("deepseek-llm"); }, "shared data folder"},
    {"deepseek-coder", [] { return shared_vocab("deepseek-coder"); }, "shared data folder"},
    {"llama-spm", [] { return shared_vocab("llama-spm"); }, "shared data folder"},
};

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::vector<nlohmann::json> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

const std::vector<CorpusRow>& corpus() {
  static const std::vector<CorpusRow> rows = [] {
    std::vector<CorpusRow> out;
    for (const auto& j : read_jsonl(test::source_path("tests/golden/tokenizer/corpus.jsonl"))) {
      out.push_back({j.at("c").get<std::string>(), j.at("t").get<std::string>()});
    }
    return out;
  }();
  return rows;
}

// Printable form of a text or id list for failure messages.
std::string show(const std::string& text) {
  std::string out =
      nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out.size() > 300 ? out.substr(0, 300) + "...\"" : out;
}

std::string show(const std::vector<int32_t>& ids) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < ids.size() && i < 60; ++i) out << (i ? " " : "") << ids[i];
  if (ids.size() > 60) out << " ...";
  out << "]";
  return out.str();
}

class GoldenFamily : public testing::TestWithParam<Family> {
 protected:
  void SetUp() override {
    const Family& f = GetParam();
    const std::string vocab = f.vocab_path();
    ASSERT_TRUE(std::filesystem::exists(vocab))
        << "missing vocabulary file " << vocab << " for " << f.name << " (" << f.how_to_get
        << ")";
    tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_gguf_path(vocab));
    const std::string golden =
        test::source_path(std::string("tests/golden/tokenizer/families/") + f.name + ".jsonl");
    for (const auto& j : read_jsonl(golden)) {
      GoldenRow row;
      row.ids = j.at("ids").get<std::vector<int32_t>>();
      row.plain = j.contains("plain") ? j.at("plain").get<std::vector<int32_t>>() : row.ids;
      if (j.contains("dec")) row.decoded = j.at("dec").get<std::string>();
      golden_.push_back(std::move(row));
    }
    ASSERT_GE(corpus().size(), 2000u) << "corpus.jsonl is missing or too small";
    ASSERT_EQ(golden_.size(), corpus().size())
        << golden << " does not have one line per corpus string";
  }

  // The text Hugging Face decodes row i's ids to.
  const std::string& expected_text(size_t i) const {
    return golden_[i].decoded ? *golden_[i].decoded : corpus()[i].text;
  }

  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<GoldenRow> golden_;
};

constexpr size_t kShown = 8;

TEST_P(GoldenFamily, IdsMatchHuggingFace) {
  size_t failures = 0;
  for (size_t i = 0; i < golden_.size(); ++i) {
    const CorpusRow& row = corpus()[i];
    const auto ids = tokenizer_->encode(row.text, /*add_special=*/false, /*parse_special=*/true);
    const auto plain = tokenizer_->encode(row.text, false, false);
    const bool ok = ids == golden_[i].ids && plain == golden_[i].plain;
    if (!ok && ++failures <= kShown) {
      ADD_FAILURE() << GetParam().name << " line " << i + 1 << " (" << row.category << ") "
                    << show(row.text) << "\n  parse_special: expected "
                    << show(golden_[i].ids) << "\n                 got      " << show(ids)
                    << "\n  plain:         expected " << show(golden_[i].plain)
                    << "\n                 got      " << show(plain);
    }
  }
  EXPECT_EQ(failures, 0u) << "of " << golden_.size() << " strings differ from Hugging Face";
}

// Yak's decode gives the bytes the ids stand for; where those are not valid UTF-8 (a
// vocabulary without a token for some byte drops it, e.g. DeepSeek's for 0xB6 in "ö"),
// Hugging Face's decoder replaces the invalid bytes with U+FFFD, so the comparison does too.
std::string sanitized(const std::string& bytes) {
  std::string out;
  tokenizer::append_sanitized(out, bytes);
  return out;
}

TEST_P(GoldenFamily, DecodeMatchesHuggingFace) {
  size_t failures = 0;
  for (size_t i = 0; i < golden_.size(); ++i) {
    const std::string decoded = sanitized(tokenizer_->decode(golden_[i].ids));
    if (decoded != expected_text(i) && ++failures <= kShown) {
      ADD_FAILURE() << GetParam().name << " line " << i + 1 << ": expected "
                    << show(expected_text(i)) << ", got " << show(decoded);
    }
  }
  EXPECT_EQ(failures, 0u);
}

// Streaming gives what decoding gives, in valid UTF-8 pieces.
TEST_P(GoldenFamily, StreamDecoderMatchesDecode) {
  size_t failures = 0;
  for (size_t i = 0; i < golden_.size(); ++i) {
    StreamDecoder stream(*tokenizer_, /*skip_special=*/false, /*strip_leading_space=*/true);
    std::string joined;
    bool valid = true;
    for (int32_t id : golden_[i].ids) {
      const std::string part = stream.push(id);
      std::string sanitized;
      tokenizer::append_sanitized(sanitized, part);
      valid = valid && sanitized == part;
      joined += part;
    }
    joined += stream.flush();
    const std::string whole = sanitized(tokenizer_->decode(golden_[i].ids));
    if ((!valid || joined != whole) && ++failures <= kShown) {
      ADD_FAILURE() << GetParam().name << " line " << i + 1 << ": streamed " << show(joined)
                    << ", decoded " << show(whole) << (valid ? "" : " (invalid UTF-8 piece)");
    }
  }
  EXPECT_EQ(failures, 0u);
}

void PrintTo(const Family& f, std::ostream* os) { *os << f.name; }

INSTANTIATE_TEST_SUITE_P(Tokenizer, GoldenFamily, testing::ValuesIn(kFamilies),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// The corpus covers what the golden tests promise to cover.
TEST(TokenizerCorpus, CoversEveryCategory) {
  std::map<std::string, size_t> counts;
  for (const CorpusRow& row : corpus()) ++counts[row.category];
  for (const char* c : {"hand", "en", "zh-hans", "zh-hant", "ja", "ko", "emoji", "code", "num",
                        "space", "odd", "mixed", "special", "random", "long"}) {
    EXPECT_GE(counts[c], c == std::string("long") ? 3u : 100u) << "category " << c;
  }
}

// llama.cpp's Llama 3 vectors (made with Meta's tokenizer.json) against the vocabulary
// converted from Meta's tiktoken file, which the llama3 family above uses.
TEST(TokenizerVectors, Llama3MatchesExpectedIds) {
  const std::string vocab = test::model_path("ggml-vocab-llama3.gguf");
  ASSERT_TRUE(std::filesystem::exists(vocab))
      << "missing " << vocab << " (" << kFamilies[2].how_to_get << ")";
  const std::string base = test::shared_data_path("tokenizer/ggml-vocab-llama-bpe.gguf");
  std::ifstream inp(base + ".inp", std::ios::binary), out(base + ".out", std::ios::binary);
  ASSERT_TRUE(inp && out) << "missing " << base << ".inp/.out";
  std::stringstream inp_text;
  inp_text << inp.rdbuf();
  const std::string all = inp_text.str();
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (size_t pos = 0; pos < all.size();) {
    const size_t next = all.find(sep, pos);
    inputs.push_back(all.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) break;
    pos = next + sep.size();
  }
  const Tokenizer tok = Tokenizer::from_gguf_path(vocab);
  EXPECT_EQ(tok.n_vocab(), 128256);
  EXPECT_EQ(tok.pre(), "llama-bpe");
  EXPECT_EQ(tok.bos(), 128000);
  EXPECT_TRUE(tok.is_end_of_generation(128009));  // <|eot_id|>
  std::string line;
  size_t i = 0;
  while (std::getline(out, line)) {
    ASSERT_LT(i, inputs.size());
    std::istringstream ids_in(line);
    std::vector<int32_t> expected;
    for (int32_t id = 0; ids_in >> id;) expected.push_back(id);
    EXPECT_EQ(tok.encode(inputs[i], false, false), expected) << "input " << i;
    ++i;
  }
  EXPECT_EQ(i, inputs.size());
  EXPECT_GT(i, 40u);
}

}  // namespace
}  // namespace yak
