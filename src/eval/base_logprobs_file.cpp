// The base file: BaseLogProbs on disk. All numbers little-endian:
//
//   char[8]  "YAKBASE\0"
//   u32      version (2; version 1 files, which lack the text path, are read too)
//   u32      n_ctx, n_chunks, n_vocab, top_k, tail_samples (m)
//   u32      description bytes (at most 4096), text path bytes (at most 4096; 0 in version 1)
//   u64      vocabulary hash, n_text_tokens
//   char[]   description (UTF-8, the base model and its precision)
//   char[]   text path (the -f the windows were made from, as given)
//   i32      tokens[n_chunks * n_ctx]       the windows as fed (BOS-replaced)
//   then per scored position (n_chunks * (n_ctx - 1 - n_ctx/2), window order):
//   f32      target log-probability, log of the rest's mass (-inf: none)
//   i32      ids[top_k + m]                 the top k (distinct), then the rest's samples
//   f32      log-probabilities[top_k + m]   the top k's descending
//
// The file must be exactly as long as its header says.
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#include "yak/error.h"
#include "yak/eval.h"

namespace yak::eval {
namespace {

static_assert(std::endian::native == std::endian::little, "the base file is little-endian");

constexpr char kMagic[8] = {'Y', 'A', 'K', 'B', 'A', 'S', 'E', '\0'};
constexpr uint32_t kVersion = 2;
constexpr uint32_t kMaxDescription = 4096;
constexpr uint32_t kMaxTextPath = 4096;

struct Header {
  char magic[8];
  uint32_t version, n_ctx, n_chunks, n_vocab, top_k, tail_samples, description_bytes,
      text_path_bytes;
  uint64_t vocab_hash, n_text_tokens;
};
static_assert(sizeof(Header) == 56);

uint64_t record_bytes(const Header& h) { return 8 + 8 * (uint64_t(h.top_k) + h.tail_samples); }

// Bytes the file must have, or 0 when the header's figures are out of range.
uint64_t expected_size(const Header& h) {
  if (h.n_ctx < 4 || h.n_ctx > (1u << 24) || h.n_chunks < 1 || h.n_chunks > (1u << 24) ||
      h.n_vocab < 1 || h.n_vocab > (1u << 24) || h.top_k < 1 || h.top_k > h.n_vocab ||
      h.tail_samples > 65536 || h.description_bytes > kMaxDescription ||
      h.text_path_bytes > kMaxTextPath || (h.version == 1 && h.text_path_bytes != 0)) {
    return 0;
  }
  const uint64_t tokens = uint64_t(h.n_ctx) * h.n_chunks;
  const uint64_t positions = uint64_t(h.n_chunks) * (h.n_ctx - 1 - h.n_ctx / 2);
  // At most 2^24 * 2^24 positions * (8 + 8 * 2^24) bytes would overflow; refuse above 2^50.
  const uint64_t strings = uint64_t(h.description_bytes) + h.text_path_bytes;
  const long double size = (long double)sizeof(Header) + strings + 4.0L * tokens +
                           (long double)positions * record_bytes(h);
  if (size > (long double)(uint64_t{1} << 50)) return 0;
  return sizeof(Header) + strings + 4 * tokens + positions * record_bytes(h);
}

template <typename T>
void read_array(std::ifstream& in, std::vector<T>& out, size_t n, const std::string& path) {
  out.resize(n);
  if (!in.read(reinterpret_cast<char*>(out.data()), std::streamsize(n * sizeof(T)))) {
    fail("cannot read the base file {}: it ends early", path);
  }
}

bool is_log_prob(float v) { return std::isfinite(v) && v <= 1e-3f; }

}  // namespace

void save_base_logprobs(const BaseLogProbs& b, const std::string& path) {
  const Windows& w = b.windows;
  const size_t positions = size_t(w.n_scored());
  if (b.target_logprob.size() != positions || b.rest_logmass.size() != positions ||
      b.top_ids.size() != positions * b.entries() ||
      b.top_logprobs.size() != positions * b.entries() ||
      w.tokens.size() != size_t(w.n_ctx) * w.n_chunks) {
    fail("cannot save the base log-probabilities: their sizes do not match their windows");
  }
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.n_ctx = uint32_t(w.n_ctx);
  h.n_chunks = uint32_t(w.n_chunks);
  h.n_vocab = uint32_t(b.n_vocab);
  h.top_k = uint32_t(b.top_k);
  h.tail_samples = uint32_t(b.tail_samples);
  const std::string description = b.description.substr(0, kMaxDescription);
  h.description_bytes = uint32_t(description.size());
  if (b.text_file.size() > kMaxTextPath)
    fail("cannot save the base log-probabilities: the text path is longer than {} bytes",
         kMaxTextPath);
  h.text_path_bytes = uint32_t(b.text_file.size());
  h.vocab_hash = b.vocab_hash;
  h.n_text_tokens = uint64_t(w.n_text_tokens);
  // Written beside the target and renamed over it, so a failed write leaves no half file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("cannot write the base file {}: cannot create {}", path, tmp);
    const auto put = [&out](const void* data, size_t n) {
      out.write(static_cast<const char*>(data), std::streamsize(n));
    };
    put(&h, sizeof h);
    put(description.data(), description.size());
    put(b.text_file.data(), b.text_file.size());
    put(w.tokens.data(), w.tokens.size() * 4);
    for (size_t i = 0; i < positions; ++i) {
      put(&b.target_logprob[i], 4);
      put(&b.rest_logmass[i], 4);
      put(&b.top_ids[i * b.entries()], size_t(b.entries()) * 4);
      put(&b.top_logprobs[i * b.entries()], size_t(b.entries()) * 4);
    }
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      fail("cannot write the base file {}: the write failed (disk full?)", path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail("cannot write the base file {}: {}", path, ec.message());
}

BaseLogProbs load_base_logprobs(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) fail("the base file {} does not exist", path);
  if (!std::filesystem::is_regular_file(status))
    fail("the base file {} is not a regular file", path);
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) fail("cannot read the base file {}: {}", path, ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open the base file {}", path);
  Header h{};
  if (size < sizeof h || !in.read(reinterpret_cast<char*>(&h), sizeof h) ||
      std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    fail("{} is not a Yak base file (made by `yak eval kld --base-logits`)", path);
  }
  if (h.version != 1 && h.version != kVersion) {
    fail("the base file {} has version {}; this yak reads versions 1 and {}", path, h.version,
         kVersion);
  }
  const uint64_t want = expected_size(h);
  if (want == 0) {
    fail(
        "the base file {} is damaged: its header is out of range (n_ctx {}, chunks {}, "
        "vocabulary {}, top-k {})",
        path, h.n_ctx, h.n_chunks, h.n_vocab, h.top_k);
  }
  if (size != want) {
    fail("the base file {} is damaged: {} bytes where its header says {}", path, size, want);
  }
  BaseLogProbs b;
  b.n_vocab = int32_t(h.n_vocab);
  b.top_k = int32_t(h.top_k);
  b.tail_samples = int32_t(h.tail_samples);
  b.vocab_hash = h.vocab_hash;
  b.description.resize(h.description_bytes);
  in.read(b.description.data(), h.description_bytes);
  b.text_file.resize(h.text_path_bytes);
  in.read(b.text_file.data(), h.text_path_bytes);
  Windows& w = b.windows;
  w.n_ctx = int32_t(h.n_ctx);
  w.n_chunks = int32_t(h.n_chunks);
  w.n_text_tokens = int64_t(h.n_text_tokens);
  read_array(in, w.tokens, size_t(w.n_ctx) * w.n_chunks, path);
  for (int32_t t : w.tokens) {
    if (t < 0 || uint32_t(t) >= h.n_vocab) {
      fail("the base file {} is damaged: token id {} is outside its vocabulary", path, t);
    }
  }
  const size_t positions = size_t(w.n_scored());
  const size_t k = h.top_k, entries = size_t(b.entries());
  b.target_logprob.resize(positions);
  b.rest_logmass.resize(positions);
  b.top_ids.resize(positions * entries);
  b.top_logprobs.resize(positions * entries);
  std::vector<char> record(record_bytes(h));
  std::vector<uint8_t> seen(h.n_vocab, 0);
  for (size_t i = 0; i < positions; ++i) {
    if (!in.read(record.data(), std::streamsize(record.size()))) {
      fail("cannot read the base file {}: it ends early", path);
    }
    float target, rest;
    std::memcpy(&target, record.data(), 4);
    std::memcpy(&rest, record.data() + 4, 4);
    int32_t* ids = &b.top_ids[i * entries];
    float* lps = &b.top_logprobs[i * entries];
    std::memcpy(ids, record.data() + 8, 4 * entries);
    std::memcpy(lps, record.data() + 8 + 4 * entries, 4 * entries);
    const bool rest_ok = is_log_prob(rest) || rest == -std::numeric_limits<float>::infinity();
    if (!is_log_prob(target) || !rest_ok) {
      fail("the base file {} is damaged: position {} holds a log-probability out of range", path,
           i);
    }
    for (size_t j = 0; j < k; ++j) {
      if (ids[j] < 0 || uint32_t(ids[j]) >= h.n_vocab || seen[ids[j]] || !is_log_prob(lps[j]) ||
          (j > 0 && lps[j] > lps[j - 1])) {
        fail("the base file {} is damaged: position {} has a bad top-{} entry", path, i, k);
      }
      seen[ids[j]] = 1;
    }
    for (size_t j = 0; j < k; ++j) seen[ids[j]] = 0;
    for (size_t j = k; j < entries; ++j) {
      if (ids[j] < 0 || uint32_t(ids[j]) >= h.n_vocab || !is_log_prob(lps[j])) {
        fail("the base file {} is damaged: position {} has a bad sample of the rest", path, i);
      }
    }
    b.target_logprob[i] = target;
    b.rest_logmass[i] = rest;
  }
  return b;
}

}  // namespace yak::eval
