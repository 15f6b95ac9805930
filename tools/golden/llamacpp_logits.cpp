// F32 logits of a GGUF model computed by llama.cpp's libllama, for every position of
// given token sequences, plus a greedy continuation through llama.cpp's KV cache.
//
// tools/golden/make_family_golden.py compiles this against the peer build of llama.cpp
// (bench/setup-peers.sh) and uses it as an independent second implementation: the reference
// for the one family without a transformers class (Baichuan 13B's ALiBi) and a cross-check of
// every other golden. The KV cache is F32 and flash attention is off, so that nothing is
// rounded to 16 bits and the numbers are comparable to transformers' float32 ones.
//
// Usage: llamacpp_logits MODEL.gguf CASES.txt N_GREEDY OUT.bin
//   CASES.txt  one sequence per line, token ids separated by spaces
//   OUT.bin    per case: int32 n, float32[n][n_vocab] (prompt logits), int32 g,
//              int32[g] greedy ids, float32[g][n_vocab] (the logits after each greedy id)
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "llama.h"

namespace {

void quiet_log(ggml_log_level level, const char* text, void*) {
  if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

std::vector<std::vector<llama_token>> read_cases(const char* path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::vector<std::vector<llama_token>> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<llama_token> ids;
    llama_token id;
    while (words >> id) ids.push_back(id);
    if (!ids.empty()) cases.push_back(ids);
  }
  return cases;
}

void write_i32(std::FILE* f, int32_t v) { std::fwrite(&v, sizeof v, 1, f); }

int argmax(const float* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

// Decodes tokens at positions pos0.. of sequence 0, asking for logits of every one.
void decode(llama_context* ctx, const std::vector<llama_token>& ids, int pos0) {
  llama_batch batch = llama_batch_init(static_cast<int32_t>(ids.size()), 0, 1);
  for (size_t i = 0; i < ids.size(); ++i) {
    batch.token[i] = ids[i];
    batch.pos[i] = pos0 + static_cast<int32_t>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;
  }
  batch.n_tokens = static_cast<int32_t>(ids.size());
  const int32_t rc = llama_decode(ctx, batch);
  llama_batch_free(batch);
  if (rc != 0) throw std::runtime_error("llama_decode failed: " + std::to_string(rc));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.gguf CASES.txt N_GREEDY OUT.bin\n", argv[0]);
    return 2;
  }
  try {
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model* model = llama_model_load_from_file(argv[1], mp);
    if (!model) throw std::runtime_error(std::string("cannot load ") + argv[1]);
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    const auto cases = read_cases(argv[2]);
    const int n_greedy = std::stoi(argv[3]);

    std::FILE* out = std::fopen(argv[4], "wb");
    if (!out) throw std::runtime_error(std::string("cannot write ") + argv[4]);
    for (const auto& ids : cases) {
      llama_context_params cp = llama_context_default_params();
      cp.n_ctx = 512;
      cp.n_batch = 512;
      cp.n_ubatch = 512;
      cp.n_seq_max = 1;
      cp.n_threads = 2;
      cp.n_threads_batch = 2;
      cp.type_k = GGML_TYPE_F32;
      cp.type_v = GGML_TYPE_F32;
      cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
      cp.swa_full = true;
      cp.no_perf = true;
      llama_context* ctx = llama_init_from_model(model, cp);
      if (!ctx) throw std::runtime_error("cannot create a context");

      decode(ctx, ids, 0);
      write_i32(out, static_cast<int32_t>(ids.size()));
      for (size_t i = 0; i < ids.size(); ++i)
        std::fwrite(llama_get_logits_ith(ctx, static_cast<int32_t>(i)), sizeof(float),
                    static_cast<size_t>(n_vocab), out);

      std::vector<llama_token> greedy;
      std::vector<float> step_logits;
      int next = argmax(llama_get_logits_ith(ctx, static_cast<int32_t>(ids.size()) - 1), n_vocab);
      for (int g = 0; g < n_greedy; ++g) {
        greedy.push_back(next);
        decode(ctx, {next}, static_cast<int>(ids.size()) + g);
        const float* logits = llama_get_logits_ith(ctx, 0);
        step_logits.insert(step_logits.end(), logits, logits + n_vocab);
        next = argmax(logits, n_vocab);
      }
      write_i32(out, n_greedy);
      std::fwrite(greedy.data(), sizeof(int32_t), greedy.size(), out);
      std::fwrite(step_logits.data(), sizeof(float), step_logits.size(), out);
      llama_free(ctx);
    }
    std::fclose(out);
    llama_model_free(model);
    llama_backend_free();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llamacpp_logits: %s\n", e.what());
    return 1;
  }
  return 0;
}
