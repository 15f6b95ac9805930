#include "serve/http/http_server.h"

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "serve/http/error_body.h"
#include "serve/http/http_wire.h"
#include "serve/http/server_shared.h"
#include "serve/http/session.h"
#include "yak/error.h"

namespace yak::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// Retrying accept after a failure such as running out of file descriptors, instead of
// spinning on it.
constexpr std::chrono::milliseconds kAcceptRetry{50};
// Connections past max_connections get a 503 written within this, else are just closed;
// at most this many such answers are in flight at once.
constexpr std::chrono::milliseconds kRejectionTime{1000};
constexpr std::size_t kMaxRejectionsInFlight = 64;
// stop() gives connections this long to close on their strands before it stops the threads.
constexpr std::chrono::milliseconds kStopGrace{2000};

// A connection over the limit: answered 503, its request drained briefly, then closed.
class Rejection : public std::enable_shared_from_this<Rejection> {
 public:
  Rejection(tcp::socket socket, std::shared_ptr<ServerShared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}
  ~Rejection() { shared_->rejections_in_flight--; }

  void start(std::size_t max_connections) {
    const std::string body =
        error_body(fmt::format("the server is at its limit of {} connections; try again later",
                               max_connections),
                   error_type_for_status(503));
    bytes_ =
        wire::response_head(503, {{"content-type", "application/json"}, {"retry-after", "1"}},
                            wire::Framing::content_length, body.size(), wire::Persistence::close) +
        body;
    stream_.expires_after(kRejectionTime);
    net::async_write(stream_, net::buffer(bytes_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;  // the stream has closed itself
                       beast::error_code ignored;
                       self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                       self->drain();
                     });
  }

 private:
  void drain() {
    stream_.async_read_some(net::buffer(sink_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();  // until EOF or the deadline set in start()
                            });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<ServerShared> shared_;
  std::string bytes_;
  char sink_[4096];
};

tcp::endpoint resolve_endpoint(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) return {address, port};
  net::io_context resolving;
  tcp::resolver resolver(resolving);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    fail("cannot listen on {}:{}: cannot resolve '{}': {}", host, port, host,
         ec ? ec.message() : std::string("no address"));
  }
  return results.begin()->endpoint();
}

}  // namespace

struct HttpServer::Running {
  explicit Running(std::shared_ptr<ServerShared> shared_state)
      : shared(std::move(shared_state)),
        work(net::make_work_guard(io)),
        acceptor(net::make_strand(io)),
        retry_timer(acceptor.get_executor()) {}

  void accept_next() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      on_accept(ec, std::move(socket));
    });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      retry_timer.expires_after(kAcceptRetry);
      retry_timer.async_wait([this](beast::error_code wait_error) {
        if (!wait_error && acceptor.is_open()) accept_next();
      });
      return;
    }
    if (shared->draining) return;  // the socket closes as it goes out of scope
    if (shared->count() >= shared->limits.max_connections) {
      reject(std::move(socket));
    } else {
      auto session = std::make_shared<Session>(std::move(socket), shared);
      shared->add(session);
      session->start();
    }
    accept_next();
  }

  void reject(tcp::socket socket) {
    if (shared->rejections_in_flight >= kMaxRejectionsInFlight) return;  // just closed
    shared->rejections_in_flight++;
    std::make_shared<Rejection>(std::move(socket), shared)->start(shared->limits.max_connections);
  }

  std::shared_ptr<ServerShared> shared;
  // Declared before what runs on it, so it is destroyed last: pending handlers (and the
  // sessions they keep) are destroyed while the I/O services still exist.
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work;
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)) {
  if (!handler) fail("HttpServer needs a route function");
  if (options_.io_threads < 1) {
    fail("HttpServer needs at least one I/O thread (io_threads = {})", options_.io_threads);
  }
  const auto& limits = options_.limits;
  if (limits.max_connections < 1 || limits.max_header_bytes < 256 || limits.max_queued_bytes < 1) {
    fail(
        "HttpServer limits too small: max_connections {}, max_header_bytes {} (>= 256), "
        "max_queued_bytes {}",
        limits.max_connections, limits.max_header_bytes, limits.max_queued_bytes);
  }
  shared_ = std::make_shared<ServerShared>(options_.limits, std::move(handler));
}

HttpServer::~HttpServer() {
  try {
    stop();
  } catch (...) {
    // stop() throws only when called on an I/O thread, which a destructor run from a route
    // would be; nothing better can be done here than to leave the threads be.
  }
}

void HttpServer::start() {
  if (running_ || stopped_) fail("HttpServer::start called twice");
  auto running = std::make_unique<Running>(shared_);
  const tcp::endpoint endpoint = resolve_endpoint(options_.host, options_.port);
  beast::error_code ec;
  auto& acceptor = running->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("cannot listen on {}:{}: {}", options_.host, options_.port, ec.message());
  port_ = acceptor.local_endpoint().port();
  running->accept_next();
  for (int i = 0; i < options_.io_threads; ++i) {
    running->threads.emplace_back([io = &running->io] { io->run(); });
  }
  running_ = std::move(running);
}

void HttpServer::stop_accepting() {
  if (!running_ || stopped_) return;
  shared_->draining = true;
  auto close_acceptor = [running = running_.get()] {
    beast::error_code ignored;
    running->acceptor.close(ignored);
    running->retry_timer.cancel();
  };
  if (running_->io.get_executor().running_in_this_thread()) {
    net::post(running_->acceptor.get_executor(), close_acceptor);
  } else {
    // Wait, so that once this returns the port refuses new connections.
    std::promise<void> closed;
    net::post(running_->acceptor.get_executor(), [&] {
      close_acceptor();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  for (const auto& session : shared_->snapshot()) session->post_drain();
}

void HttpServer::stop() {
  if (!running_ || stopped_) return;
  if (running_->io.get_executor().running_in_this_thread()) {
    fail("HttpServer::stop called from one of the server's own I/O threads");
  }
  stop_accepting();
  for (const auto& session : shared_->snapshot()) session->post_close();
  {
    std::unique_lock lock(shared_->mutex);
    shared_->changed.wait_for(lock, kStopGrace, [&] { return shared_->sessions.empty(); });
  }
  running_->work.reset();
  running_->io.stop();
  for (auto& thread : running_->threads) thread.join();
  // Whatever did not close in time is closed here, with no thread left to race.
  for (const auto& session : shared_->snapshot()) session->abandon_after_stop();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->sessions.clear();
  }
  stopped_ = true;
}

std::size_t HttpServer::connections() const { return shared_->count(); }

std::size_t HttpServer::responses_in_progress() const {
  return shared_->responses_in_progress.load();
}

}  // namespace yak::serve
