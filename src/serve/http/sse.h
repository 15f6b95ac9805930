// Server-sent events framing (text/event-stream) for streamed completions.
#pragma once

#include <string>
#include <string_view>

#include "serve/http/http_exchange.h"

namespace yak::serve {

// One event carrying `data`: "data: {json}\n\n". A line break inside `data` (\n, \r or \r\n)
// starts another "data:" line of the same event, as the format requires.
std::string sse_event(std::string_view data);

// A comment line, ": ping\n\n": clients ignore it; it keeps a quiet stream (a long prefill)
// from looking dead to proxies and lets the server notice a client that has gone.
std::string sse_comment(std::string_view text);

// The headers of an event stream: content-type text/event-stream, no caching, and no
// buffering by proxies (X-Accel-Buffering).
HttpHeaders sse_headers();

}  // namespace yak::serve
