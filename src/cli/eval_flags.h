// Flags that `yak eval perplexity` and `yak eval kld` share, and what both print.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "yak/engine.h"
#include "yak/eval.h"
#include "yak/eval_json.h"
#include "yak/threads.h"

namespace yak::cli {

struct EvalFlags {
  std::string model;
  std::string text_file;
  int32_t n_ctx = 512;
  int32_t n_batch = 2048;
  int32_t n_threads = 0;
  int32_t max_chunks = 0;
  Precision precision = Precision::kDefault;
  bool json = false;
};

// -m, -f, -c, -b, -t, --chunks, --precision, --json. Returns the -c option (kld asks
// whether it was given).
CLI::Option* add_eval_flags(CLI::App& cmd, EvalFlags& flags);

// The text file's content; an empty file is refused, naming it.
std::string read_eval_text(const std::string& path);

eval::RunOptions run_options(const EvalFlags& flags, std::shared_ptr<Threads> threads);

// Progress goes to stdout, or to stderr when stdout carries the JSON.
inline std::FILE* progress_stream(const EvalFlags& flags) { return flags.json ? stderr : stdout; }

// "seconds per pass - ETA" after the first window, as llama.cpp prints it.
void print_eta(std::FILE* out, const char* what, const eval::Progress& p);

using eval::precision_name;
// Prints one JSON object (invalid UTF-8 in paths or names becomes U+FFFD).
void print_json(const nlohmann::json& j);

}  // namespace yak::cli
