// A conversation as the page keeps it, what the server is sent for it, and its JSON file form.

export const EXPORT_FORMAT = "yak-conversation";
export const EXPORT_VERSION = 1;
const TITLE_LENGTH = 48;  // characters, not bytes: a Chinese title stays whole

export const DEFAULT_SETTINGS = Object.freeze({
  system: "",
  temperature: 0.7,
  top_p: 0.95,
  max_tokens: 0,  // 0: as many as the context leaves
  json_mode: false,
});

function newId() {
  return crypto.randomUUID ? crypto.randomUUID()
                           : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export function newConversation() {
  const now = Date.now();
  return {
    id: newId(),
    title: "",
    created: now,
    updated: now,
    settings: { ...DEFAULT_SETTINGS },
    messages: [],
  };
}

export function displayTitle(conversation) {
  return conversation.title || "New chat";
}

// The first line of the first message, cut at a character boundary.
export function titleFrom(text) {
  const line = text.trim().split("\n")[0].trim();
  const chars = Array.from(line);
  return chars.length > TITLE_LENGTH ? `${chars.slice(0, TITLE_LENGTH).join("")}…` : line;
}

// What the model reads for a user message: each attached file, then what the user typed.
export function userContent(message) {
  const parts = (message.attachments || []).map(
    (file) => `Attached file "${file.name}":\n\n${file.text}`);
  if (message.content) parts.push(message.content);
  return parts.join("\n\n");
}

// The request's messages for a conversation's history (plus `draft`, a user message not yet
// part of it). Failed or empty answers are the page's, not the model's, and are left out.
export function requestMessages(conversation, draft = null) {
  const out = [];
  if (conversation.settings.system.trim()) {
    out.push({ role: "system", content: conversation.settings.system });
  }
  const history = draft ? [...conversation.messages, draft] : conversation.messages;
  for (const message of history) {
    if (message.role === "user") out.push({ role: "user", content: userContent(message) });
    else if (message.content) out.push({ role: "assistant", content: message.content });
  }
  return out;
}

export function samplingFields(settings) {
  const fields = { temperature: Number(settings.temperature), top_p: Number(settings.top_p) };
  if (settings.max_tokens > 0) fields.max_tokens = Number(settings.max_tokens);
  if (settings.json_mode) fields.response_format = { type: "json_object" };
  return fields;
}

export function matches(conversation, query) {
  if (!query) return true;
  const needle = query.toLocaleLowerCase();
  if (displayTitle(conversation).toLocaleLowerCase().includes(needle)) return true;
  return conversation.messages.some((m) => (m.content || "").toLocaleLowerCase().includes(needle));
}

export function exportJson(conversation) {
  const { id, ...kept } = conversation;
  return JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, conversation: kept },
                        null, 2);
}

export class ImportError extends Error {}

function checkMessage(message, index) {
  const where = `message ${index + 1}`;
  if (typeof message !== "object" || message === null) throw new ImportError(`${where} is not an object`);
  if (message.role !== "user" && message.role !== "assistant") {
    throw new ImportError(`${where} has role ${JSON.stringify(message.role)}; expected "user" or "assistant"`);
  }
  if (typeof message.content !== "string") throw new ImportError(`${where} has no text content`);
  const attachments = message.attachments || [];
  if (!Array.isArray(attachments) ||
      attachments.some((f) => typeof f.name !== "string" || typeof f.text !== "string")) {
    throw new ImportError(`${where} has attachments that are not {name, text} objects`);
  }
  const kept = { role: message.role, content: message.content };
  if (attachments.length) kept.attachments = attachments.map(({ name, text, tokens }) => ({ name, text, tokens }));
  if (message.stats && typeof message.stats === "object") kept.stats = message.stats;
  if (message.stopped) kept.stopped = true;
  if (message.truncated) kept.truncated = true;
  return kept;
}

// A conversation from an exported file, with a new id; ImportError says what is wrong.
export function importJson(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ImportError(`the file is not JSON (${e.message})`);
  }
  if (!parsed || parsed.format !== EXPORT_FORMAT) {
    throw new ImportError(`the file is not a Yak conversation (its "format" is not "${EXPORT_FORMAT}")`);
  }
  if (parsed.version !== EXPORT_VERSION) {
    throw new ImportError(`the file's version ${parsed.version} is not one this page reads (${EXPORT_VERSION})`);
  }
  const source = parsed.conversation;
  if (!source || !Array.isArray(source.messages)) throw new ImportError("the file has no messages list");
  const conversation = newConversation();
  conversation.title = typeof source.title === "string" ? source.title : "";
  conversation.created = Number(source.created) || conversation.created;
  conversation.settings = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_SETTINGS)) {
    if (source.settings && typeof source.settings[key] === typeof DEFAULT_SETTINGS[key]) {
      conversation.settings[key] = source.settings[key];
    }
  }
  conversation.messages = source.messages.map(checkMessage);
  if (!conversation.title) {
    const first = conversation.messages.find((m) => m.role === "user");
    conversation.title = first ? titleFrom(first.content || "Imported chat") : "Imported chat";
  }
  return conversation;
}
