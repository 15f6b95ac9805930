// libFuzzer target: any byte string must either parse as GGUF or be rejected
// with yak::Error; crashes, hangs, leaks and sanitizer reports are bugs.
// Seeds: tests/fuzz/corpus/gguf (made by tests/unit/format/gguf_corpus_test.cpp).
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "format/gguf_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto file = yak::gguf::File::parse(std::span(data, size), "fuzz.gguf");
    // Use what the parse claims is valid, so a bad view shows up under ASan.
    volatile uint64_t sink = 0;
    for (const auto& t : file.tensors()) sink = sink + t.data[0] + t.data[t.size_bytes - 1];
    for (const auto& [key, value] : file.metadata()) sink = sink + value.to_display_string().size();
  } catch (const yak::Error&) {
  }
  return 0;
}
