#include "serve/openai/response_builder.h"

#include "serve/openai/chat_response.h"

namespace yak::serve {
namespace {

class ChatWhole final : public ResponseBuilder {
 public:
  ChatWhole(const Tokenizer& tokenizer, ResponseMeta meta, const ChatRequest& r,
            int32_t prompt_tokens)
      : response_(tokenizer, std::move(meta), r.params.n, r.logprobs, prompt_tokens,
                  tool_output_spec(r)) {}
  std::vector<Json> add(size_t, const RequestUpdate& update) override {
    response_.add(update);
    return {};
  }
  std::vector<Json> finish() override { return {response_.to_json()}; }
  UsageCounts usage() const override { return response_.usage(); }
  bool streamed() const override { return false; }

 private:
  ChatResponse response_;
};

class ChatStreamed final : public ResponseBuilder {
 public:
  ChatStreamed(const Tokenizer& tokenizer, ResponseMeta meta, const ChatRequest& r,
               int32_t prompt_tokens)
      : stream_(tokenizer, std::move(meta), r.params.n, r.logprobs, r.params.include_usage,
                prompt_tokens, tool_output_spec(r)) {}
  std::vector<Json> add(size_t, const RequestUpdate& update) override {
    return stream_.add(update);
  }
  std::vector<Json> finish() override { return stream_.end(); }
  UsageCounts usage() const override { return stream_.usage(); }
  bool streamed() const override { return true; }

 private:
  ChatStream stream_;
};

CompletionsShape shape_of(const CompletionsRequest& r) {
  return {.n = r.params.n, .echo = r.echo, .logprobs = r.logprobs};
}

class CompletionsWhole final : public ResponseBuilder {
 public:
  CompletionsWhole(const Tokenizer& tokenizer, ResponseMeta meta, const CompletionsRequest& r,
                   std::vector<CompletionPrompt> prompts)
      : response_(tokenizer, std::move(meta), std::move(prompts), shape_of(r)) {}
  std::vector<Json> add(size_t prompt, const RequestUpdate& update) override {
    response_.add(prompt, update);
    return {};
  }
  std::vector<Json> finish() override { return {response_.to_json()}; }
  UsageCounts usage() const override { return response_.usage(); }
  bool streamed() const override { return false; }

 private:
  CompletionsResponse response_;
};

class CompletionsStreamed final : public ResponseBuilder {
 public:
  CompletionsStreamed(const Tokenizer& tokenizer, ResponseMeta meta, const CompletionsRequest& r,
                      std::vector<CompletionPrompt> prompts)
      : stream_(tokenizer, std::move(meta), std::move(prompts), shape_of(r),
                r.params.include_usage) {}
  std::vector<Json> add(size_t prompt, const RequestUpdate& update) override {
    return stream_.add(prompt, update);
  }
  std::vector<Json> finish() override { return stream_.end(); }
  UsageCounts usage() const override { return stream_.usage(); }
  bool streamed() const override { return true; }

 private:
  CompletionsStream stream_;
};

}  // namespace

std::unique_ptr<ResponseBuilder> make_chat_builder(const Tokenizer& tokenizer, ResponseMeta meta,
                                                   const ChatRequest& request,
                                                   int32_t prompt_tokens) {
  if (request.params.stream)
    return std::make_unique<ChatStreamed>(tokenizer, std::move(meta), request, prompt_tokens);
  return std::make_unique<ChatWhole>(tokenizer, std::move(meta), request, prompt_tokens);
}

std::unique_ptr<ResponseBuilder> make_completions_builder(const Tokenizer& tokenizer,
                                                          ResponseMeta meta,
                                                          const CompletionsRequest& request,
                                                          std::vector<CompletionPrompt> prompts) {
  if (request.params.stream)
    return std::make_unique<CompletionsStreamed>(tokenizer, std::move(meta), request,
                                                 std::move(prompts));
  return std::make_unique<CompletionsWhole>(tokenizer, std::move(meta), request,
                                            std::move(prompts));
}

}  // namespace yak::serve
