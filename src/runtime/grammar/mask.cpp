#include "runtime/grammar/mask.h"

#include <vector>

namespace yak::grammar {

namespace {

class TrieWalk {
 public:
  TrieWalk(const Rules& rules, const Vocabulary& vocabulary, TokenSet& out)
      : rules_(rules),
        vocabulary_(vocabulary),
        out_(out),
        stepper_(rules),
        levels_(vocabulary.max_depth + 2) {}

  void run(const StackSet& state) {
    stepper_.limit_total(kMaxEmissionsPerMask);
    levels_[0] = state;
    walk(0, 0);
  }

 private:
  const Rules& rules_;
  const Vocabulary& vocabulary_;
  TokenSet& out_;
  Stepper stepper_;
  std::vector<StackSet> levels_;  // the state after the first `depth` bytes of the path

  void walk(uint32_t node, uint32_t depth) {
    const StackSet& state = levels_[depth];
    const ByteSet next = state.next_bytes(rules_);
    const Vocabulary::Node& n = vocabulary_.nodes[node];
    StackSet& after = levels_[depth + 1];
    for (uint32_t e = n.edge_begin; e < n.edge_end; ++e) {
      const uint8_t byte = vocabulary_.edge_byte[e];
      if (!next.test(byte)) continue;
      stepper_.advance(state, byte, after);
      if (after.empty()) continue;
      const Vocabulary::Node& child = vocabulary_.nodes[vocabulary_.edge_child[e]];
      for (uint32_t t = child.token_begin; t < child.token_end; ++t)
        out_.insert(vocabulary_.node_tokens[t]);
      if (child.edge_begin != child.edge_end) walk(vocabulary_.edge_child[e], depth + 1);
    }
  }
};

}  // namespace

TokenSet compute_allowed_tokens(const Rules& rules, const Vocabulary& vocabulary,
                                const StackSet& state) {
  TokenSet out(vocabulary.n_vocab);
  TrieWalk(rules, vocabulary, out).run(state);
  if (state.has_empty_stack()) {
    for (int32_t id : vocabulary.end_ids) out.insert(id);
  }
  return out;
}

}  // namespace yak::grammar
