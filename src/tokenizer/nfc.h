// Unicode normalization form C, as Qwen2's tokenizer.json applies it ("normalizer":
// {"type": "NFC"}) to text before the pre-tokenizer.
#pragma once

#include <string>
#include <string_view>

namespace yak::tokenizer {

// Appends the NFC form of `text` to `out`. Bytes that are not valid UTF-8 are copied
// unchanged and end a normalization run (Hugging Face only ever sees valid UTF-8).
void append_nfc(std::string& out, std::string_view text);

// Whether NFC can change `text`: false when every character is below U+0300 (no
// combining marks, nothing that decomposes or composes), the common fast path.
bool nfc_may_change(std::string_view text);

}  // namespace yak::tokenizer
