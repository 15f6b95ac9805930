// A request the server refuses, with what OpenAI's error object needs: the HTTP status, the
// error type, the field at fault (`param`) and a short code. Thrown while a request is parsed or
// validated and turned into {"error": {...}} at the route boundary, so a bad request never
// becomes a 500.
#pragma once

#include <string>
#include <utility>

#include "yak/error.h"

namespace yak::serve {

class ApiError : public Error {
 public:
  ApiError(int status, std::string type, std::string message, std::string param = {},
           std::string code = {})
      : Error(message),
        status_(status),
        type_(std::move(type)),
        param_(std::move(param)),
        code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }  // empty: null
  const std::string& code() const { return code_; }    // empty: null

 private:
  int status_;
  std::string type_;
  std::string param_;
  std::string code_;
};

// 400 for a field that is present but wrong (its type, its range); `param` names it.
inline ApiError invalid_field(std::string param, std::string message,
                              std::string code = "invalid_value") {
  return ApiError(400, "invalid_request_error", std::move(message), std::move(param),
                  std::move(code));
}

// 400 for a feature the request asks for that this server does not have (yet).
inline ApiError unsupported_field(std::string param, std::string message) {
  return ApiError(400, "invalid_request_error", std::move(message), std::move(param),
                  "unsupported_parameter");
}

}  // namespace yak::serve
