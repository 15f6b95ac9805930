#include "serve/request_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "serve/openai/json_body.h"
#include "yak/text.h"

namespace yak::serve {

double decode_tokens_per_second(const RequestRecord& r) {
  const double seconds = r.total_seconds - r.ttft_seconds;
  if (r.generated_tokens < 2 || seconds <= 1e-6) return 0;
  return static_cast<double>(r.generated_tokens - 1) / seconds;
}

std::string format_request_log(const RequestRecord& r, LogFormat format,
                               std::chrono::system_clock::time_point now) {
  const bool completion = !r.finish.empty();
  if (format == LogFormat::kJson) {
    Json line = Json::object();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    line["time"] = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                               std::chrono::time_point_cast<std::chrono::seconds>(now),
                               static_cast<int>(ms.count() % 1000));
    if (!r.id.empty()) line["id"] = r.id;
    line["method"] = r.method;
    line["path"] = r.path;
    line["status"] = r.status;
    if (completion) {
      line["stream"] = r.stream;
      line["prompt_tokens"] = r.prompt_tokens;
      line["cached_tokens"] = r.cached_tokens;
      line["generated_tokens"] = r.generated_tokens;
      line["queue_s"] = r.queue_seconds;
      line["ttft_s"] = r.ttft_seconds;
      line["decode_tokens_per_s"] = decode_tokens_per_second(r);
      line["total_s"] = r.total_seconds;
      line["finish"] = r.finish;
    }
    if (!r.error.empty()) line["error"] = r.error;
    return dump_json(line);
  }
  // The path and the error come from the client: escaped so a log line stays one line.
  std::string line = fmt::format("yak serve: {}{}{} {} {}", r.id, r.id.empty() ? "" : " ",
                                 escape_for_terminal(r.method, 0, 20),
                                 escape_for_terminal(r.path, 0, 200), r.status);
  if (completion)
    line += fmt::format(
        "{} prompt={} cached={} generated={} queue={:.3f}s ttft={:.3f}s decode={:.1f}tok/s "
        "total={:.3f}s finish={}",
        r.stream ? " stream" : "", r.prompt_tokens, r.cached_tokens, r.generated_tokens,
        r.queue_seconds, r.ttft_seconds, decode_tokens_per_second(r), r.total_seconds, r.finish);
  if (!r.error.empty()) line += " error=\"" + escape_for_terminal(r.error, '"', 300) + "\"";
  return line;
}

}  // namespace yak::serve
