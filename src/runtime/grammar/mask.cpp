#include "runtime/grammar/mask.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <deque>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

namespace yak::grammar {

namespace {

// A depth-first walk of the trie. The states it meets recur (inside a string, nearly
// every node has the same one), so the walk interns them and memoizes each transition
// (state, byte) -> state: after the first visits a node costs a table lookup, not an
// advance of every stack.
class TrieWalk {
 public:
  // With `exits`, the walk is in frame mode: it records where tokens leave the frame.
  TrieWalk(const Rules& rules, const Vocabulary& vocabulary, TokenSet& out,
           std::vector<uint32_t>* exits, size_t* budget)
      : rules_(rules),
        vocabulary_(vocabulary),
        out_(out),
        exits_(exits),
        budget_(budget),
        stepper_(rules),
        levels_(vocabulary.max_depth + 2) {
    stepper_.set_frame_mode(exits != nullptr);
    stepper_.share_budget(budget);
  }

  // The tokens below each of `nodes` (not at them) that `state` takes.
  void run(const StackSet& state, std::span<const uint32_t> nodes) {
    levels_[0] = state;
    const int32_t id = intern(levels_[0]);
    const StackSet& start = id >= 0 ? states_[id].stacks : levels_[0];
    for (uint32_t node : nodes) {
      if (vocabulary_.nodes[node].edge_begin != vocabulary_.nodes[node].edge_end)
        walk(node, start, id, 0);
    }
  }

 private:
  // Transition slots: the next state's id (with kExitFlag when some stack left the frame
  // on the way), or one of the markers.
  static constexpr int32_t kUnknown = INT32_MIN;
  static constexpr int32_t kDead = -1;      // no stack takes the byte
  static constexpr int32_t kExitOnly = -2;  // every stack that took it left the frame
  static constexpr int32_t kExitFlag = 1 << 30;
  // Past this many states a walk stops interning (and memoizing), so a grammar with ever
  // new states costs the plain walk, not unbounded memory.
  static constexpr size_t kMaxInterned = 4096;

  struct Interned {
    StackSet stacks;
    ByteSet next;
    std::unique_ptr<int32_t[]> transitions;  // 256, made on the first transition
  };

  const Rules& rules_;
  const Vocabulary& vocabulary_;
  TokenSet& out_;
  std::vector<uint32_t>* exits_;
  size_t* budget_;  // shared with the stepper: trie edges and stack steps both count
  Stepper stepper_;
  std::vector<StackSet> levels_;  // per depth: a state that was not interned
  std::deque<Interned> states_;   // a deque: references stay valid as it grows
  std::unordered_multimap<uint64_t, int32_t> index_;

  // The id of `s`, adding it; -1 when past the limit.
  int32_t intern(const StackSet& s) {
    const uint64_t hash = s.hash();
    auto [lo, hi] = index_.equal_range(hash);
    for (auto it = lo; it != hi; ++it) {
      if (states_[it->second].stacks.words() == s.words()) return it->second;
    }
    if (states_.size() >= kMaxInterned) return -1;
    const int32_t id = static_cast<int32_t>(states_.size());
    states_.push_back(Interned{s, s.next_bytes(rules_), nullptr});
    index_.emplace(hash, id);
    return id;
  }

  // `state` is states_[id] when id >= 0.
  void walk(uint32_t node, const StackSet& state, int32_t id, uint32_t depth) {
    const ByteSet next = id >= 0 ? states_[id].next : state.next_bytes(rules_);
    const Vocabulary::Node& n = vocabulary_.nodes[node];
    for (uint32_t e = n.edge_begin; e < n.edge_end; ++e) {
      const uint8_t byte = vocabulary_.edge_byte[e];
      if (!next.test(byte)) continue;
      if ((*budget_)-- == 0) {
        throw GrammarError(fmt::format(
            "the grammar is too ambiguous: computing one token mask took more than {} steps",
            kMaxEmissionsPerMask));
      }
      int32_t* slot = nullptr;
      if (id >= 0) {
        auto& transitions = states_[id].transitions;
        if (!transitions) {
          transitions = std::make_unique<int32_t[]>(256);
          std::fill_n(transitions.get(), 256, kUnknown);
        }
        slot = &transitions[byte];
      }
      int32_t to = -1;
      bool exited = false;
      const StackSet* after = nullptr;
      if (slot && *slot != kUnknown) {
        if (*slot == kDead) continue;
        exited = *slot == kExitOnly || (*slot & kExitFlag);
        if (*slot != kExitOnly) {
          to = *slot & ~kExitFlag;
          after = &states_[to].stacks;
        }
      } else {
        StackSet& computed = levels_[depth + 1];
        stepper_.advance(state, byte, computed);
        exited = stepper_.exited();
        if (computed.empty()) {
          if (slot) *slot = exited ? kExitOnly : kDead;
          if (!exited) continue;
        } else {
          to = intern(computed);
          after = to >= 0 ? &states_[to].stacks : &computed;
          if (slot && to >= 0) *slot = to | (exited ? kExitFlag : 0);
        }
      }
      const uint32_t child_id = vocabulary_.edge_child[e];
      const Vocabulary::Node& child = vocabulary_.nodes[child_id];
      for (uint32_t t = child.token_begin; t < child.token_end; ++t)
        out_.insert(vocabulary_.node_tokens[t]);
      if (exited) exits_->push_back(child_id);
      if (after && child.edge_begin != child.edge_end) walk(child_id, *after, to, depth + 1);
    }
  }
};

std::shared_ptr<const FrameMask> frame_mask(const Rules& rules, const Vocabulary& vocabulary,
                                            std::span<const uint32_t> frame, MaskCache& cache,
                                            size_t* budget) {
  const uint64_t hash = hash_words(frame.data(), frame.size());
  if (auto found = cache.frames.find(frame, hash)) return found;
  auto result = std::make_shared<FrameMask>();
  result->accepted = TokenSet(vocabulary.n_vocab);
  StackSet start;
  start.add(frame, nullptr);
  const uint32_t root = 0;
  TrieWalk(rules, vocabulary, result->accepted, &result->exits, budget).run(start, {&root, 1});
  cache.frames.insert(frame, hash, result);
  return result;
}

}  // namespace

TokenSet compute_allowed_tokens(const Rules& rules, const Vocabulary& vocabulary,
                                const StackSet& state, MaskCache& cache) {
  TokenSet out(vocabulary.n_vocab);
  size_t budget = kMaxEmissionsPerMask;  // for all the walks of this mask together
  Stepper stepper(rules);
  stepper.share_budget(&budget);
  StackSet after_frame;
  TrieWalk below_frames(rules, vocabulary, out, nullptr, &budget);
  for (size_t i = 0; i < state.size(); ++i) {
    const std::span<const uint32_t> stack = state.stack(i);
    if (stack.empty()) continue;
    const size_t below = stack.size() > kFrameDepth ? stack.size() - kFrameDepth : 0;
    const auto frame = frame_mask(rules, vocabulary, stack.subspan(below), cache, &budget);
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
