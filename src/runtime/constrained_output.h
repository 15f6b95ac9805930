// The grammar constraint on one sequence's output (GenerateOptions::grammar): the mask before
// each sample, and the matcher advanced over each sampled token. With triggers it starts
// inactive and watches the output's bytes; when one of the trigger strings appears, a
// matcher starts at the trigger's first byte and the output is constrained from there on.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "yak/grammar.h"
#include "yak/tokenizer.h"

namespace yak::runtime {

class ConstrainedOutput {
 public:
  ConstrainedOutput(std::shared_ptr<const TokenGrammar> grammar, std::vector<std::string> triggers,
                    const Tokenizer& tokenizer);

  // Whether the next token is constrained (the mask applies).
  bool active() const { return matcher_.has_value(); }
  // -inf on every token the grammar does not allow now (only while active()).
  void mask(std::span<float> logits);
  // What the sampler may choose from: while active(), a copy of `logits` with the mask
  // applied (valid until the next call), else `logits` itself.
  std::span<const float> choosable(std::span<const float> logits);
  // Advances over a sampled token: the matcher while active, else the trigger watch.
  void accept(int32_t token);
  // The constrained output is complete and nothing may follow: the sequence ends here.
  bool must_end() const { return matcher_ && matcher_->must_end(); }
  // A trigger appeared but the bytes after it in the same token left the grammar, so the
  // output was left unconstrained (and the watch started again): times it happened.
  int32_t dropped() const { return dropped_; }

 private:
  void watch(int32_t token);

  std::shared_ptr<const TokenGrammar> grammar_;
  std::vector<std::string> triggers_;
  const Tokenizer& tokenizer_;
  std::optional<GrammarMatcher> matcher_;
  std::vector<float> masked_;  // choosable()'s copy
  std::string window_;         // the output's last bytes, while watching for a trigger
  size_t longest_trigger_ = 0;
  int32_t dropped_ = 0;
};

}  // namespace yak::runtime
