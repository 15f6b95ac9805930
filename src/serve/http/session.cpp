#include "serve/http/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <exception>
#include <limits>

#include "serve/http/error_body.h"
#include "serve/http/http_wire.h"

namespace yak::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kReadChunk = 4096;
// While a response is produced the session keeps a read pending to notice a client that
// goes away; what a pipelining client sends meanwhile is kept for the next request, up to
// this much (then the watch stops, and a failed write is what reveals a departed client).
constexpr std::size_t kReadAheadBytes = 64 * 1024;
constexpr std::size_t kMaxWriteBatchBytes = 256 * 1024;
constexpr std::size_t kMaxWriteBatchPieces = 64;
// After a response that closes the connection, what the client still sends is read and
// dropped for a moment: closing a socket with unread input resets the connection, and the
// reset can destroy our answer before the client has read it (a 413 for a body being sent).
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;

std::string endpoint_text(const tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto address = endpoint.address();
  return address.is_v6() ? fmt::format("[{}]:{}", address.to_string(), endpoint.port())
                         : fmt::format("{}:{}", address.to_string(), endpoint.port());
}

bool is_parse_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

Session::Session(tcp::socket socket, std::shared_ptr<ServerShared> shared)
    : stream_(std::move(socket)), shared_(std::move(shared)) {
  remote_ = endpoint_text(stream_.socket());
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);  // tokens go out as they come
}

void Session::start() {
  net::dispatch(stream_.get_executor(),
                [self = shared_from_this()] { self->start_next_request(); });
}

void Session::post_flush() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

void Session::post_drain() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->idle_wait_) self->stream_.cancel();  // on_first_bytes closes
  });
}

void Session::post_close() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->close_connection(); });
}

void Session::abandon_after_stop() {
  std::vector<std::function<void()>> callbacks;
  if (exchange_) {
    callbacks = exchange_->mark_gone();
    exchange_.reset();
    shared_->responses_in_progress--;
  }
  state_ = State::closed;
  for (auto& fn : callbacks) {
    try {
      fn();
    } catch (...) {  // see close_connection
    }
  }
}

// ---- reading a request ----

void Session::start_next_request() {
  state_ = State::reading;
  if (shared_->draining && buffer_.size() == 0) {
    close_connection();
    return;
  }
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
      shared_->limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser_->body_limit(shared_->limits.max_body_bytes);
  if (buffer_.size() > 0) {  // a pipelined request is already here
    read_header();
    return;
  }
  idle_wait_ = true;
  stream_.expires_after(shared_->limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  idle_wait_ = false;
  if (state_ == State::closed) return;
  if (ec) {  // idle too long, the client closed, or the server drains
    close_connection();
    return;
  }
  buffer_.commit(bytes);
  read_header();
}

void Session::read_header() {
  // One deadline for the whole head, however slowly its bytes come.
  stream_.expires_after(shared_->limits.header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code ec, std::size_t) {
  if (state_ == State::closed) return;
  if (ec) {
    on_read_error(ec);
    return;
  }
  if (parser_->is_done()) {
    dispatch_request();
    return;
  }
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    state_ = State::interim;
    queue_wire(std::string(wire::kContinue), 0);
    kick_write();
    return;
  }
  read_body();
}

void Session::read_body() {
  stream_.expires_after(shared_->limits.body_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_body, shared_from_this()));
}

void Session::on_body(beast::error_code ec, std::size_t) {
  if (state_ == State::closed) return;
  if (ec) {
    on_read_error(ec);
    return;
  }
  dispatch_request();
}

void Session::on_read_error(beast::error_code ec) {
  const auto& limits = shared_->limits;
  if (ec == http::error::header_limit) {
    fail_with(431, fmt::format("the request head is larger than the limit of {} bytes",
                               limits.max_header_bytes));
  } else if (ec == http::error::body_limit) {
    fail_with(413, fmt::format("the request body is larger than the limit of {} bytes",
                               limits.max_body_bytes));
  } else if (is_parse_error(ec)) {
    fail_with(400, fmt::format("malformed HTTP request: {}", ec.message()));
  } else {
    close_connection();  // a timeout (the stream has closed already), EOF or a reset
  }
}

void Session::fail_with(int status, const std::string& message) {
  state_ = State::failing;
  close_after_response_ = true;
  const std::string body = error_body(message, error_type_for_status(status));
  queue_wire(
      wire::response_head(status, {{"content-type", "application/json"}},
                          wire::Framing::content_length, body.size(), wire::Persistence::close) +
          body,
      0);
  kick_write();
}

// ---- handing the request to the route ----

void Session::dispatch_request() {
  auto message = parser_->release();
  parser_.reset();

  HttpRequest request;
  request.method = std::string(message.method_string());
  std::tie(request.path, request.query) = wire::split_target(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(wire::lower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote = remote_;

  request_keep_alive_ = message.keep_alive();
  request_http10_ = message.version() < 11;
  request_head_ = message.method() == http::verb::head;
  response_started_ = response_ended_ = response_chunked_ = false;
  response_bodyless_ = close_after_response_ = false;

  auto exchange = std::make_shared<Exchange>(weak_from_this(), shared_->limits.max_queued_bytes);
  exchange_ = exchange;
  state_ = State::responding;
  shared_->responses_in_progress++;
  start_watch();
  try {
    shared_->handler(request, std::make_shared<ExchangeWriter>(exchange));
  } catch (const std::exception& e) {
    exchange->abandon(fmt::format("the route failed: {}", e.what()));
  } catch (...) {
    exchange->abandon("the route failed");
  }
}

void Session::start_watch() {
  if (watch_pending_ || state_ != State::responding || buffer_.size() >= kReadAheadBytes) return;
  watch_pending_ = true;
  stream_.expires_never();  // a response may take minutes; only its writes have deadlines
  stream_.async_read_some(buffer_.prepare(std::min(kReadChunk, kReadAheadBytes - buffer_.size())),
                          beast::bind_front_handler(&Session::on_watch, shared_from_this()));
}

void Session::on_watch(beast::error_code ec, std::size_t bytes) {
  watch_pending_ = false;
  if (state_ == State::closed) return;
  buffer_.commit(bytes);
  if (state_ == State::responding) {
    if (ec) {  // EOF or an error while the response is produced: the client has gone
      close_connection();
      return;
    }
    start_watch();
    return;
  }
  if (state_ == State::finishing) {  // finish_response() cancelled the watch
    if (ec && ec != net::error::operation_aborted) {
      close_connection();
      return;
    }
    continue_after_response();
  }
}

// ---- writing the response ----

void Session::flush() {
  if (state_ != State::responding || !exchange_) return;
  if (exchange_->over_cap()) {
    close_connection();
    return;
  }
  auto items = exchange_->take_items();
  for (auto& item : items) {
    queue_item(item);
    if (state_ == State::closed) return;
  }
  kick_write();
  if (!writing_ && write_queue_.empty()) after_writes_drained();
}

void Session::queue_item(ResponseItem& item) {
  using Kind = ResponseItem::Kind;
  auto persistence = [this] {
    if (close_after_response_) return wire::Persistence::close;
    return request_http10_ ? wire::Persistence::keep_alive : wire::Persistence::implied;
  };
  if (item.kind == Kind::abandoned) {
    if (response_started_) {  // a stream cut short: the client sees the connection end
      close_connection();
      return;
    }
    item = {Kind::whole,
            500,
            {{"content-type", "application/json"}},
            error_body(item.body, error_type_for_status(500))};
  }
  switch (item.kind) {
    case Kind::whole: {
      response_started_ = response_ended_ = true;
      close_after_response_ = !request_keep_alive_ || shared_->draining;
      const bool has_body = wire::status_has_body(item.status);
      std::string bytes = wire::response_head(
          item.status, item.headers, has_body ? wire::Framing::content_length : wire::Framing::none,
          item.body.size(), persistence());
      if (has_body && !request_head_) bytes += item.body;
      queue_wire(std::move(bytes), 0);
      break;
    }
    case Kind::stream_head: {
      response_started_ = true;
      wire::Framing framing = wire::Framing::chunked;
      if (!wire::status_has_body(item.status)) {
        framing = wire::Framing::none;
      } else if (request_http10_) {
        framing = wire::Framing::until_close;  // HTTP/1.0 has no chunks
      }
      response_bodyless_ = framing == wire::Framing::none || request_head_;
      response_chunked_ = framing == wire::Framing::chunked && !response_bodyless_;
      close_after_response_ =
          !request_keep_alive_ || shared_->draining || framing == wire::Framing::until_close;
      queue_wire(wire::response_head(item.status, item.headers, framing, 0, persistence()), 0);
      break;
    }
    case Kind::piece:
      if (response_bodyless_) {
        exchange_->release_bytes(item.body.size());
      } else {
        const std::size_t counted = item.body.size();
        queue_wire(response_chunked_ ? wire::chunk(item.body) : std::move(item.body), counted);
      }
      break;
    case Kind::stream_end:
      response_ended_ = true;
      if (response_chunked_) queue_wire(std::string(wire::kLastChunk), 0);
      break;
    case Kind::abandoned:
      break;  // turned into a whole response above
  }
}

void Session::queue_wire(std::string bytes, std::size_t counted_bytes) {
  if (bytes.empty() && counted_bytes == 0) return;
  write_queue_.emplace_back(std::move(bytes), counted_bytes);
}

void Session::kick_write() {
  if (writing_ || write_queue_.empty() || state_ == State::closed) return;
  in_flight_.clear();
  in_flight_counted_ = 0;
  std::size_t batch_bytes = 0;
  while (!write_queue_.empty() && in_flight_.size() < kMaxWriteBatchPieces &&
         batch_bytes < kMaxWriteBatchBytes) {
    auto& [bytes, counted] = write_queue_.front();
    batch_bytes += bytes.size();
    in_flight_counted_ += counted;
    in_flight_.push_back(std::move(bytes));
    write_queue_.pop_front();
  }
  std::vector<net::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  for (const auto& bytes : in_flight_) buffers.push_back(net::buffer(bytes));
  writing_ = true;
  // Only the write gets this deadline when the disconnect watch is pending.
  stream_.expires_after(shared_->limits.write_timeout);
  net::async_write(stream_, buffers,
                   beast::bind_front_handler(&Session::on_write, shared_from_this()));
}

void Session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (state_ == State::closed) return;
  if (exchange_ && in_flight_counted_ > 0) exchange_->release_bytes(in_flight_counted_);
  in_flight_.clear();
  in_flight_counted_ = 0;
  if (ec) {  // the client has gone, or did not read within the write timeout
    close_connection();
    return;
  }
  if (!write_queue_.empty()) {
    kick_write();
    return;
  }
  after_writes_drained();
}

void Session::after_writes_drained() {
  switch (state_) {
    case State::responding:
      if (response_ended_) finish_response();
      break;
    case State::failing:
      begin_linger();
      break;
    case State::interim:
      state_ = State::reading;
      read_body();
      break;
    default:
      break;
  }
}

void Session::finish_response() {
  exchange_->detach();
  exchange_.reset();
  shared_->responses_in_progress--;
  state_ = State::finishing;
  if (watch_pending_) {
    stream_.cancel();  // on_watch goes on, with any bytes it got
    return;
  }
  continue_after_response();
}

void Session::continue_after_response() {
  if (close_after_response_) {
    begin_linger();
  } else {
    start_next_request();
  }
}

// ---- closing ----

void Session::begin_linger() {
  state_ = State::lingering;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    close_connection();
    return;
  }
  linger_sink_.resize(kReadChunk);
  lingered_bytes_ = 0;
  stream_.expires_after(kLingerTime);  // one deadline for all the reads below
  stream_.async_read_some(net::buffer(linger_sink_),
                          beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

void Session::on_linger(beast::error_code ec, std::size_t bytes) {
  if (state_ == State::closed) return;
  lingered_bytes_ += bytes;
  if (ec || lingered_bytes_ > kMaxLingerBytes) {
    close_connection();
    return;
  }
  stream_.async_read_some(net::buffer(linger_sink_),
                          beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

void Session::close_connection() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  idle_wait_ = false;
  stream_.close();
  write_queue_.clear();
  std::vector<std::function<void()>> callbacks;
  if (exchange_) {
    callbacks = exchange_->mark_gone();
    exchange_.reset();
    shared_->responses_in_progress--;
  }
  const auto self = shared_from_this();  // the registry may hold the last reference
  shared_->remove(this);
  for (auto& fn : callbacks) {
    try {
      fn();
    } catch (...) {
      // A route's callback that throws must not take an I/O thread (and every connection
      // on it) down; what it failed to clean up is the route's own state.
    }
  }
}

}  // namespace yak::serve
