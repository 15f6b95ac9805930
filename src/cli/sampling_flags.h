// The sampling flags shared by every command that generates (run, chat).
#pragma once

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "yak/sampler.h"

namespace yak::cli {

// "ID+BIAS" or "ID-BIAS" (llama.cpp's --logit-bias), e.g. "15043+1.5", "2-inf".
inline std::pair<int32_t, float> parse_logit_bias(const std::string& item) {
  const size_t sign = item.find_first_of("+-", 1);
  const auto bad = [&] {
    return CLI::ValidationError("--logit-bias", "'" + item + "' is not ID+BIAS or ID-BIAS");
  };
  if (sign == std::string::npos || item.find_first_not_of("0123456789") != sign) throw bad();
  try {
    size_t used = 0;
    const std::string id_text = item.substr(0, sign), bias_text = item.substr(sign);
    const long id = std::stol(id_text, &used);
    if (used != id_text.size() || id > INT32_MAX) throw bad();
    const float bias = std::stof(bias_text, &used);
    if (used != bias_text.size()) throw bad();
    return {static_cast<int32_t>(id), bias};
  } catch (const std::logic_error&) {  // stol/stof: no number, or out of range
    throw bad();
  }
}

// Flags as llama.cpp users know them: --temp, --top-k, --top-p, --min-p,
// --repeat-penalty, --repeat-last-n, --frequency-penalty, --presence-penalty, --logit-bias,
// --seed.
inline void add_sampling_flags(CLI::App& cmd, SamplingParams& p) {
  auto* group = cmd.add_option_group("Sampling");
  group->add_option("--temp", p.temperature, "Temperature; 0 = greedy")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  group->add_option("--top-k", p.top_k, "Keep the k most likely tokens; 0 = off")
      ->check(CLI::Range(0, 1 << 24))
      ->capture_default_str();
  group->add_option("--top-p", p.top_p, "Nucleus sampling threshold; 1 = off")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  group->add_option("--min-p", p.min_p, "Drop tokens below min-p x the top probability; 0 = off")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  group->add_option("--repeat-penalty", p.repeat_penalty, "Penalty for repeated tokens; 1 = off")
      ->check(CLI::Range(0.001, 100.0))
      ->capture_default_str();
  group->add_option("--repeat-last-n", p.repeat_last_n, "Tokens the penalties look back; -1 = all")
      ->check(CLI::Range(-1, 1 << 24))
      ->capture_default_str();
  group->add_option("--frequency-penalty", p.frequency_penalty, "Frequency penalty; 0 = off")
      ->check(CLI::Range(-100.0, 100.0))
      ->capture_default_str();
  group->add_option("--presence-penalty", p.presence_penalty, "Presence penalty; 0 = off")
      ->check(CLI::Range(-100.0, 100.0))
      ->capture_default_str();
  group
      ->add_option_function<std::vector<std::string>>(
          "-l,--logit-bias",
          [&p](const std::vector<std::string>& items) {
            for (const std::string& item : items) p.logit_bias.push_back(parse_logit_bias(item));
          },
          "Add BIAS to a token's logit: ID+BIAS or ID-BIAS (e.g. 15043+1, 2-inf); repeatable")
      ->type_name("ID(+|-)BIAS");
  // Parsed as signed: an unsigned option would take -1 as 2^64-1, a fixed seed.
  group
      ->add_option_function<int64_t>(
          "-s,--seed",
          [&p](int64_t seed) {
            if (seed < -1) throw CLI::ValidationError("--seed", "must be -1 (random) or >= 0");
            p.seed = seed == -1 ? kRandomSeed : static_cast<uint64_t>(seed);
          },
          "Random seed; -1 (the default) draws one, which is printed")
      ->type_name("INT");
}

}  // namespace yak::cli
