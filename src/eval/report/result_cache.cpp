#include "eval/report/result_cache.h"

#include <fmt/core.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "yak/error.h"

namespace yak::eval::report {
namespace {

namespace fs = std::filesystem;

bool same_path(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec) && !ec;
  // weakly_canonical leaves a path whose first part does not exist relative, and ".." in
  // the part that does not exist.
  const auto normal = [&ec](const std::string& p) {
    return fs::weakly_canonical(fs::absolute(p, ec), ec).lexically_normal();
  };
  return normal(a) == normal(b);
}

std::string text_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> integer_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<std::string> differs(const nlohmann::json& j, const char* key, int64_t wanted) {
  const std::optional<int64_t> v = integer_of(j, key);
  if (!v) return fmt::format("it records no {}", key);
  if (*v != wanted) return fmt::format("{} is {}, not {}", key, *v, wanted);
  return std::nullopt;
}

// The chunk count asked for is not recorded, but the text's token count is, and from it the
// number of windows a request makes follows exactly.
std::optional<std::string> chunks_differ(const nlohmann::json& j, const WantedSettings& w) {
  const std::optional<int64_t> tokens = integer_of(j, "n_text_tokens");
  const std::optional<int64_t> chunks = integer_of(j, "n_chunks");
  if (!tokens || !chunks) return "it records no n_text_tokens or n_chunks";
  const int64_t whole = w.n_ctx > 0 ? *tokens / w.n_ctx : 0;
  const int64_t expected = w.max_chunks > 0 ? std::min<int64_t>(whole, w.max_chunks) : whole;
  if (*chunks != expected)
    return fmt::format("it scored {} chunks, the request scores {}", *chunks, expected);
  return std::nullopt;
}

}  // namespace

std::string base_path_of(const std::string& description) {
  const size_t comma = description.rfind(", ");
  return comma == std::string::npos ? description : description.substr(0, comma);
}

std::optional<std::string> settings_mismatch(const nlohmann::json& j, ResultKind kind,
                                             const WantedSettings& w) {
  if (!j.is_object()) return "it is not a JSON object";
  const std::string model = text_of(j, "model");
  if (model.empty() || !same_path(model, w.model))
    return fmt::format("it is for the model '{}', not {}", model, w.model);
  const std::optional<int64_t> bytes = integer_of(j, "model_bytes");
  if (!bytes) return "it records no model_bytes (the model file's size)";
  if (uint64_t(*bytes) != w.model_bytes)
    return fmt::format("the model file was {} bytes, now {}", *bytes, w.model_bytes);
  if (text_of(j, "precision") != w.precision)
    return fmt::format("precision is '{}', not '{}'", text_of(j, "precision"), w.precision);
  switch (kind) {
    case ResultKind::kPerplexity:
    case ResultKind::kKld: {
      const std::string text = text_of(j, "text_file");
      if (text.empty() || !same_path(text, w.text_file))
        return fmt::format("it scored the text '{}', not {}", text, w.text_file);
      if (auto d = differs(j, "n_ctx", w.n_ctx)) return d;
      if (auto d = chunks_differ(j, w)) return d;
      if (kind == ResultKind::kKld) {
        const std::string base = text_of(j, "base");
        const std::string suffix = fmt::format(", {} precision", w.precision);
        if (base.empty() || !same_path(base_path_of(base), w.base) || !base.ends_with(suffix)) {
          return fmt::format("its base is '{}', not {}{}", base, w.base, suffix);
        }
      }
      break;
    }
    case ResultKind::kTask: {
      if (auto d = differs(j, "limit", w.limit)) return d;
      if (auto d = differs(j, "shots", w.shots < 0 ? 0 : w.shots)) return d;
      const auto results = j.find("results");
      if (results == j.end() || !results->is_array() || results->empty())
        return "it holds no task results";
      break;
    }
  }
  return std::nullopt;
}

std::optional<nlohmann::json> read_result(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read the cached result {}", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::exception& e) {
    fail("the cached result {} is not JSON: {}", path, e.what());
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) fail("cannot create the folder {}: {}", target.parent_path().string(), ec.message());
  const std::string temporary = fmt::format("{}.tmp-{}", path, ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), std::streamsize(content.size()));
    out.close();
    if (!out) {
      fs::remove(temporary, ec);
      fail("cannot write {}", temporary);
    }
  }
  fs::rename(temporary, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    fail("cannot rename {} to {}: {}", temporary, path, ec.message());
  }
}

}  // namespace yak::eval::report
