#include <algorithm>
#include <limits>
#include <map>
#include <new>
#include <utility>

#include "core/error.h"
#include "core/system_memory.h"
#include "core/thread_pool.h"
#include "model/decoder.h"
#include "model/kv_cache.h"
#include "runtime/model_impl.h"
#include "runtime/threads_impl.h"

namespace yak {
namespace {

int32_t pool_tokens(const ContextOptions& o) {
  const int64_t tokens = o.kv_tokens > 0 ? o.kv_tokens : o.context_size;
  if (tokens > std::numeric_limits<int32_t>::max())
    fail("a KV pool of {} tokens is over the limit of {}", tokens,
         std::numeric_limits<int32_t>::max());
  return static_cast<int32_t>(tokens);
}

model::KvCacheOptions cache_options(const ContextOptions& o) {
  return {.max_sequences = o.max_sequences,
          .capacity = pool_tokens(o),
          .block_size = o.kv_block_size,
          .prefix_caching = o.prefix_caching};
}

// The largest context (a multiple of the block size when that many fit) whose
// KV cache fits in `bytes`.
uint64_t tokens_fitting(uint64_t bytes, uint64_t per_token, int32_t block_size) {
  const uint64_t n = bytes / per_token;
  const auto bs = static_cast<uint64_t>(std::max(block_size, 1));
  return n >= bs ? n / bs * bs : n;
}

// Refuses a context whose KV cache, once full, could never fit in memory:
// better now, with the figures, than std::bad_alloc or the OOM killer later.
void check_fits(const model::ModelConfig& config, const ContextOptions& o) {
  const uint64_t limit =
      o.memory_limit_bytes != 0 ? o.memory_limit_bytes : available_memory_bytes();
  const uint64_t needed = model::KvCache::bytes_when_full(config, cache_options(o));
  if (limit == 0 || needed <= limit) return;  // 0: the machine would not say
  const uint64_t per_token = model::KvCache::bytes_per_token(config);
  const uint64_t fits = tokens_fitting(limit, per_token, o.kv_block_size);
  const std::string advice = fits == 0 ? std::string("not even one token fits")
                                       : fmt::format("use a context of {} tokens or less", fits);
  fail("a context of {} tokens needs {} of KV cache ({} per token); {} of memory is available: {}",
       pool_tokens(o), format_bytes(needed), format_bytes(per_token), format_bytes(limit), advice);
}

}  // namespace

struct Context::State {
  ContextOptions options;
  std::shared_ptr<Threads> threads;
  model::KvCache cache;
  model::Decoder decoder;
  std::vector<float> logits;  // [n_outputs][n_vocab] of the last decode
  int32_t n_outputs = 0;

  // Handles are the cache's sequence ids.
  State(const Model::Impl& m, const ContextOptions& o)
      : options(o),
        threads(o.threads ? o.threads : std::make_shared<Threads>(o.n_threads)),
        cache(m.config, cache_options(o)),
        decoder(m.config, m.weights, o.max_batch_tokens, o.context_size, o.activation_observer) {}

  void check_live(SequenceId seq) const {
    if (!cache.alive(seq)) fail("sequence {} is not alive in this context", seq);
  }

  uint64_t bytes() const {
    return cache.bytes() + decoder.bytes() + logits.capacity() * sizeof(float);
  }
  // What this context may still allocate.
  uint64_t room() const {
    if (options.memory_limit_bytes == 0) return available_memory_bytes();
    const uint64_t used = bytes();
    return used < options.memory_limit_bytes ? options.memory_limit_bytes - used : 0;
  }
};

Context::Context(std::shared_ptr<const Model> model, const ContextOptions& options)
    : model_(std::move(model)) {
  if (!model_) fail("context needs a model");
  if (options.n_threads < 0 || options.n_threads > 1024)
    fail("thread count {} is out of range [0, 1024]", options.n_threads);
  if (options.max_batch_tokens < 1 || options.max_batch_tokens > 65536)
    fail("batch size {} is out of range [1, 65536]", options.max_batch_tokens);
  if (options.context_size < 1)
    fail("the context size {} must be at least 1 token", options.context_size);
  if (options.kv_tokens < 0) fail("the KV pool size {} must not be negative", options.kv_tokens);
  // The KV cache validates the other options (and allocates nothing yet), so
  // its size is checked once they are known to be sane.
  state_ = std::make_unique<State>(model_->impl(), options);
  check_fits(model_->impl().config, options);
}

Context::~Context() = default;

namespace {

// Weights are read from the file's mapping (all of them with exact precision;
// the embedding, norms and the few unpacked rows with fast), so a file cut
// short or rewritten under the model makes its numbers meaningless.
void check_model_file(const Model& model) {
  if (model.impl().file.changed())
    fail("the model file {} was truncated or changed while in use; load the model again",
         model.info().path);
}

}  // namespace

void Context::decode(const Batch& batch) {
  check_model_file(*model_);
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
    if (!cache.alive(seq))
      fail("decode: sequence {} at batch index {} is not alive in this context", seq, i);
    auto [it, inserted] = next_pos.try_emplace(seq, cache.length(seq));
    if (pos != it->second)
      fail("decode: sequence {} expects position {} at batch index {}, got {}", seq, it->second, i,
           pos);
    ++it->second;
    if (it->second > state_->options.context_size)
      fail("decode: sequence {} would hold {} tokens, over the context size of {}", seq, it->second,
           state_->options.context_size);
    if (batch.want_logits()[i] != 0) ++n_outputs;
  }

  // Buffers grow to the batch (they are reused after): refuse one that
  // cannot fit before anything changes.
  const auto chunk = static_cast<size_t>(state_->options.max_batch_tokens);
  const auto first_len = static_cast<int32_t>(std::min(chunk, n));
  const size_t logit_floats = static_cast<size_t>(n_outputs) * static_cast<size_t>(config.n_vocab);
  const uint64_t grow_activations =
      state_->decoder.bytes_for(first_len) > state_->decoder.bytes()
          ? state_->decoder.bytes_for(first_len) - state_->decoder.bytes()
          : 0;
  const uint64_t grow_logits = logit_floats > state_->logits.capacity()
                                   ? (logit_floats - state_->logits.capacity()) * sizeof(float)
                                   : 0;
  if (grow_activations + grow_logits > 0) {
    const uint64_t room = state_->room();
    if (room != 0 && grow_activations + grow_logits > room)
      fail(
          "decode: a batch of {} tokens ({} wanting logits) needs {} more memory for "
          "activations and logits; {} is available",
          n, n_outputs, format_bytes(grow_activations + grow_logits), format_bytes(room));
  }

  // Cache room for every sequence at once (all or nothing); a failure after it
  // gives the room back. In order of sequence, as next_pos is.
  std::vector<model::KvCache::Reservation> reservations;
  std::vector<int32_t> lengths;  // of each reserved sequence before
  for (const auto& [seq, end] : next_pos) {
    reservations.push_back({seq, end - cache.length(seq)});
    lengths.push_back(cache.length(seq));
  }
  cache.reserve(reservations);
  auto undo = [&] {
    for (size_t i = 0; i < reservations.size(); ++i)
      cache.truncate(reservations[i].seq, lengths[i]);
  };
  try {
    state_->logits.resize(logit_floats);
  } catch (const std::bad_alloc&) {
    undo();
    fail("decode: out of memory for the logits of {} tokens", n_outputs);
  }

  state_->n_outputs = 0;
  size_t outputs_done = 0;
  try {
    // Contexts sharing the workers take turns, a whole batch at a time.
    Threads::Impl& workers = state_->threads->impl();
    const std::lock_guard<std::mutex> turn(workers.turn);
    for (size_t begin = 0; begin < n; begin += chunk) {
      const size_t len = std::min(chunk, n - begin);
      model::BatchView view{
          batch.tokens().subspan(begin, len), batch.positions().subspan(begin, len),
          batch.seq_ids().subspan(begin, len), batch.want_logits().subspan(begin, len)};
      state_->decoder.forward(
          view, cache, workers.pool,
          state_->logits.data() + outputs_done * static_cast<size_t>(config.n_vocab));
      for (size_t i = 0; i < len; ++i) outputs_done += view.want_logits[i] != 0 ? 1 : 0;
    }
    check_model_file(*model_);
    // The cache learns each sequence's tokens (to key the blocks they fill).
    std::vector<std::vector<int32_t>> tokens(reservations.size());  // by reservation
    for (size_t i = 0; i < n; ++i) {
      const auto it = std::lower_bound(
          reservations.begin(), reservations.end(), batch.seq_ids()[i],
          [](const model::KvCache::Reservation& r, int32_t seq) { return r.seq < seq; });
      tokens[static_cast<size_t>(it - reservations.begin())].push_back(batch.tokens()[i]);
    }
    for (size_t r = 0; r < reservations.size(); ++r) cache.commit(reservations[r].seq, tokens[r]);
  } catch (...) {
    undo();
    throw;
  }
  state_->n_outputs = n_outputs;
}

std::span<const float> Context::logits(int32_t i) const {
  if (i < 0 || i >= state_->n_outputs)
    fail("logits: output {} is out of range [0, {})", i, state_->n_outputs);
  const auto n_vocab = static_cast<size_t>(model_->impl().config.n_vocab);
  return {state_->logits.data() + static_cast<size_t>(i) * n_vocab, n_vocab};
}

int32_t Context::n_outputs() const { return state_->n_outputs; }
SequenceId Context::add_sequence() {
  if (state_->cache.live_sequences() == state_->cache.max_sequences())
    fail("all {} sequences of the context are in use", state_->cache.max_sequences());
  return state_->cache.add_sequence();
}

void Context::remove_sequence(SequenceId seq) {
  state_->check_live(seq);
  state_->cache.remove_sequence(seq);
}

SequenceId Context::fork_sequence(SequenceId seq) {
  state_->check_live(seq);
  if (state_->cache.live_sequences() == state_->cache.max_sequences())
    fail("fork_sequence: all {} sequences of the context are in use",
         state_->cache.max_sequences());
  return state_->cache.fork(seq);
}

int32_t Context::attach_cached_prefix(SequenceId seq, std::span<const int32_t> tokens) {
  state_->check_live(seq);
  if (state_->cache.length(seq) != 0)
    fail("attach_cached_prefix: sequence {} already holds {} tokens", seq,
         state_->cache.length(seq));
  // Past the context size nothing may run, so nothing there is worth attaching.
  const auto limit = static_cast<size_t>(state_->options.context_size);
  return state_->cache.attach_cached_prefix(seq, tokens.first(std::min(tokens.size(), limit)));
}

int32_t Context::sequence_length(SequenceId seq) const {
  state_->check_live(seq);
  return state_->cache.length(seq);
}
void Context::truncate_sequence(SequenceId seq, int32_t length) {
  state_->check_live(seq);
  state_->cache.truncate(seq, length);
}
bool Context::has_room(SequenceId seq, int32_t n_tokens) const {
  state_->check_live(seq);
  return n_tokens >= 0 &&
         static_cast<int64_t>(state_->cache.length(seq)) + n_tokens <=
             state_->options.context_size &&
         state_->cache.can_reserve(seq, n_tokens);
}
int64_t Context::blocks_needed(SequenceId seq, int32_t n_tokens) const {
  state_->check_live(seq);
  return state_->cache.blocks_needed(seq, n_tokens);
}
KvStats Context::kv_stats() const {
  const model::KvCache& cache = state_->cache;
  KvStats s;
  s.block_size = cache.block_size();
  s.total_blocks = cache.total_blocks();
  s.used_blocks = cache.used_blocks();
  s.cached_blocks = cache.cached_blocks();
  s.bytes_per_token = model::KvCache::bytes_per_token(model_->impl().config);
  s.allocated_bytes = cache.bytes();
  s.prefix_queried_tokens = cache.prefix_queried_tokens();
  s.prefix_hit_tokens = cache.prefix_hit_tokens();
  return s;
}
const ContextOptions& Context::options() const { return state_->options; }
int32_t Context::n_threads() const { return state_->threads->size(); }
uint64_t Context::memory_bytes() const { return state_->bytes(); }

}  // namespace yak
