// The compiled form of a grammar: rules over UTF-8 bytes, flattened into one array of
// elements so that a parse stack is a list of positions in that array.
//
// Each rule is a list of alternatives; an alternative is a run of elements ending in kEnd.
// An element is a terminal (a set of bytes: one byte of input) or a reference to a rule.
// Repetitions and character classes have already been lowered into helper rules, so the
// automaton only ever sees bytes, references and ends.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace yak::grammar {

// Limits that keep a hostile grammar from costing unbounded memory or time. Exceeding one
// is a GrammarError that names it.
inline constexpr size_t kMaxGrammarBytes = 1 << 20;      // GBNF text
inline constexpr size_t kMaxRules = 1 << 17;             // rules, helper rules included
inline constexpr size_t kMaxElements = 1 << 21;          // compiled elements in all rules
inline constexpr int kMaxRepetition = 10000;             // m and n in {m,n}
inline constexpr int kMaxNesting = 128;                  // ( ) groups and stacked suffixes
inline constexpr int kMaxExpansionDepth = 4096;          // chain of rules entered at once
inline constexpr size_t kMaxStacks = 4096;               // parse stacks in one state
inline constexpr size_t kMaxStackDepth = 4096;           // positions on one parse stack
inline constexpr size_t kMaxEmissionsPerByte = 1 << 16;  // stacks produced by one byte
inline constexpr size_t kMaxEmissionsPerMask = 1 << 25;  // stacks produced by one mask walk

// 256 bits: which bytes a terminal takes.
struct ByteSet {
  std::array<uint64_t, 4> bits{};
  bool test(uint8_t b) const { return (bits[b >> 6] >> (b & 63)) & 1u; }
  void set(uint8_t b) { bits[b >> 6] |= uint64_t{1} << (b & 63); }
  void set_range(uint8_t lo, uint8_t hi) {
    for (unsigned b = lo; b <= hi; ++b) set(static_cast<uint8_t>(b));
  }
  bool empty() const { return (bits[0] | bits[1] | bits[2] | bits[3]) == 0; }
  ByteSet& operator|=(const ByteSet& o) {
    for (int i = 0; i < 4; ++i) bits[i] |= o.bits[i];
    return *this;
  }
  bool operator==(const ByteSet&) const = default;
};

// An element: its kind in the top two bits, its operand (byte set or rule index) below.
enum class ElementKind : uint32_t { kEnd = 0, kTerminal = 1, kRule = 2 };
inline constexpr uint32_t kOperandMask = (uint32_t{1} << 30) - 1;
inline constexpr uint32_t make_element(ElementKind kind, uint32_t operand) {
  return (static_cast<uint32_t>(kind) << 30) | operand;
}
inline constexpr ElementKind element_kind(uint32_t e) { return static_cast<ElementKind>(e >> 30); }
inline constexpr uint32_t element_operand(uint32_t e) { return e & kOperandMask; }

struct Rules {
  std::string source;  // the GBNF text
  std::vector<uint32_t> elements;
  std::vector<ByteSet> byte_sets;            // operands of terminals
  std::vector<uint32_t> alternative_begin;   // per rule: first index into alternative_starts
  std::vector<uint32_t> alternative_starts;  // element index where each alternative begins
  std::vector<std::string> rule_names;       // for messages
  uint32_t root = 0;

  uint32_t rule_count() const { return static_cast<uint32_t>(rule_names.size()); }
  // The byte set of the terminal at `position`.
  const ByteSet& terminal(uint32_t position) const {
    return byte_sets[element_operand(elements[position])];
  }
};

}  // namespace yak::grammar
