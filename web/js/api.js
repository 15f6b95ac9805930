// The page's only way to the server: the OpenAI-compatible routes of the same origin. Errors
// become ApiError with a sentence a person can act on, never a silent failure.

const KEY_STORAGE = "yak.apiKey";

export class ApiError extends Error {
  // status: the HTTP status (0 when the server could not be reached); code and type: the
  // server's error fields; retryAfter: seconds, when the server asked to wait.
  constructor(message, { status = 0, type = "", code = "", retryAfter = 0 } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  get needsKey() {
    return this.status === 401;
  }
}

function unreachable(cause) {
  return new ApiError(
    `Cannot reach the Yak server at ${location.origin} (${cause.message}). Is yak serve still running?`,
  );
}

// Reads a non-2xx answer: the server's {"error": {...}} when it sent one, else the status.
async function errorFrom(response) {
  let message = `The server answered ${response.status} ${response.statusText}`.trim();
  let type = "";
  let code = "";
  try {
    const body = await response.json();
    if (body && body.error) {
      message = body.error.message || message;
      type = body.error.type || "";
      code = body.error.code || "";
    }
  } catch {
    // not JSON: the status line is all there is
  }
  const retryAfter = Number(response.headers.get("retry-after")) || 0;
  if (response.status === 401) {
    message = `${message}. Enter the server's API key to go on.`;
  } else if (response.status === 429) {
    message = `The server is busy: ${message}${retryAfter ? `. Try again in ${retryAfter} s.` : "."}`;
  } else if (response.status === 503) {
    message = `The server cannot answer now: ${message}.`;
  }
  return new ApiError(message, { status: response.status, type, code, retryAfter });
}

// Splits a server-sent-events body into the JSON of each `data:` line; `[DONE]` ends it.
async function* serverEvents(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data:")) continue;  // ": ping" comments keep the line alive
          const data = line.slice(5).trim();
          if (data === "[DONE]") return;
          yield JSON.parse(data);
        }
      }
    }
  } finally {
    if (signal.aborted) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

export class ApiClient {
  constructor(storage = window.localStorage) {
    this.storage = storage;
  }

  get key() {
    return this.storage.getItem(KEY_STORAGE) || "";
  }

  set key(value) {
    if (value) this.storage.setItem(KEY_STORAGE, value);
    else this.storage.removeItem(KEY_STORAGE);
  }

  headers() {
    const headers = { "content-type": "application/json" };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    return headers;
  }

  async request(method, path, body, signal) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: this.headers(),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (e.name === "AbortError") throw e;
      throw unreachable(e);
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  // {id, contextSize} of the model being served.
  async model() {
    const response = await this.request("GET", "/v1/models");
    const list = await response.json();
    const model = list.data && list.data[0];
    if (!model) throw new ApiError("The server lists no model.");
    return { id: model.id, contextSize: model.max_model_len || 0 };
  }

  // The prompt tokens that /v1/chat/completions would feed the model for these messages.
  async countTokens(messages, signal) {
    const response = await this.request(
      "POST", "/tokenize", { messages, add_generation_prompt: true }, signal);
    const result = await response.json();
    return { count: result.count, contextSize: result.max_model_len };
  }

  // Streams one chat completion. onDelta(text, chunk) gets each piece of the answer; the
  // promise resolves to {usage, finishReason, model}. Aborting `signal` ends the request,
  // which the server sees as a cancelled one.
  async streamChat(body, { signal, onDelta }) {
    const response = await this.request(
      "POST", "/v1/chat/completions",
      { ...body, stream: true, stream_options: { include_usage: true } }, signal);
    let usage = null;
    let finishReason = null;
    let model = "";
    try {
      for await (const chunk of serverEvents(response.body, signal)) {
        if (chunk.error) {
          throw new ApiError(`The server stopped the answer: ${chunk.error.message}`, {
            status: 500, type: chunk.error.type || "", code: chunk.error.code || "",
          });
        }
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices && chunk.choices[0];
        if (!choice) continue;
        const text = choice.delta && choice.delta.content;
        if (text) onDelta(text, chunk);
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (e) {
      if (e.name === "AbortError" || e instanceof ApiError) throw e;
      if (signal && signal.aborted) throw new DOMException("stopped", "AbortError");
      throw new ApiError(`The answer broke off: ${e.message}`);
    }
    return { usage, finishReason, model };
  }
}
