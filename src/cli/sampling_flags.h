// The sampling flags shared by every command that generates (run, chat).
#pragma once

#include <CLI/CLI.hpp>

#include "yak/sampler.h"

namespace yak::cli {

// Flags as llama.cpp users know them: --temp, --top-k, --top-p, --min-p,
// --repeat-penalty, --repeat-last-n, --frequency-penalty, --presence-penalty, --seed.
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
