#include "eval/tasks/csv.h"

#include "yak/error.h"

namespace yak::eval {

std::vector<CsvRow> parse_csv(std::string_view text, const std::string& what) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  bool row_started = false;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && field.empty()) {
      const size_t quote_line = line;
      ++i;
      for (;;) {
        if (i >= text.size()) fail("{}: line {}: quoted field never ends", what, quote_line);
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        fail("{}: line {}: text after a closing quote", what, line);
      row_started = true;
      continue;
    }
    if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      row_started = true;
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
      if (row_started || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      row_started = false;
    } else {
      field += c;
      row_started = true;
      ++i;
    }
  }
  if (row_started || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace yak::eval
