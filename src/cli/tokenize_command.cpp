// `yak tokenize`: show how a model's tokenizer splits a text. Works on vocabulary-only
// GGUF files too, since only the tokenizer metadata is read.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "yak/error.h"
#include "yak/text.h"
#include "yak/text_file.h"
#include "yak/tokenizer.h"

namespace yak::cli {
namespace {

struct TokenizeFlags {
  std::string model;
  std::string text;
  bool ids_only = false;
  bool pieces_only = false;
  bool no_bos = false;
  bool parse_special = false;
  std::string bench_file;
  int repeat = 5;
  bool has_text = false;
};

// A piece as a quoted string with control characters, invalid bytes (e.g. part of a
// character split across tokens) and invisible format characters escaped, so that every
// token prints on one line and shows what it is.
std::string quote(const std::string& piece) { return "'" + escape_for_terminal(piece, '\'') + "'"; }

// --bench: encodes the whole file `repeat` times and prints one JSON line with the
// seconds of each run, for bench/tokenizer-throughput. The FNV-1a hash of the ids lets
// the caller check that Yak and the tokenizer it compares with made the same ids.
void bench(const Tokenizer& tokenizer, const TokenizeFlags& f) {
  // Benchmark texts are a few MiB of WikiText; 1 GiB is far beyond any real one.
  const std::string text = read_text_file(f.bench_file, "text file", uint64_t{1} << 30);
  if (f.repeat < 1) fail("--repeat must be at least 1, not {}", f.repeat);
  std::vector<double> seconds;
  std::vector<int32_t> ids;
  for (int r = 0; r < f.repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    ids = tokenizer.encode(text, /*add_special=*/false, f.parse_special);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (int32_t id : ids) {
    hash = (hash ^ static_cast<uint32_t>(id)) * 0x100000001b3ULL;
  }
  std::string runs;
  for (size_t i = 0; i < seconds.size(); ++i) {
    runs += fmt::format("{}{:.6f}", i ? "," : "", seconds[i]);
  }
  fmt::print("{{\"bytes\":{},\"tokens\":{},\"fnv1a\":\"{:016x}\",\"seconds\":[{}]}}\n", text.size(),
             ids.size(), hash, runs);
}

void run(const TokenizeFlags& f) {
  const Tokenizer tokenizer = Tokenizer::from_gguf_path(resolve_model_path(f.model));
  if (!f.bench_file.empty()) {
    bench(tokenizer, f);
    return;
  }
  if (!f.has_text) fail("tokenize needs the TEXT to tokenize (or --bench FILE)");
  const std::vector<int32_t> ids = tokenizer.encode(f.text, !f.no_bos, f.parse_special);
  if (f.ids_only) {
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
    fmt::print("{}\n", line);
    return;
  }
  for (int32_t id : ids) {
    const std::string piece = quote(tokenizer.token_to_piece(id));
    if (f.pieces_only) {
      fmt::print("{}\n", piece);
    } else {
      fmt::print("{:>8} -> {}\n", id, piece);
    }
  }
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto flags = std::make_shared<TokenizeFlags>();
  CLI::App* cmd =
      app.add_subcommand("tokenize", "Show the tokens a model's tokenizer makes of a text");
  cmd->add_option("-m,--model", flags->model,
                  "GGUF file (a vocabulary-only file is enough); default: $YAK_MODEL or "
                  "models/SmolLM2-135M-Instruct.Q4_1.gguf");
  auto* ids = cmd->add_flag("--ids", flags->ids_only, "print only the token ids, on one line");
  auto* pieces = cmd->add_flag("--pieces", flags->pieces_only, "print only the token texts");
  ids->excludes(pieces);
  cmd->add_flag("--no-bos", flags->no_bos, "do not add BOS/EOS even where the model asks for them");
  cmd->add_flag("--parse-special", flags->parse_special,
                "recognise control-token texts such as <|im_start|> in TEXT");
  cmd->add_option("--bench", flags->bench_file,
                  "time encoding FILE (no BOS) and print one JSON line: bytes, tokens, "
                  "seconds of each run")
      ->check(CLI::ExistingFile);
  cmd->add_option("--repeat", flags->repeat, "runs for --bench (default 5)");
  CLI::Option* text = cmd->add_option("text", flags->text, "the text to tokenize");
  cmd->callback([flags, text] {
    flags->has_text = text->count() > 0;
    run(*flags);
  });
}

}  // namespace yak::cli
