// Cutting a text into the windows llama.cpp's perplexity tool scores.
#include <algorithm>

#include "yak/error.h"
#include "yak/eval.h"
#include "yak/tokenizer.h"

namespace yak::eval {

Windows make_windows(const Tokenizer& tokenizer, std::string_view text,
                     const WindowOptions& options) {
  if (options.n_ctx < 4) fail("the context size must be at least 4 tokens, not {}", options.n_ctx);
  if (options.max_chunks < 0)
    fail("the chunk count must not be negative, not {}", options.max_chunks);
  if (text.empty()) fail("the text to score is empty");
  if (tokenizer.add_eos()) {
    fail("the model's tokenizer adds EOS to every text, which perplexity scoring does not allow");
  }
  std::vector<int32_t> all = tokenizer.encode(text, /*add_special=*/true);
  if (int64_t(all.size()) < 2 * int64_t(options.n_ctx)) {
    fail(
        "the text has {} tokens, but scoring with a context of {} needs at least {} (two "
        "windows); use a longer text or a smaller -c",
        all.size(), options.n_ctx, 2 * int64_t(options.n_ctx));
  }
  Windows w;
  w.n_ctx = options.n_ctx;
  w.n_text_tokens = int64_t(all.size());
  const int64_t whole = int64_t(all.size()) / options.n_ctx;
  w.n_chunks =
      int32_t(options.max_chunks > 0 ? std::min<int64_t>(whole, options.max_chunks) : whole);
  all.resize(size_t(w.n_chunks) * w.n_ctx);
  const std::optional<int32_t> bos = tokenizer.bos();
  if (tokenizer.add_bos() && bos) {
    for (int32_t i = 0; i < w.n_chunks; ++i) all[size_t(i) * w.n_ctx] = *bos;
  }
  w.tokens = std::move(all);
  return w;
}

}  // namespace yak::eval
