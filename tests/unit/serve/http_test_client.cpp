#include "http_test_client.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace yak::serve::test {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace

TestClient::TestClient(std::uint16_t port, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(fmt::format("connect to port {}: {}", port, std::strerror(error)));
  }
}

TestClient::~TestClient() { close(); }

void TestClient::close(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  ::close(fd_);
  fd_ = -1;
}

bool TestClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

bool TestClient::fill(Clock::time_point deadline) {
  if (fd_ < 0) return false;
  pollfd waiting{fd_, POLLIN, 0};
  const int ready = ::poll(&waiting, 1, remaining_ms(deadline));
  if (ready <= 0) return false;
  char chunk[16384];
  const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
  if (got <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(got));
  return true;
}

bool TestClient::fill_until(std::string_view marker, Clock::time_point deadline) {
  while (buffer_.find(marker) == std::string::npos) {
    if (!fill(deadline)) return false;
  }
  return true;
}

bool TestClient::fill_to(std::size_t size, Clock::time_point deadline) {
  while (buffer_.size() < size) {
    if (!fill(deadline)) return false;
  }
  return true;
}

std::optional<ClientResponse> TestClient::read_response(std::chrono::milliseconds timeout,
                                                        bool keep_interim, bool head) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (!fill_until("\r\n\r\n", deadline)) return std::nullopt;
    const auto head_end = buffer_.find("\r\n\r\n");
    const std::string head_text = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);

    ClientResponse response;
    std::size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) return std::nullopt;
    response.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      const std::string line = head_text.substr(start, line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers[lower(line.substr(0, colon))] = value;
    }
    if (response.status < 200) {
      if (keep_interim) return response;
      continue;
    }
    if (head || response.status == 204 || response.status == 304) return response;

    if (lower(response.header("transfer-encoding")) == "chunked") {
      response.chunked = true;
      while (true) {
        if (!fill_until("\r\n", deadline)) return std::nullopt;
        const auto size_end = buffer_.find("\r\n");
        const std::size_t size = std::stoul(buffer_.substr(0, size_end), nullptr, 16);
        buffer_.erase(0, size_end + 2);
        if (size == 0) {
          if (!fill_until("\r\n", deadline)) return std::nullopt;  // no trailers expected
          buffer_.erase(0, buffer_.find("\r\n") + 2);
          return response;
        }
        if (!fill_to(size + 2, deadline)) return std::nullopt;
        response.chunks.push_back(buffer_.substr(0, size));
        response.chunk_times.push_back(Clock::now());
        response.body += response.chunks.back();
        buffer_.erase(0, size + 2);
      }
    }
    if (const auto length = response.header("content-length"); !length.empty()) {
      const std::size_t size = std::stoul(length);
      if (!fill_to(size, deadline)) return std::nullopt;
      response.body = buffer_.substr(0, size);
      buffer_.erase(0, size);
      return response;
    }
    while (fill(deadline)) {  // delimited by the end of the connection
    }
    response.body = std::move(buffer_);
    buffer_.clear();
    return response;
  }
}

bool TestClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (fd_ >= 0) {
    pollfd waiting{fd_, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, remaining_ms(deadline));
    if (ready <= 0) return false;  // the deadline passed with the connection still open
    char chunk[16384];
    const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return true;
  }
  return true;
}

std::string http_request(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view extra_headers) {
  std::string request = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target);
  if (!body.empty()) request += fmt::format("Content-Length: {}\r\n", body.size());
  request += extra_headers;
  request += "\r\n";
  request += body;
  return request;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::optional<std::chrono::milliseconds> timed_get(std::uint16_t port, std::string_view target,
                                                   std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  try {
    TestClient client(port);
    if (!client.send(http_request("GET", target))) return std::nullopt;
    const auto response = client.read_response(timeout);
    if (!response || response->status != 200) return std::nullopt;
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace yak::serve::test
