// libFuzzer target: any byte string, taken as a chat template, must parse and render
// within small limits or be rejected with yak::Error; crashes, hangs, leaks and
// sanitizer reports are bugs. render_prompt() must give render()'s bytes, with data spans
// that are sorted, merged and inside the text. Seeds: tests/fuzz/corpus/chat_template (the real
// templates of tests/golden/templates plus small feature samples).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "yak/chat_template.h"

namespace {

const nlohmann::ordered_json& context() {
  static const nlohmann::ordered_json ctx = yak::chat_template_context(
      nlohmann::ordered_json::parse(R"([
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Hi 你好 😀"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call12345",
          "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]},
        {"role": "tool", "content": "{\"ok\": true}", "tool_call_id": "call12345"},
        {"role": "user", "content": "Bye", "reasoning_content": "think"}])"),
      true, "<s>", "</s>",
      nlohmann::ordered_json::parse(R"([{"type": "function", "function": {"name": "f",
        "description": "d", "parameters": {"type": "object",
        "properties": {"x": {"type": "integer"}}, "required": ["x"]}}}])"));
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  yak::RenderOptions options;
  options.limits.max_steps = 20000;
  options.limits.max_output_bytes = 64 << 10;
  options.limits.max_value_bytes = 256 << 10;
  options.limits.max_recursion_depth = 16;
  options.limits.max_live_bytes = 2 << 20;  // so that the live budget is reached, too
  std::tm tm{};
  tm.tm_year = 125;
  tm.tm_mday = 1;
  options.now = tm;
  try {
    auto t = yak::ChatTemplate::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    yak::RenderedPrompt p = t.render_prompt(context(), options);
    size_t last_end = 0;
    for (size_t i = 0; i < p.data_spans.size(); ++i) {
      const auto& s = p.data_spans[i];
      if (s.begin >= s.end || s.end > p.text.size() || (i > 0 && s.begin <= last_end)) abort();
      last_end = s.end;
    }
    // Rendering is deterministic (the clock is fixed), so the plain render must agree.
    if (t.render(context(), options) != p.text) abort();
  } catch (const yak::Error&) {
  }
  return 0;
}
