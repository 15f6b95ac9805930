// How much of the model's context a conversation takes, counted by the server's own
// tokenizer and chat template (/tokenize with messages), so the page can refuse a message
// that cannot fit before sending it rather than after.

const PREVIEW_DELAY_MS = 250;

export class ContextBudget {
  constructor(api, output) {
    this.api = api;
    this.output = output;
    this.timer = 0;
    this.inFlight = null;
  }

  // {fits, count, contextSize, reason}: the answer needs max_tokens (or at least one token)
  // of room after the prompt.
  async check(messages, settings, knownContext, signal) {
    const { count, contextSize: served } = await this.api.countTokens(messages, signal);
    const contextSize = served || knownContext;
    const room = settings.max_tokens > 0 ? settings.max_tokens : 1;
    const verdict = { count, contextSize, fits: !contextSize || count + room <= contextSize };
    if (!verdict.fits) {
      verdict.reason = settings.max_tokens > 0 && count < contextSize
        ? `This message does not fit: the conversation is ${count.toLocaleString()} tokens, and with ` +
          `max tokens ${settings.max_tokens.toLocaleString()} it needs more than the model's context of ` +
          `${contextSize.toLocaleString()}. Lower max tokens, shorten the message or start a new chat.`
        : `This message does not fit: the conversation would be ${count.toLocaleString()} tokens and the ` +
          `model's context is ${contextSize.toLocaleString()}. Shorten it, remove an attachment or start a new chat.`;
    }
    this.show(verdict);
    return verdict;
  }

  show({ count, contextSize, fits }) {
    this.output.textContent = contextSize
      ? `${count.toLocaleString()} / ${contextSize.toLocaleString()} tokens`
      : `${count.toLocaleString()} tokens`;
    this.output.classList.toggle("over", !fits);
  }

  // Recounts a little after the typing stops; a newer count cancels an older one.
  preview(messages, settings, knownContext) {
    clearTimeout(this.timer);
    if (this.inFlight) this.inFlight.abort();
    if (!messages.length) {
      this.output.textContent = "";
      this.output.classList.remove("over");
      return;
    }
    this.timer = setTimeout(() => {
      const controller = new AbortController();
      this.inFlight = controller;
      this.check(messages, settings, knownContext, controller.signal)
        .catch(() => {})  // a failed preview says nothing; sending reports the error
        .finally(() => { if (this.inFlight === controller) this.inFlight = null; });
    }, PREVIEW_DELAY_MS);
  }
}
