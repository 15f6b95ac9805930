#include "tokenizer/special_splitter.h"

#include <algorithm>

namespace yak::tokenizer {

SpecialSplitter::SpecialSplitter(const Vocab& vocab) {
  for (int32_t id : vocab.special_ids) {
    const std::string& text = vocab.text[id];
    const bool always = vocab.type[id] == TokenType::kUserDefined;
    by_first_byte_[static_cast<uint8_t>(text[0])].push_back({text, id, always});
    any_ = true;
    any_always_ = any_always_ || always;
  }
  for (auto& bucket : by_first_byte_) {
    // Longest first; among equal texts (duplicates) the lowest id wins.
    std::stable_sort(bucket.begin(), bucket.end(), [](const Candidate& a, const Candidate& b) {
      return a.text.size() > b.text.size();
    });
  }
}

void SpecialSplitter::split(std::string_view text, bool parse_special, std::vector<Fragment>& out,
                            std::span<const TextSpan> plain_spans) const {
  out.clear();
  if (text.empty()) return;
  if (!any_ || (!parse_special && !any_always_)) {
    out.push_back({text, -1});
    return;
  }
  size_t raw_start = 0;
  size_t pos = 0;
  size_t next_plain = 0;  // the first plain span that ends after pos
  while (pos < text.size()) {
    while (next_plain < plain_spans.size() && plain_spans[next_plain].end <= pos) ++next_plain;
    // A control token may not reach into plain text: its bytes must end before the next span.
    const size_t control_limit =
        next_plain < plain_spans.size() ? plain_spans[next_plain].begin : text.size();
    const auto& bucket = by_first_byte_[static_cast<uint8_t>(text[pos])];
    const Candidate* found = nullptr;
    for (const Candidate& c : bucket) {
      // Inside a span control_limit <= pos, so no control token fits.
      const bool allowed = c.always || (parse_special && pos + c.text.size() <= control_limit);
      if (allowed && text.compare(pos, c.text.size(), c.text) == 0) {
        found = &c;
        break;
      }
    }
    if (!found) {
      ++pos;
      continue;
    }
    if (pos > raw_start) out.push_back({text.substr(raw_start, pos - raw_start), -1});
    out.push_back({found->text, found->id});
    pos += found->text.size();
    raw_start = pos;
  }
  if (raw_start < text.size()) out.push_back({text.substr(raw_start), -1});
}

}  // namespace yak::tokenizer
