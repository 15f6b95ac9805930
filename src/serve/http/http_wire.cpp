#include "serve/http/http_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/beast/http/status.hpp>

#include "yak/error.h"

namespace yak::serve::wire {
namespace {

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_framing_header(std::string_view name) {
  const std::string lowered = lower(name);
  return lowered == "content-length" || lowered == "transfer-encoding" || lowered == "connection";
}

}  // namespace

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

void check_status(int status) {
  if (status < 200 || status > 599) {
    fail("HTTP status {} cannot be sent by a route: expected 200..599", status);
  }
}

void check_headers(const HttpHeaders& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
      fail("response header name '{}' is not an HTTP token", name);
    }
    const bool has_control = std::any_of(value.begin(), value.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return (byte < 0x20 && byte != '\t') || byte == 0x7f;
    });
    if (has_control) fail("response header '{}' has a control character in its value", name);
  }
}

bool status_has_body(int status) { return status != 204 && status != 304; }

std::string response_head(int status, const HttpHeaders& headers, Framing framing,
                          std::size_t content_length, Persistence persistence) {
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  std::string head = fmt::format("HTTP/1.1 {} {}\r\n", status, reason);
  for (const auto& [name, value] : headers) {
    if (is_framing_header(name)) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  switch (framing) {
    case Framing::content_length:
      head += fmt::format("Content-Length: {}\r\n", content_length);
      break;
    case Framing::chunked:
      head += "Transfer-Encoding: chunked\r\n";
      break;
    case Framing::until_close:
    case Framing::none:
      break;
  }
  if (persistence == Persistence::close) head += "Connection: close\r\n";
  if (persistence == Persistence::keep_alive) head += "Connection: keep-alive\r\n";
  head += "\r\n";
  return head;
}

std::string chunk(std::string_view piece) {
  if (piece.empty()) return {};
  std::string out = fmt::format("{:x}\r\n", piece.size());
  out.reserve(out.size() + piece.size() + 2);
  out += piece;
  out += "\r\n";
  return out;
}

std::pair<std::string, std::string> split_target(std::string_view target) {
  // Absolute form (a request meant for a proxy): keep only what follows the authority.
  if (const auto scheme = target.find("://");
      scheme != std::string_view::npos &&
      target.substr(0, scheme).find('/') == std::string_view::npos) {
    const auto path_start = target.find_first_of("/?", scheme + 3);
    target =
        path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
    if (!target.empty() && target.front() == '?') {
      return {"/", std::string(target.substr(1))};
    }
  }
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {std::string(target), {}};
  return {std::string(target.substr(0, question)), std::string(target.substr(question + 1))};
}

}  // namespace yak::serve::wire
