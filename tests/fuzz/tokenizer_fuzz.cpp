// libFuzzer target for the tokenizers: any byte string, valid UTF-8 or not, must encode
// (with and without special-token parsing) without crashing, and the ids must decode
// back to exactly the input bytes; a StreamDecoder fed the ids must give valid UTF-8.
// Crashes, hangs, leaks, sanitizer reports and broken round trips are bugs.
//
// Tokenizers: SmolLM2 (byte-level BPE, "smollm"), Qwen2.5 (byte-level BPE with NFC) and
// llama-spm (SentencePiece with byte fallback). Found in $YAK_FUZZ_SMOLLM2, $YAK_FUZZ_QWEN2,
// $YAK_FUZZ_SPM, else beside the source tree: models/SmolLM2-135M-Instruct.Q4_1.gguf,
// models/qwen2.5-coder-0.5b-instruct.q4_k_m.gguf, ../shared/data/tokenizer/
// ggml-vocab-llama-spm.gguf. The first input byte picks the tokenizer (bit 0: SentencePiece,
// else bit 4: Qwen2) and the mode (bit 1: parse_special, bit 2: add_special, bit 3:
// skip_special in decode). Seeds: tests/fuzz/corpus/tokenizer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "tokenizer/nfc.h"
#include "tokenizer/utf8.h"
#include "yak/tokenizer.h"

namespace {

// The repository root, from this file's path (tests/fuzz/tokenizer_fuzz.cpp).
std::string source_dir() {
  const std::string_view file = __FILE__;
  const size_t cut = file.rfind("/tests/fuzz/");
  return cut == std::string_view::npos ? "." : std::string(file.substr(0, cut));
}

std::string path_from(const char* env, const char* relative) {
  if (const char* p = std::getenv(env)) return p;
  return source_dir() + "/" + relative;
}

const yak::Tokenizer& load(const char* env, const char* relative) {
  const std::string path = path_from(env, relative);
  try {
    return *new yak::Tokenizer(yak::Tokenizer::from_gguf_path(path));
  } catch (const yak::Error& e) {
    std::fprintf(stderr, "tokenizer_fuzz: cannot load %s (%s): %s\n", path.c_str(), env,
                 e.what());
    std::abort();
  }
}

const yak::Tokenizer& smollm2() {
  static const yak::Tokenizer& tok =
      load("YAK_FUZZ_SMOLLM2", "models/SmolLM2-135M-Instruct.Q4_1.gguf");
  return tok;
}

const yak::Tokenizer& qwen2() {
  static const yak::Tokenizer& tok =
      load("YAK_FUZZ_QWEN2", "models/qwen2.5-coder-0.5b-instruct.q4_k_m.gguf");
  return tok;
}

const yak::Tokenizer& spm() {
  static const yak::Tokenizer& tok =
      load("YAK_FUZZ_SPM", "../shared/data/tokenizer/ggml-vocab-llama-spm.gguf");
  return tok;
}

// Whether every byte of `text` has a token of its own, so that no byte can fall back to
// the unknown token (SmolLM2's vocabulary, like HF's, lacks bytes such as 0xFF that never
// occur in UTF-8), and nothing else is lost.
bool covers_all_bytes(const yak::Tokenizer& tok, std::string_view text) {
  static const auto table = [] {
    std::array<std::array<bool, 256>, 3> has{};
    for (int m = 0; m < 3; ++m) {
      const yak::Tokenizer& t = m == 1 ? spm() : m == 2 ? qwen2() : smollm2();
      for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        has[m][b] = m == 1 ? t.find_token(name).has_value()
                      : t.find_token(yak::tokenizer::ByteCharMap::get().char_of(
                                         static_cast<uint8_t>(b)))
                            .has_value();
      }
    }
    return has;
  }();
  const bool is_spm = &tok == &spm();
  // SentencePiece reads U+2581 in the text as its own space mark, which decodes to ' '.
  if (is_spm && text.find("\xE2\x96\x81") != std::string_view::npos) return false;
  const bool is_qwen2 = &tok == &qwen2();
  // Qwen2 puts text in NFC first, so only NFC text comes back unchanged.
  if (is_qwen2 && yak::tokenizer::nfc_may_change(text)) {
    std::string normalized;
    yak::tokenizer::append_nfc(normalized, text);
    if (normalized != text) return false;
  }
  const auto& has = table[is_spm ? 1 : is_qwen2 ? 2 : 0];
  for (char c : text) {
    if (!has[static_cast<uint8_t>(c)]) return false;
  }
  return true;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  smollm2();
  spm();
  qwen2();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const yak::Tokenizer& tok = (mode & 1) ? spm() : (mode & 16) ? qwen2() : smollm2();
  const bool parse_special = (mode & 2) != 0;
  const bool add_special = (mode & 4) != 0;

  const std::vector<int32_t> ids = tok.encode(text, add_special, parse_special);
  for (int32_t id : ids) check(id >= 0 && id < tok.n_vocab(), "id out of range");

  // Without special-token parsing and without BOS/EOS every byte comes back where the
  // vocabulary has a token for each byte of the text.
  const std::vector<int32_t> plain =
      parse_special || add_special ? tok.encode(text, false, false) : ids;
  const bool lossless = covers_all_bytes(tok, text);
  if (lossless) check(tok.decode(plain) == text, "decode(encode(text)) differs from text");
  (void)tok.decode(ids, /*skip_special=*/(mode & 8) != 0);

  // Streaming: the pieces are valid UTF-8 and, for plain text, join to the text with
  // invalid bytes replaced.
  yak::StreamDecoder stream(tok, /*skip_special=*/false, /*strip_leading_space=*/true);
  std::string joined;
  for (int32_t id : plain) {
    const std::string part = stream.push(id);
    std::string sanitized;
    yak::tokenizer::append_sanitized(sanitized, part);
    check(sanitized == part, "StreamDecoder returned invalid UTF-8");
    joined += part;
  }
  joined += stream.flush();
  std::string expected;
  yak::tokenizer::append_sanitized(expected, text);
  check(!lossless || joined == expected, "StreamDecoder text differs from the sanitized input");

  try {
    (void)tok.token_to_piece(static_cast<int32_t>(size) * 7919 - 1);
  } catch (const yak::Error&) {
  }
  return 0;
}
