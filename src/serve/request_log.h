// The one log line a request leaves when it ends, as text or as a JSON object (--log-format).
//
//   text: yak serve: chatcmpl-1f3a... POST /v1/chat/completions 200 stream prompt=52 cached=32
//         generated=17 queue=0.002s ttft=0.041s decode=48.3tok/s total=0.372s finish=stop
//   json: {"time":"2026-12-01T12:00:00.123Z","id":...,"method":...,"path":...,"status":...,
//          "stream":...,"prompt_tokens":...,"cached_tokens":...,"generated_tokens":...,
//          "queue_s":...,"ttft_s":...,"decode_tokens_per_s":...,"total_s":...,"finish":...}
// "decode" is the speed after the first token: (generated - 1) / (total - ttft), 0 when there
// is nothing to measure. finish is stop | length | cancelled (the client went away) | error,
// and an error's message is added.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "yak/server.h"

namespace yak::serve {

struct RequestRecord {
  std::string id;  // empty for requests that are not completions
  std::string method;
  std::string path;
  int status = 0;
  bool stream = false;
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t generated_tokens = 0;
  double queue_seconds = 0;
  double ttft_seconds = 0;
  double total_seconds = 0;
  std::string finish;  // empty for requests that are not completions
  std::string error;   // the error message sent, if any
};

double decode_tokens_per_second(const RequestRecord& record);

std::string format_request_log(const RequestRecord& record, LogFormat format,
                               std::chrono::system_clock::time_point now);

}  // namespace yak::serve
