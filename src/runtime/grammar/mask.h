// The allowed tokens of a state. A token is allowed when some stack of the state takes all
// its bytes, so the mask is the union over stacks. For one stack, the work is split at a
// frame, its top kFrameDepth positions:
//  - inside the frame, a depth-first walk of the vocabulary trie advances the frame one
//    byte per edge (tokens sharing a prefix share its work), skips every edge whose byte
//    no stack can take, and notes the trie nodes where a token's bytes leave the frame;
//    this depends on the frame alone and is cached by it (MaskCache::frames);
//  - below the frame, only the subtrees of those exit nodes are walked, from the state
//    the rest of the stack continues with.
// Inside a JSON string the frame is the string's loop, the same at every depth, and the
// exits are the few tokens that close the string.
#pragma once

#include "runtime/grammar/mask_cache.h"
#include "runtime/grammar/rules.h"
#include "runtime/grammar/stacks.h"
#include "runtime/grammar/vocabulary.h"
#include "yak/grammar.h"

namespace yak::grammar {

inline constexpr size_t kFrameDepth = 3;

// The tokens whose bytes `state` can take, plus the end-of-generation tokens when the
// state is a complete match. Reads and fills `cache.frames`.
TokenSet compute_allowed_tokens(const Rules& rules, const Vocabulary& vocabulary,
                                const StackSet& state, MaskCache& cache);

}  // namespace yak::grammar
