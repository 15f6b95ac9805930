// One client connection: reads requests one at a time (pipelined ones wait in the buffer
// until the response before them has been written, so answers go out in order), hands each
// to the route with a writer, writes what the route queues, and notices a client that goes
// away while its response is being produced. Everything but the post_* entry points runs on
// the connection's strand.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "serve/http/exchange.h"
#include "serve/http/server_shared.h"

namespace yak::serve {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `socket`'s executor must be a strand of the server's io_context.
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);

  // Begins reading requests; once, after the session is registered with the server.
  void start();

  // Any thread.
  void post_flush();  // the current exchange has queued items
  void post_drain();  // the server stops accepting: close if waiting between requests
  void post_close();  // the server stops: close now

  // Only once the server's I/O threads have stopped: marks the response in flight gone and
  // runs its on_close callbacks, so that no route reaches this session afterwards.
  void abandon_after_stop();

 private:
  enum class State {
    reading,     // waiting for or reading a request
    interim,     // writing "100 Continue", then the body is read
    responding,  // the route has the request; its response is being written
    failing,     // writing an error the HTTP layer made, then lingering
    finishing,   // the response is written; the disconnect watch is being stopped
    lingering,   // our side is shut; draining what the client still sends, then close
    closed,
  };

  void start_next_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void read_header();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_body(boost::beast::error_code ec, std::size_t bytes);
  void on_read_error(boost::beast::error_code ec);
  void fail_with(int status, const std::string& message);

  void dispatch_request();
  void start_watch();
  void on_watch(boost::beast::error_code ec, std::size_t bytes);

  void flush();
  void queue_item(ResponseItem& item);
  void queue_wire(std::string bytes, std::size_t counted_bytes);
  void kick_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void after_writes_drained();
  void finish_response();
  void continue_after_response();

  void begin_linger();
  void on_linger(boost::beast::error_code ec, std::size_t bytes);
  void close_connection();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<ServerShared> shared_;
  std::string remote_;
  State state_ = State::reading;

  boost::beast::flat_buffer buffer_;  // request bytes read and not yet parsed
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool idle_wait_ = false;      // a read for a request's first byte is pending
  bool watch_pending_ = false;  // a read watching for disconnects is pending
  std::string linger_sink_;
  std::size_t lingered_bytes_ = 0;

  // The request being answered.
  std::shared_ptr<Exchange> exchange_;
  bool request_keep_alive_ = false;
  bool request_http10_ = false;
  bool request_head_ = false;

  // Its response as framed so far.
  bool response_started_ = false;
  bool response_ended_ = false;
  bool response_chunked_ = false;
  bool response_bodyless_ = false;
  bool close_after_response_ = false;

  // Bytes to write; each entry carries how many of its bytes count against the queue cap.
  std::deque<std::pair<std::string, std::size_t>> write_queue_;
  std::vector<std::string> in_flight_;
  std::size_t in_flight_counted_ = 0;
  bool writing_ = false;
};

}  // namespace yak::serve
