#include "runtime/grammar/mask.h"

#include <span>
#include <vector>

namespace yak::grammar {

namespace {

class TrieWalk {
 public:
  // With `exits`, the walk is in frame mode: it records where tokens leave the frame.
  TrieWalk(const Rules& rules, const Vocabulary& vocabulary, TokenSet& out,
           std::vector<uint32_t>* exits)
      : rules_(rules),
        vocabulary_(vocabulary),
        out_(out),
        exits_(exits),
        stepper_(rules),
        levels_(vocabulary.max_depth + 2) {
    stepper_.set_frame_mode(exits != nullptr);
    stepper_.limit_total(kMaxEmissionsPerMask);
  }

  // The tokens below each of `nodes` (not at them) that `state` takes.
  void run(const StackSet& state, std::span<const uint32_t> nodes) {
    levels_[0] = state;
    for (uint32_t node : nodes) {
      if (vocabulary_.nodes[node].edge_begin != vocabulary_.nodes[node].edge_end) walk(node, 0);
    }
  }

 private:
  const Rules& rules_;
  const Vocabulary& vocabulary_;
  TokenSet& out_;
  std::vector<uint32_t>* exits_;
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
      const bool exited = stepper_.exited();
      if (after.empty() && !exited) continue;
      const uint32_t child_id = vocabulary_.edge_child[e];
      const Vocabulary::Node& child = vocabulary_.nodes[child_id];
      for (uint32_t t = child.token_begin; t < child.token_end; ++t)
        out_.insert(vocabulary_.node_tokens[t]);
      if (exited) exits_->push_back(child_id);
      if (!after.empty() && child.edge_begin != child.edge_end) walk(child_id, depth + 1);
    }
  }
};

std::shared_ptr<const FrameMask> frame_mask(const Rules& rules, const Vocabulary& vocabulary,
                                            std::span<const uint32_t> frame, MaskCache& cache) {
  const uint64_t hash = hash_words(frame.data(), frame.size());
  if (auto found = cache.frames.find(frame, hash)) return found;
  auto result = std::make_shared<FrameMask>();
  result->accepted = TokenSet(vocabulary.n_vocab);
  StackSet start;
  start.add(frame, nullptr);
  const uint32_t root = 0;
  TrieWalk(rules, vocabulary, result->accepted, &result->exits).run(start, {&root, 1});
  cache.frames.insert(frame, hash, result);
  return result;
}

}  // namespace

TokenSet compute_allowed_tokens(const Rules& rules, const Vocabulary& vocabulary,
                                const StackSet& state, MaskCache& cache) {
  TokenSet out(vocabulary.n_vocab);
  Stepper stepper(rules);
  StackSet after_frame;
  TrieWalk below_frames(rules, vocabulary, out, nullptr);
  for (size_t i = 0; i < state.size(); ++i) {
    const std::span<const uint32_t> stack = state.stack(i);
    if (stack.empty()) continue;
    const size_t below = stack.size() > kFrameDepth ? stack.size() - kFrameDepth : 0;
    const auto frame = frame_mask(rules, vocabulary, stack.subspan(below), cache);
    const auto from = frame->accepted.words();
    const auto to = out.words();
    for (size_t w = 0; w < to.size(); ++w) to[w] |= from[w];
    if (below == 0 || frame->exits.empty()) continue;  // leaving the whole stack: its end
    stepper.resume(stack.first(below), after_frame);
    below_frames.run(after_frame, frame->exits);
  }
  if (state.has_empty_stack()) {
    for (int32_t id : vocabulary.end_ids) out.insert(id);
  }
  return out;
}

}  // namespace yak::grammar
