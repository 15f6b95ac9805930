// Reading a small text file that a user names (a chat template, a text to tokenize),
// refusing what would hang or flood the process: a FIFO or device is never opened for a
// blocking read, a directory is named as one, and the size is bounded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace yak {

// `what` names the file's role in messages ("chat template file"). Throws yak::Error naming
// the path when it is missing, not a regular file, larger than max_bytes, or unreadable.
std::string read_text_file(const std::string& path, std::string_view what, uint64_t max_bytes);

}  // namespace yak
