// RFC 4180 CSV (quoted fields may hold commas, quotes and newlines), for MMLU, CMMLU and
// TruthfulQA's files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace yak::eval {

using CsvRow = std::vector<std::string>;

// Rows of the text (a UTF-8 BOM is skipped; CRLF or LF line ends). Throws yak::Error naming
// `what` and the line for an unterminated quote or text after a closing quote.
std::vector<CsvRow> parse_csv(std::string_view text, const std::string& what);

}  // namespace yak::eval
