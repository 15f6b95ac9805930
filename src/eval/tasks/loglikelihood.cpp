#include "eval/tasks/loglikelihood.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "yak/error.h"

namespace yak::eval {
namespace {

// Logits of all wanted outputs stay in memory until the next decode; this bounds them.
constexpr uint64_t kMaxLogitBytes = uint64_t{256} << 20;

// exp(x) for x <= 0 to 1e-7 relative (a degree-7 polynomial after reducing by powers of
// two), written without calls or branches so that the compiler vectorizes the loops below:
// glibc's scalar expf over a 50k-150k vocabulary per scored token was about half of the
// time of a HellaSwag run.
inline float exp_nonpositive(float x) {
  x = x >= -87.0f ? x : -87.0f;  // exp(-87) ~ 1.6e-38, nothing beside a sum >= 1; NaN too
  const float k = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(x / ln 2)
  const float r = (x - k * 0.693145751953125f) - k * 1.428606765330187045e-06f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

}  // namespace

LogSoftmax log_softmax(std::span<const float> logits) {
  constexpr size_t kLanes = 16;
  const float* x = logits.data();
  const size_t n = logits.size();
  float lane_max[kLanes];
  for (size_t j = 0; j < kLanes; ++j) lane_max[j] = -std::numeric_limits<float>::infinity();
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j)
      lane_max[j] = x[i + j] > lane_max[j] ? x[i + j] : lane_max[j];
  float max = -std::numeric_limits<float>::infinity();
  for (size_t j = 0; j < kLanes; ++j) max = lane_max[j] > max ? lane_max[j] : max;
  for (; i < n; ++i) max = x[i] > max ? x[i] : max;
  // NaN counts as -inf (as yak/logprobs.h has it); a row with nothing else is a broken model.
  if (max == -std::numeric_limits<float>::infinity())
    fail("the model's logits are all -inf or NaN");
  LogSoftmax out;
  while (x[out.argmax] != max) ++out.argmax;  // the first index holding it, as np.argmax
  // Lane sums in float, moved into a double every 64 rows so that none grows large.
  double sum = 0;
  float lane_sum[kLanes] = {};
  i = 0;
  for (size_t row = 0; i + kLanes <= n; i += kLanes, ++row) {
    for (size_t j = 0; j < kLanes; ++j) lane_sum[j] += exp_nonpositive(x[i + j] - max);
    if (row % 64 == 63) {
      for (size_t j = 0; j < kLanes; ++j) sum += lane_sum[j], lane_sum[j] = 0;
    }
  }
  for (size_t j = 0; j < kLanes; ++j) sum += lane_sum[j];
  for (; i < n; ++i) sum += exp_nonpositive(x[i] - max);
  out.log_norm = max + std::log(sum);
  return out;
}

namespace {

void add_token_score(std::span<const float> logits, int32_t token, ChoiceScore& score) {
  const LogSoftmax ls = log_softmax(logits);
  score.logprob += logits[token] - ls.log_norm;
  score.greedy = score.greedy && ls.argmax == token;
}

int64_t max_outputs_per_decode(const Context& context) {
  const int64_t vocab = context.model().info().n_vocab;
  return std::max<int64_t>(64, static_cast<int64_t>(kMaxLogitBytes) / (vocab * 4));
}

// Outputs an item needs in its second decode (the continuations after their first token).
int64_t continuation_outputs(const EncodedItem& item) {
  int64_t n = 0;
  for (const auto& c : item.continuations) n += static_cast<int64_t>(c.size()) - 1;
  return n;
}

// Shared context: one decode of the items' contexts (logits at their last token), then a
// fork per choice running its continuation but the last token.
void score_group_shared(Context& ctx, const std::vector<EncodedItem>& items, size_t begin,
                        size_t end, std::vector<std::vector<ChoiceScore>>& scores) {
  Batch batch;
  std::vector<SequenceId> parents;
  std::vector<int32_t> last_out;
  for (size_t i = begin; i < end; ++i) {
    const SequenceId seq = ctx.add_sequence();
    parents.push_back(seq);
    const auto& tokens = items[i].context;
    // Few-shot prompts share their examples: blocks an earlier group computed are reused.
    const auto cached = static_cast<size_t>(ctx.attach_cached_prefix(seq, tokens));
    int32_t out = -1;
    for (size_t t = cached; t < tokens.size(); ++t)
      out = batch.add(tokens[t], static_cast<int32_t>(t), seq, t + 1 == tokens.size());
    last_out.push_back(out);
  }
  ctx.decode(batch);
  for (size_t i = begin; i < end; ++i) {
    const auto logits = ctx.logits(last_out[i - begin]);
    const LogSoftmax ls = log_softmax(logits);
    for (size_t c = 0; c < items[i].continuations.size(); ++c) {
      const int32_t first = items[i].continuations[c][0];
      scores[i][c] = {logits[first] - ls.log_norm, ls.argmax == first};
    }
  }

  batch.clear();
  struct Pending {
    size_t item, choice;
    int32_t first_out;
  };
  std::vector<Pending> pending;
  std::vector<SequenceId> forks;
  for (size_t i = begin; i < end; ++i) {
    const int32_t n_ctx = static_cast<int32_t>(items[i].context.size());
    for (size_t c = 0; c < items[i].continuations.size(); ++c) {
      const auto& cont = items[i].continuations[c];
      if (cont.size() < 2) continue;
      const SequenceId fork = ctx.fork_sequence(parents[i - begin]);
      forks.push_back(fork);
      int32_t first_out = -1;
      for (size_t t = 0; t + 1 < cont.size(); ++t) {
        const int32_t out = batch.add(cont[t], n_ctx + static_cast<int32_t>(t), fork, true);
        if (t == 0) first_out = out;
      }
      pending.push_back({i, c, first_out});
    }
  }
  if (!batch.empty()) ctx.decode(batch);
  for (const Pending& p : pending) {
    const auto& cont = items[p.item].continuations[p.choice];
    for (size_t t = 1; t < cont.size(); ++t)
      add_token_score(ctx.logits(p.first_out + static_cast<int32_t>(t) - 1), cont[t],
                      scores[p.item][p.choice]);
  }
  for (SequenceId s : forks) ctx.remove_sequence(s);
  for (SequenceId s : parents) ctx.remove_sequence(s);
}

// Reference path: every choice is a sequence of its own holding context + continuation.
void score_group_separate(Context& ctx, const std::vector<EncodedItem>& items, size_t begin,
                          size_t end, std::vector<std::vector<ChoiceScore>>& scores) {
  for (size_t i = begin; i < end; ++i) {
    const auto& context = items[i].context;
    for (size_t c = 0; c < items[i].continuations.size(); ++c) {
      const auto& cont = items[i].continuations[c];
      Batch batch;
      const SequenceId seq = ctx.add_sequence();
      int32_t first_out = -1;
      const size_t n = context.size() + cont.size() - 1;
      for (size_t t = 0; t < n; ++t) {
        const int32_t token = t < context.size() ? context[t] : cont[t - context.size()];
        const bool want = t + 1 >= context.size();
        const int32_t out = batch.add(token, static_cast<int32_t>(t), seq, want);
        if (want && first_out < 0) first_out = out;
      }
      ctx.decode(batch);
      ChoiceScore score{0, true};
      for (size_t t = 0; t < cont.size(); ++t)
        add_token_score(ctx.logits(first_out + static_cast<int32_t>(t)), cont[t], score);
      scores[i][c] = score;
      ctx.remove_sequence(seq);
    }
  }
}

}  // namespace

EncodedItem encode_item(const Tokenizer& tokenizer, const std::string& context,
                        const std::vector<std::string>& choices, int32_t context_size) {
  if (choices.empty()) fail("an eval item has no choices");
  const size_t kept = context.find_last_not_of(' ');
  const std::string ctx = kept == std::string::npos ? "" : context.substr(0, kept + 1);
  const std::string moved_spaces = context.substr(ctx.size());
  EncodedItem item;
  item.context = tokenizer.encode(ctx, /*add_special=*/false);
  if (item.context.empty()) fail("an eval item's context is empty");
  size_t longest = 0;
  for (const std::string& choice : choices) {
    const std::string cont = moved_spaces + " " + choice;
    const std::vector<int32_t> whole = tokenizer.encode(ctx + cont, /*add_special=*/false);
    std::vector<int32_t> tail(whole.begin() + std::min(whole.size(), item.context.size()),
                              whole.end());
    if (tail.empty()) fail("choice '{}' adds no token to its context", choice);
    longest = std::max(longest, tail.size());
    item.continuations.push_back(std::move(tail));
  }
  // The model sees context + continuation but its last token.
  const int64_t excess = static_cast<int64_t>(item.context.size() + longest - 1) - context_size;
  if (excess > 0) {
    if (excess >= static_cast<int64_t>(item.context.size()))
      fail("a choice of {} tokens does not fit in a context of {}", longest, context_size);
    item.context.erase(item.context.begin(), item.context.begin() + excess);
  }
  return item;
}

ContextOptions scorer_context_options(const std::vector<EncodedItem>& items,
                                      const ScorerOptions& options, int32_t context_size,
                                      std::shared_ptr<Threads> threads) {
  constexpr int32_t kBlock = 32;
  size_t max_choices = 1;
  int64_t max_tokens = 0;  // KV tokens one item holds at once, with partial-block copies
  for (const auto& item : items) {
    max_choices = std::max(max_choices, item.continuations.size());
    int64_t n = static_cast<int64_t>(item.context.size()) + kBlock;
    for (const auto& c : item.continuations)
      n += static_cast<int64_t>(c.size()) + kBlock +
           (options.share_context ? 0 : static_cast<int64_t>(item.context.size()));
    max_tokens = std::max(max_tokens, n);
  }
  const int32_t parallel = std::max(1, options.parallel_items);
  ContextOptions o;
  o.threads = std::move(threads);
  o.context_size = context_size;
  o.max_sequences = parallel * static_cast<int32_t>(max_choices + 1);
  o.kv_tokens = std::max<int64_t>(context_size, parallel * max_tokens);
  o.kv_block_size = kBlock;
  o.max_batch_tokens = 512;
  o.prefix_caching = options.share_context;
  return o;
}

std::vector<std::vector<ChoiceScore>> score_items(Context& context,
                                                  const std::vector<EncodedItem>& items,
                                                  const ScorerOptions& options) {
  std::vector<std::vector<ChoiceScore>> scores(items.size());
  for (size_t i = 0; i < items.size(); ++i)
    scores[i].assign(items[i].continuations.size(), ChoiceScore{0, true});
  const size_t parallel = static_cast<size_t>(std::max(1, options.parallel_items));
  const int64_t max_outputs = max_outputs_per_decode(context);
  size_t begin = 0;
  while (begin < items.size()) {
    // As many items as fit in `parallel` and the logits budget (at least one).
    size_t end = begin + 1;
    int64_t outputs = continuation_outputs(items[begin]);
    while (end < items.size() && end - begin < parallel &&
           outputs + continuation_outputs(items[end]) <= max_outputs)
      outputs += continuation_outputs(items[end++]);
    if (options.share_context) {
      score_group_shared(context, items, begin, end, scores);
    } else {
      score_group_separate(context, items, begin, end, scores);
    }
    begin = end;
    if (options.on_progress) options.on_progress(static_cast<int64_t>(begin));
  }
  return scores;
}

}  // namespace yak::eval
