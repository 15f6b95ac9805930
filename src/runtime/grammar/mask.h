// The allowed tokens of a state: a depth-first walk of the vocabulary trie that advances
// the state one byte per edge (so tokens sharing a prefix share its work) and skips every
// edge whose byte no stack can take, which prunes most of the trie at once.
#pragma once

#include "runtime/grammar/rules.h"
#include "runtime/grammar/stacks.h"
#include "runtime/grammar/vocabulary.h"
#include "yak/grammar.h"

namespace yak::grammar {

// The tokens whose bytes `state` can take, plus the end-of-generation tokens when the
// state is a complete match.
TokenSet compute_allowed_tokens(const Rules& rules, const Vocabulary& vocabulary,
                                const StackSet& state);

}  // namespace yak::grammar
