// POST /v1/chat/completions and POST /v1/completions: parse and check the request, build its
// prompts, and hand it to a CompletionExchange that submits it to the scheduler and answers.
// Every refusal is an OpenAI error object with the right status, and a log line.
#include <fmt/format.h>

#include "serve/completion_exchange.h"
#include "serve/openai/chat_request.h"
#include "serve/openai/completion_request.h"
#include "serve/openai/response_builder.h"
#include "serve/openai/tool_call_grammar.h"
#include "serve/openai/tool_prompt.h"
#include "serve/server_impl.h"
#include "yak/error.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

using serve::ApiError;
using serve::CompletionExchange;
using serve::Json;

// The scheduler's refusals, as the statuses OpenAI's clients know.
ApiError as_api_error(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    return e;
  } catch (const OverloadedError& e) {
    return ApiError(429, "rate_limit_error", e.what(), "", "overloaded");
  } catch (const UnavailableError& e) {
    return ApiError(503, "unavailable_error", e.what(), "", "unavailable");
  } catch (const Error& e) {  // the request cannot run: too long for the context, ...
    return ApiError(400, "invalid_request_error", e.what());
  } catch (const std::bad_alloc&) {
    return ApiError(503, "unavailable_error", "out of memory for this request", "", "no_memory");
  } catch (const std::exception& e) {
    return ApiError(500, "server_error", std::string("internal error: ") + e.what());
  }
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

CompletionRequest engine_request(std::vector<int32_t> prompt, const serve::GenerationParams& params,
                                 std::chrono::steady_clock::time_point deadline) {
  CompletionRequest r;
  r.prompt = std::move(prompt);
  r.options = params.options;
  r.n = params.n;
  r.deadline = deadline;
  return r;
}

PreparedCompletion prepare_chat(const Json& body, const ServeState& s,
                                const serve::ResponseMeta& meta,
                                std::chrono::steady_clock::time_point deadline) {
  serve::ChatRequest chat = serve::parse_chat_request(body, s.bounds);
  chat.tool_format = s.tool_format;
  std::vector<int32_t> prompt = chat_prompt(s, chat.messages, chat.tools);
  serve::apply_tool_call_grammar(s.tool_format, chat.tools, chat.params.options);
  PreparedCompletion p;
  p.requests.push_back(engine_request(std::move(prompt), chat.params, deadline));
  p.builder = serve::make_chat_builder(s.model->tokenizer(), meta, chat,
                                       static_cast<int32_t>(p.requests[0].prompt.size()));
  return p;
}

PreparedCompletion prepare_completions(const Json& body, const ServeState& s,
                                       const serve::ResponseMeta& meta,
                                       std::chrono::steady_clock::time_point deadline) {
  const serve::CompletionsRequest parsed = serve::parse_completions_request(body, s.bounds);
  const Tokenizer& tokenizer = s.model->tokenizer();
  PreparedCompletion p;
  std::vector<serve::CompletionPrompt> prompts;
  for (size_t i = 0; i < parsed.prompts.size(); ++i) {
    const serve::PromptInput& input = parsed.prompts[i];
    p.requests.push_back(engine_request(serve::completion_prompt_tokens(tokenizer, input, i),
                                        parsed.params, deadline));
    p.requests.back().prompt_logprobs = parsed.prompt_logprobs();
    serve::CompletionPrompt shown{.tokens = p.requests.back().prompt, .text = {}};
    // Echo shows the prompt as given; ids as their text.
    if (parsed.echo) shown.text = input.is_text ? input.text : tokenizer.decode(input.ids);
    prompts.push_back(std::move(shown));
  }
  p.builder = serve::make_completions_builder(tokenizer, meta, parsed, std::move(prompts));
  return p;
}

}  // namespace

std::vector<int32_t> chat_prompt(const ServeState& s, const Json& messages,
                                 const serve::ToolRequest& tools, bool add_generation_prompt) {
  if (!s.chat_template)
    throw ApiError(400, "invalid_request_error", s.chat_template_problem, "messages",
                   "no_chat_template");
  const serve::ToolPrompt prompt =
      serve::tool_prompt(messages, tools, s.tool_format, s.template_renders_tools);
  return serve::chat_prompt_tokens(*s.chat_template, s.model->tokenizer(), prompt.messages,
                                   prompt.tools, add_generation_prompt);
}

std::string Server::Impl::new_id(std::string_view prefix) {
  const std::lock_guard<std::mutex> lock(mu);
  return fmt::format("{}{:016x}{:08x}", prefix, id_random(), id_random() & 0xffffffffu);
}

void Server::Impl::chat_completions(const serve::HttpRequest& request,
                                    std::shared_ptr<serve::ResponseWriter> writer,
                                    const ServeState& s) {
  serve_completion(request, std::move(writer), s, "chatcmpl-", prepare_chat);
}

void Server::Impl::completions(const serve::HttpRequest& request,
                               std::shared_ptr<serve::ResponseWriter> writer, const ServeState& s) {
  serve_completion(request, std::move(writer), s, "cmpl-", prepare_completions);
}

void Server::Impl::serve_completion(const serve::HttpRequest& request,
                                    std::shared_ptr<serve::ResponseWriter> writer,
                                    const ServeState& s, std::string_view id_prefix,
                                    const PrepareCompletion& prepare) {
  const auto started = std::chrono::steady_clock::now();
  serve::RequestRecord record;
  record.id = new_id(id_prefix);
  record.method = request.method;
  record.path = request.path;
  try {
    const Json body = serve::parse_json_object(request.body, options.limits.max_json_depth);
    record.stream = body.contains("stream") && body["stream"] == true;
    const auto deadline = options.request_timeout.count() > 0
                              ? started + options.request_timeout
                              : std::chrono::steady_clock::time_point::max();
    PreparedCompletion p =
        prepare(body, s, {record.id, unix_now(), model_name, s.fingerprint}, deadline);
    auto exchange = std::make_shared<CompletionExchange>(CompletionExchange::Setup{
        .writer = writer,
        .builder = std::move(p.builder),
        .requests = std::move(p.requests),
        .headers = cors.response_headers(request),
        .record = record,
        .started = started,
        .metrics = server_metrics.get(),
        .log = [this](const serve::RequestRecord& r) { log_request(r); }});
    exchange->start(*s.scheduler);
    keep_alive->watch(exchange);
  } catch (...) {
    const ApiError e = as_api_error(std::current_exception());
    send_api_error(
        *writer, request, e,
        e.status() == 429 ? serve::HttpHeaders{{"retry-after", "1"}} : serve::HttpHeaders{});
    record.status = e.status();
    record.error = e.what();
    record.finish = "error";
    record.total_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log_request(record);
  }
}

}  // namespace yak
