// Mask cost of constrained decoding: replays a fixed JSON document, tokenized by each
// model's tokenizer, through a GrammarMatcher under Grammar::json_object() (allowed_tokens()
// then accept() per token, as decoding does) and reports microseconds per token with a
// cold mask cache (a fresh TokenGrammar) and a warm one (a second sequence on the same
// TokenGrammar), and the cost of apply() on a logits row.
//
//   build/bin/yak_grammar_bench [model.gguf ...]   (default: SmolLM2 and Qwen2.5-Coder)
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "yak/grammar.h"
#include "yak/tokenizer.h"

namespace {

constexpr const char* kDocument = R"doc({
  "id": "order-20261201-0042",
  "customer": {"name": "Zoë Müller", "email": "zoe.mueller@example.com", "vip": true},
  "items": [
    {"sku": "A-1001", "title": "Espresso beans, 1 kg", "quantity": 2, "price": 18.5},
    {"sku": "B-2002", "title": "Milk frother \"Pro\"", "quantity": 1, "price": 49.99},
    {"sku": "C-3003", "title": "日本茶 (sencha)", "quantity": 3, "price": 7.25}
  ],
  "shipping": {"method": "express", "address": {"street": "Hauptstraße 5", "city": "Berlin",
    "postcode": "10115", "country": "DE"}, "eta_days": 2},
  "notes": "Please ring twice.\nLeave at the door if nobody answers.",
  "discount": null,
  "total": 135.24,
  "tags": ["coffee", "gift", "repeat-customer"]
})doc";

using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// One sequence: the mask and the advance of every token; returns microseconds per token.
double replay(const std::shared_ptr<const yak::TokenGrammar>& grammar,
              const std::vector<int32_t>& tokens) {
  yak::GrammarMatcher matcher(grammar);
  const auto start = Clock::now();
  for (int32_t t : tokens) {
    if (!matcher.allowed_tokens().contains(t) || !matcher.accept(t)) {
      std::fprintf(stderr, "token %d refused: the document does not match the grammar\n", t);
      std::exit(1);
    }
  }
  return micros(Clock::now() - start) / tokens.size();
}

void bench(const std::string& path) {
  const yak::Tokenizer tokenizer = yak::Tokenizer::from_gguf_path(path);
  auto start = Clock::now();
  auto vocabulary = std::make_shared<const yak::GrammarVocabulary>(tokenizer);
  const double vocab_ms = micros(Clock::now() - start) / 1000;
  const std::vector<int32_t> tokens = tokenizer.encode(kDocument, /*add_special=*/false);
  const yak::Grammar json = yak::Grammar::json_object();

  auto grammar = std::make_shared<const yak::TokenGrammar>(json, vocabulary);
  const double cold = replay(grammar, tokens);
  const yak::GrammarStats cold_stats = grammar->stats();
  const double warm = replay(grammar, tokens);
  const yak::GrammarStats stats = grammar->stats();

  yak::GrammarMatcher matcher(grammar);
  std::vector<float> logits(tokenizer.n_vocab(), 0.5f);
  start = Clock::now();
  for (int32_t t : tokens) {
    matcher.apply(logits);
    matcher.accept(t);
  }
  const double apply_us = micros(Clock::now() - start) / tokens.size();

  const int64_t misses = cold_stats.masks - cold_stats.cache_hits;
  std::printf("%s\n  vocabulary %d tokens, trie built in %.1f ms; document %zu tokens\n",
              path.c_str(), tokenizer.n_vocab(), vocab_ms, tokens.size());
  std::printf("  cold cache: %8.1f us/token (%lld misses of %lld masks, %.1f us per miss)\n", cold,
              static_cast<long long>(misses), static_cast<long long>(cold_stats.masks),
              misses ? cold * tokens.size() / misses : 0.0);
  std::printf("  warm cache: %8.2f us/token (mask lookup + accept; %lld hits of %lld masks)\n",
              warm, static_cast<long long>(stats.cache_hits - cold_stats.cache_hits),
              static_cast<long long>(stats.masks - cold_stats.masks));
  std::printf("  warm apply: %8.2f us/token (apply() on a logits row + accept)\n", apply_us);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths(argv + 1, argv + argc);
  if (paths.empty()) {
    paths = {"models/SmolLM2-135M-Instruct.Q4_1.gguf",
             "models/qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"};
  }
  try {
    for (const std::string& p : paths) bench(p);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
