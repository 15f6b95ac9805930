#include "serve/completion_exchange.h"

#include "serve/http/error_body.h"
#include "serve/http/sse.h"
#include "serve/openai/json_body.h"
#include "serve/server_metrics.h"

namespace yak::serve {
namespace {

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

CompletionExchange::CompletionExchange(Setup setup) : s_(std::move(setup)) {}

void CompletionExchange::start(Scheduler& scheduler) {
  const auto self = shared_from_this();
  {
    const std::lock_guard<std::mutex> lock(mu_);
    // Updates wait on mu_ until every prompt is submitted and the head is out.
    try {
      for (size_t p = 0; p < s_.requests.size(); ++p)
        handles_.push_back(scheduler.submit(
            std::move(s_.requests[p]),
            [self, p](const RequestUpdate& update) { self->on_update(p, update); }));
    } catch (...) {
      // What was submitted ends at the next step; its last updates find the exchange ended.
      ended_ = true;
      cancel_all();
      handles_.clear();
      throw;
    }
    s_.requests.clear();
    last_write_ = std::chrono::steady_clock::now();
    if (s_.builder->streamed()) {
      HttpHeaders headers = sse_headers();
      headers.insert(headers.end(), s_.headers.begin(), s_.headers.end());
      s_.writer->start_stream(200, std::move(headers));
    }
  }
  // Outside the lock: when the client is already gone the callback runs at once.
  const std::weak_ptr<CompletionExchange> weak = self;
  s_.writer->on_close([weak] {
    if (const auto exchange = weak.lock()) exchange->on_client_gone();
  });
}

void CompletionExchange::cancel_all() {
  for (const auto& handle : handles_) handle->cancel();
}

void CompletionExchange::on_client_gone() {
  const std::lock_guard<std::mutex> lock(mu_);
  client_gone_ = true;
  cancel_all();  // their sequences are freed at the next step
}

void CompletionExchange::write_chunks(const std::vector<Json>& chunks) {
  if (chunks.empty()) return;
  std::string data;
  for (const Json& chunk : chunks) data += sse_event(dump_json(chunk));
  s_.writer->write(std::move(data));
  last_write_ = std::chrono::steady_clock::now();
}

void CompletionExchange::on_update(size_t prompt, const RequestUpdate& update) {
  const std::lock_guard<std::mutex> lock(mu_);
  if (ended_) return;
  const auto now = std::chrono::steady_clock::now();
  client_gone_ = client_gone_ || s_.writer->closed();
  if (update.first && prompt == 0) {
    // A request cancelled while it waited was never admitted: it queued until now.
    const bool admitted = update.admitted_at != std::chrono::steady_clock::time_point{};
    s_.record.queue_seconds = seconds_between(s_.started, admitted ? update.admitted_at : now);
    if (s_.metrics && admitted) s_.metrics->observe_queue(s_.record.queue_seconds);
  }
  size_t new_tokens = 0;
  for (const ChoiceUpdate& c : update.choices) {
    new_tokens += c.tokens.size();
    if (c.finished && finish_.empty() && prompt == 0 && c.index == 0)
      finish_ = c.finished == StopReason::kCallback && client_gone_ ? "cancelled"
                                                                    : finish_reason(*c.finished);
  }
  if (new_tokens > 0) {
    if (!first_token_seen_) {
      first_token_seen_ = true;
      s_.record.ttft_seconds = seconds_between(s_.started, now);
      if (s_.metrics) s_.metrics->observe_first_token(s_.record.ttft_seconds);
    } else if (s_.metrics) {
      s_.metrics->observe_inter_token(seconds_between(last_tokens_, now) / new_tokens, new_tokens);
    }
    last_tokens_ = now;
    if (s_.metrics) s_.metrics->count_generated(new_tokens);
  }
  if (update.first && s_.metrics) s_.metrics->count_prompt(update.prompt_tokens);

  if (!update.error.empty()) {
    fail(update.error);
    return;
  }
  std::vector<Json> chunks = s_.builder->add(prompt, update);
  if (!client_gone_) write_chunks(chunks);
  if (update.done && ++prompts_done_ == handles_.size()) complete();
}

void CompletionExchange::complete() {
  ended_ = true;
  handles_.clear();
  std::vector<Json> last = s_.builder->finish();
  if (client_gone_) {
    finish_record("cancelled", 499);
    return;
  }
  if (s_.builder->streamed()) {
    write_chunks(last);
    s_.writer->write(sse_event("[DONE]"));
    s_.writer->end();
  } else {
    HttpHeaders headers = {{"content-type", "application/json"}};
    headers.insert(headers.end(), s_.headers.begin(), s_.headers.end());
    s_.writer->send(200, std::move(headers), dump_json(last.front()));
  }
  finish_record(finish_.empty() ? "length" : finish_, 200);
}

void CompletionExchange::fail(const std::string& message) {
  ended_ = true;
  cancel_all();
  handles_.clear();
  s_.record.error = message;
  if (!client_gone_) {
    if (s_.builder->streamed()) {
      // The head (200) is out: the error goes as one data object, and the stream ends.
      s_.writer->write(sse_event(error_body(message, "server_error")));
      s_.writer->end();
    } else {
      HttpHeaders headers(s_.headers.begin(), s_.headers.end());
      send_error(*s_.writer, 500, message, std::nullopt, std::move(headers));
    }
  }
  finish_record("error", 500);
}

void CompletionExchange::finish_record(const std::string& finish, int status) {
  const UsageCounts usage = s_.builder->usage();
  s_.record.status = status;
  s_.record.finish = finish;
  s_.record.prompt_tokens = usage.prompt_tokens;
  s_.record.cached_tokens = usage.cached_tokens;
  s_.record.generated_tokens = usage.completion_tokens;
  s_.record.total_seconds = seconds_between(s_.started, std::chrono::steady_clock::now());
  if (!first_token_seen_) s_.record.ttft_seconds = s_.record.total_seconds;
  if (s_.metrics) s_.metrics->observe_finished(finish, s_.record.total_seconds);
  if (s_.log) s_.log(s_.record);
}

bool CompletionExchange::ping_if_quiet(std::chrono::steady_clock::time_point now,
                                       std::chrono::milliseconds quiet) {
  const std::lock_guard<std::mutex> lock(mu_);
  if (ended_ || client_gone_) return false;
  if (!s_.builder->streamed()) return true;
  if (now - last_write_ >= quiet) {
    s_.writer->write(sse_comment("ping"));
    last_write_ = now;
  }
  return true;
}

}  // namespace yak::serve
