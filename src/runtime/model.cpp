#include <utility>

#include "core/error.h"
#include "core/thread_pool.h"
#include "runtime/model_impl.h"
#include "runtime/threads_impl.h"

namespace yak {

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

namespace {

void set_precision(model::ModelWeights& w, kernels::Precision p) {
  w.token_embd.set_precision(p);
  w.for_each_projection([p](kernels::Linear& linear) { linear.set_precision(p); });
}

// Repacks every projection the fast path runs (not the embedding table, which
// is only ever read a row at a time) and drops the mapped pages the packed
// copies replace, so that resident memory holds the weights once. A tied
// output's pages go too: an embedding lookup maps back just the rows it reads.
void pack_weights(const gguf::File& file, model::ModelWeights& w, ThreadPool& pool) {
  auto pack = [&](kernels::Linear& linear) {
    if (!linear.pack(pool)) return;
    const kernels::MatrixView& m = linear.weight();
    file.drop_pages(m.data,
                    static_cast<size_t>(m.row_stride_bytes() * static_cast<uint64_t>(m.rows)));
  };
  w.for_each_projection(pack);
}

// One row of the embedding and of the output matrix per token, exactly, as llama.cpp
// requires: a smaller vocabulary lets the model emit ids no token stands for, a larger one
// lets the tokenizer make ids the embedding has no row for.
void check_vocab_matches_weights(const gguf::File& file, const Tokenizer& tokenizer,
                                 const model::ModelConfig& config) {
  const int64_t n_tokens = tokenizer.n_vocab();
  if (n_tokens != config.n_vocab)
    fail(
        "{}: the tokenizer has {} tokens (tokenizer.ggml.tokens) but token_embd.weight has {} "
        "rows; they must be equal",
        file.name(), n_tokens, config.n_vocab);
  if (const gguf::TensorInfo* output = file.find_tensor("output.weight");
      output != nullptr && output->shape.size() == 2 && output->shape[1] != n_tokens)
    fail(
        "{}: the tokenizer has {} tokens (tokenizer.ggml.tokens) but output.weight has {} rows; "
        "they must be equal",
        file.name(), n_tokens, output->shape[1]);
}

// Reads config, weights and tokenizer from the opened file.
void build(Model::Impl* impl, const std::string& path, const LoadOptions& options) {
  impl->config = model::read_config(impl->file);
  // The tokenizer first: a vocabulary that disagrees with the weights is refused before the
  // (slower) weight packing, and before it can produce ids the embedding lacks.
  impl->tokenizer = std::make_unique<Tokenizer>(Tokenizer::from_gguf(impl->file));
  check_vocab_matches_weights(impl->file, *impl->tokenizer, impl->config);
  impl->weights = model::bind_weights(impl->file, impl->config);
  if (options.precision != Precision::kDefault)
    set_precision(impl->weights, options.precision == Precision::kFast
                                     ? kernels::Precision::kFast
                                     : kernels::Precision::kExact);
  if (options.threads) {
    Threads::Impl& workers = options.threads->impl();
    const std::lock_guard<std::mutex> turn(workers.turn);
    pack_weights(impl->file, impl->weights, workers.pool);
  } else {
    ThreadPool pool(default_thread_count());
    pack_weights(impl->file, impl->weights, pool);
  }

  ModelInfo& info = impl->info;
  const model::ModelConfig& c = impl->config;
  info.path = path;
  info.architecture = c.arch_name;
  info.name = c.name;
  info.n_vocab = c.n_vocab;
  info.n_ctx_train = c.n_ctx_train;
  info.n_embd = c.n_embd;
  info.n_layer = c.n_layer;
  info.n_head = c.n_head;
  info.n_head_kv = c.n_head_kv;
  info.n_ff = c.n_ff;
  if (const gguf::Value* tmpl = impl->file.find("tokenizer.chat_template"))
    info.chat_template = tmpl->as_string("tokenizer.chat_template");
  for (const gguf::TensorInfo& t : impl->file.tensors()) {
    info.n_params += t.element_count();
    info.weight_bytes += t.size_bytes;
  }
}

[[noreturn]] void fail_changed(const std::string& path) {
  fail("model file {} was truncated or changed while being read", path);
}

}  // namespace

std::shared_ptr<const Model> Model::load(const std::string& path, const LoadOptions& options) {
  auto impl = std::make_unique<Impl>(Impl{gguf::File::open(path), {}, {}, nullptr, {}});
  // Packing reads every weight once: a file cut short meanwhile reads as
  // zeros (core/mapping_guard.h), which may or may not trip a check here.
  try {
    build(impl.get(), path, options);
  } catch (const Error&) {
    if (impl->file.changed()) fail_changed(path);
    throw;
  }
  if (impl->file.changed()) fail_changed(path);
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

const ModelInfo& Model::info() const { return impl_->info; }
const Tokenizer& Model::tokenizer() const { return *impl_->tokenizer; }

int32_t Batch::add(int32_t token, int32_t pos, SequenceId seq, bool want_logits) {
  tokens_.push_back(token);
  positions_.push_back(pos);
  seq_ids_.push_back(seq);
  want_logits_.push_back(want_logits ? 1 : 0);
  return want_logits ? n_outputs_++ : -1;
}

void Batch::clear() {
  tokens_.clear();
  positions_.clear();
  seq_ids_.clear();
  want_logits_.clear();
  n_outputs_ = 0;
}

}  // namespace yak
