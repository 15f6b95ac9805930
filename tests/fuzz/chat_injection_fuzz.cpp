// libFuzzer target: hostile message contents must never become control tokens. Each input
// picks one of the real chat templates (tests/golden/templates) and a vocabulary, and supplies
// the contents of a system, user, assistant and user message (separated by 0x01 bytes). The
// conversation is rendered with render_prompt() and tokenized with encode_prompt(); every
// control token in the result must lie wholly in the template's own text, and the rendered
// text must equal render()'s. Any violation aborts.
//
// Needs the default model (its SmolLM2 vocabulary) and models/ggml-vocab-llama3.gguf, both
// installed by scripts/setup.sh. Seeds: tests/fuzz/corpus/chat_injection; dictionary:
// tests/fuzz/chat_injection.dict.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "yak/chat_template.h"
#include "yak/tokenizer.h"

namespace {

struct Fixture {
  std::vector<yak::ChatTemplate> templates;
  std::vector<yak::Tokenizer> vocabularies;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    const std::filesystem::path source(YAK_SOURCE_DIR);
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(source / "tests/golden/templates"))
      if (entry.path().extension() == ".jinja") paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());  // the same index picks the same template every run
    for (const auto& path : paths) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      out.templates.push_back(yak::ChatTemplate::parse(text.str()));
    }
    for (const char* file :
         {"models/SmolLM2-135M-Instruct.Q4_1.gguf", "models/ggml-vocab-llama3.gguf"})
      out.vocabularies.push_back(yak::Tokenizer::from_gguf_path((source / file).string()));
    if (out.templates.empty()) std::abort();
    return out;
  }();
  return f;
}

[[noreturn]] void violation(const char* what, std::string_view text) {
  std::fprintf(stderr, "chat_injection_fuzz: %s\nrendered prompt:\n", what);
  std::fwrite(text.data(), 1, text.size(), stderr);  // all of it, NUL bytes included
  std::fputc('\n', stderr);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const Fixture& f = fixture();
  const yak::ChatTemplate& tmpl = f.templates[data[0] % f.templates.size()];
  const yak::Tokenizer& tok = f.vocabularies[data[1] % f.vocabularies.size()];
  std::vector<std::string> contents(4);
  size_t part = 0;
  for (size_t i = 2; i < size; ++i) {
    if (data[i] == 0x01 && part + 1 < contents.size())
      ++part;
    else
      contents[part].push_back(static_cast<char>(data[i]));
  }
  const char* roles[] = {"system", "user", "assistant", "user"};
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (size_t i = 0; i < contents.size(); ++i)
    messages.push_back({{"role", roles[i]}, {"content", contents[i]}});
  // Message contents reach the template as JSON strings, so they must be valid UTF-8.
  try {
    (void)messages.dump();
  } catch (const nlohmann::json::exception&) {
    return 0;
  }

  yak::RenderOptions options;
  options.limits.max_steps = 200000;
  options.limits.max_output_bytes = 256 << 10;
  std::tm tm{};
  tm.tm_year = 125;
  tm.tm_mday = 1;
  options.now = tm;
  const nlohmann::ordered_json context =
      yak::chat_template_context(messages, true, tok.bos() ? tok.token_text(*tok.bos()) : "",
                                 tok.eos() ? tok.token_text(*tok.eos()) : "");
  yak::RenderedPrompt prompt;
  try {
    prompt = tmpl.render_prompt(context, options);
  } catch (const yak::Error&) {
    return 0;  // templates may refuse a conversation (raise_exception); that is fine
  }
  if (tmpl.render(context, options) != prompt.text)
    violation("render_prompt text differs from render", prompt.text);

  const std::vector<int32_t> ids = tok.encode_prompt(prompt.text, prompt.data_spans);
  // Byte-level BPE pieces are the text's own bytes, less the bytes the vocabulary lacks
  // (encode_prompt drops those), so walking the text along the pieces gives each token's
  // offset. NFC normalization can change non-ASCII text; then the offsets are unknown.
  const auto lacks = [&](char c) {
    return tok.encode(std::string(1, c), false, false).empty() ||
           (tok.unk() &&
            tok.encode(std::string(1, c), false, false) == std::vector<int32_t>{*tok.unk()});
  };
  const std::string& text = prompt.text;
  std::vector<size_t> offsets;
  size_t pos = 0;
  bool aligned = true;
  for (int32_t id : ids) {
    const std::string piece = tok.token_to_piece(id);
    while (pos < text.size() && text.compare(pos, piece.size(), piece) != 0 && lacks(text[pos]))
      ++pos;
    if (text.compare(pos, piece.size(), piece) != 0) {
      aligned = false;
      break;
    }
    offsets.push_back(pos);
    pos += piece.size();
  }
  while (aligned && pos < text.size() && lacks(text[pos])) ++pos;
  if (!aligned || pos != text.size()) {
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      std::fprintf(stderr, "pieces stop matching at byte %zu of %zu\n", pos, text.size());
      violation("the pieces of an ASCII prompt do not spell it", text);
    }
    return 0;
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (tok.token_type(ids[i]) != yak::TokenType::kControl) continue;
    const size_t begin = offsets[i], end = begin + tok.token_to_piece(ids[i]).size();
    for (const yak::TextSpan& span : prompt.data_spans)
      if (span.begin < end && begin < span.end)
        violation("a control token overlaps message text", text);
  }
  return 0;
}
