#include <algorithm>
#include <map>
#include <utility>

#include "core/error.h"
#include "core/thread_pool.h"
#include "model/decoder.h"
#include "model/kv_cache.h"
#include "runtime/model_impl.h"

namespace yak {

struct Context::State {
  ContextOptions options;
  ThreadPool pool;
  model::KvCache cache;
  model::Decoder decoder;
  std::vector<float> logits;  // [n_outputs][n_vocab]
  int32_t n_outputs = 0;

  State(const Model::Impl& m, const ContextOptions& o)
      : options(o),
        pool(o.n_threads > 0 ? o.n_threads : default_thread_count()),
        cache(m.config, model::KvCacheOptions{o.max_sequences, o.context_size, o.kv_block_size}),
        decoder(m.config, m.weights, o.max_batch_tokens) {}
};

Context::Context(std::shared_ptr<const Model> model, const ContextOptions& options)
    : model_(std::move(model)) {
  if (!model_) fail("context needs a model");
  if (options.n_threads < 0 || options.n_threads > 1024)
    fail("thread count {} is out of range", options.n_threads);
  if (options.max_batch_tokens < 1 || options.max_batch_tokens > 65536)
    fail("batch size {} is out of range [1, 65536]", options.max_batch_tokens);
  state_ = std::make_unique<State>(model_->impl(), options);
}

Context::~Context() = default;

void Context::decode(const Batch& batch) {
  const model::ModelConfig& config = model_->impl().config;
  model::KvCache& cache = state_->cache;
  const size_t n = batch.size();
  if (n == 0) fail("decode: the batch is empty");

  // Validate everything before touching the cache, so a bad batch changes nothing.
  std::map<int32_t, int32_t> next_pos;  // per sequence: the position its next token must have
  int32_t n_outputs = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t token = batch.tokens()[i];
    const int32_t seq = batch.seq_ids()[i];
    const int32_t pos = batch.positions()[i];
    if (token < 0 || token >= config.n_vocab)
      fail("decode: token {} at batch index {} is out of range [0, {})", token, i, config.n_vocab);
    if (seq < 0 || seq >= cache.max_sequences())
      fail("decode: sequence id {} at batch index {} is out of range [0, {})", seq, i,
           cache.max_sequences());
    auto [it, inserted] = next_pos.try_emplace(seq, cache.length(seq));
    if (pos != it->second)
      fail("decode: sequence {} expects position {} at batch index {}, got {}", seq, it->second, i,
           pos);
    ++it->second;
    if (batch.want_logits()[i] != 0) ++n_outputs;
  }

  // Reserve cache room for every sequence, undoing earlier reservations if a later one fails.
  std::vector<int32_t> reserved;
  try {
    for (const auto& [seq, end] : next_pos) {
      cache.reserve(seq, end - cache.length(seq));
      reserved.push_back(seq);
    }
  } catch (...) {
    for (int32_t seq : reserved) cache.truncate(seq, cache.length(seq));
    throw;
  }

  state_->logits.resize(static_cast<size_t>(n_outputs) * static_cast<size_t>(config.n_vocab));
  state_->n_outputs = n_outputs;
  const auto chunk = static_cast<size_t>(state_->options.max_batch_tokens);
  size_t outputs_done = 0;
  for (size_t begin = 0; begin < n; begin += chunk) {
    const size_t len = std::min(chunk, n - begin);
    model::BatchView view{batch.tokens().subspan(begin, len), batch.positions().subspan(begin, len),
                          batch.seq_ids().subspan(begin, len),
                          batch.want_logits().subspan(begin, len)};
    state_->decoder.forward(
        view, cache, state_->pool,
        state_->logits.data() + outputs_done * static_cast<size_t>(config.n_vocab));
    for (size_t i = 0; i < len; ++i) outputs_done += view.want_logits[i] != 0 ? 1 : 0;
  }
  for (const auto& [seq, end] : next_pos) cache.set_length(seq, end);
}

std::span<const float> Context::logits(int32_t i) const {
  if (i < 0 || i >= state_->n_outputs)
    fail("logits: output {} is out of range [0, {})", i, state_->n_outputs);
  const auto n_vocab = static_cast<size_t>(model_->impl().config.n_vocab);
  return {state_->logits.data() + static_cast<size_t>(i) * n_vocab, n_vocab};
}

int32_t Context::n_outputs() const { return state_->n_outputs; }
int32_t Context::sequence_length(int32_t seq_id) const { return state_->cache.length(seq_id); }
void Context::truncate_sequence(int32_t seq_id, int32_t length) {
  state_->cache.truncate(seq_id, length);
}
int32_t Context::free_slots() const { return state_->cache.free_slots(); }
bool Context::has_room(int32_t seq_id, int32_t n_tokens) const {
  return state_->cache.can_reserve(seq_id, n_tokens);
}
const ContextOptions& Context::options() const { return state_->options; }
int32_t Context::n_threads() const { return state_->pool.size(); }

}  // namespace yak
