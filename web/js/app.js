// The chat page: one conversation on screen, one answer streaming at a time, everything kept
// in the browser. This file wires the parts together and owns the send/stop/edit/regenerate
// flow; each part lives in its own module.

import { ApiClient } from "./api.js";
import { Composer } from "./composer.js";
import {
  displayTitle, exportJson, importJson, newConversation, requestMessages, samplingFields, titleFrom,
} from "./conversation.js";
import { askConfirm, askKey, askText } from "./dialogs.js";
import { ContextBudget } from "./context_budget.js";
import { fillIcons } from "./icons.js";
import { MessagesView } from "./messages_view.js";
import { SettingsPanel } from "./settings_panel.js";
import { Sidebar } from "./sidebar.js";
import { ConversationStore } from "./store.js";

const api = new ApiClient();
const notice = document.getElementById("notice");
const titleEl = document.getElementById("conversation-title");
const modelEl = document.getElementById("model-name");

let store = null;
let model = { id: "", contextSize: 0 };
let current = newConversation();
let generation = null;  // {conversation, controller} while an answer streams

let noticeTimer = 0;

// Errors stay until dismissed or resolved; news ("Imported …") goes by itself.
function showNotice(text, kind = "error") {
  clearTimeout(noticeTimer);
  notice.querySelector(".notice-text").textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = false;
  if (kind === "info") noticeTimer = setTimeout(hideNotice, 5000);
}

function hideNotice() {
  notice.hidden = true;
}

const view = new MessagesView(document.getElementById("messages"), {
  onEdit: (index, text) => editAndResend(index, text),
  onRegenerate: () => regenerate(),
});

const budget = new ContextBudget(api, document.getElementById("token-count"));

const composer = new Composer({
  onSend: () => send(),
  onStop: () => generation && generation.controller.abort(),
  onChange: () => budget.preview(requestMessages(current, composer.isEmpty() ? null : composer.draft()),
                                 current.settings, model.contextSize),
  onError: (text) => showNotice(text),
});

const settingsPanel = new SettingsPanel(async () => {
  if (current.messages.length) await save(current);
  composer.handlers.onChange();
});

const sidebar = new Sidebar({
  onOpen: (id) => openConversation(id),
  onNew: () => startNew(),
  onRename: (id) => rename(id),
  onDelete: (id) => remove(id),
});

function emptyText() {
  return model.id ? `Ask ${model.id} anything. Answers stay on this machine.` : "Connecting to the server…";
}

function drawCurrent() {
  titleEl.textContent = displayTitle(current);
  document.title = current.title ? `${current.title} · Yak` : "Yak";
  view.render(current, { generating: generation !== null && generation.conversation === current,
                         emptyText: emptyText() });
  settingsPanel.show(current.settings);
}

async function refreshSidebar() {
  sidebar.show(await store.list(), current.id);
}

async function save(conversation) {
  conversation.updated = Date.now();
  await store.put(conversation);
  await refreshSidebar();
}

function setCurrent(conversation) {
  current = conversation;
  history.replaceState(null, "", conversation.messages.length ? `#/c/${conversation.id}` : "#");
  drawCurrent();
  composer.handlers.onChange();
}

async function openConversation(id) {
  const found = generation && generation.conversation.id === id ? generation.conversation
                                                                  : await store.get(id);
  if (!found) {
    showNotice("That conversation is no longer stored in this browser.");
    return;
  }
  hideNotice();
  setCurrent(found);
  await refreshSidebar();
  composer.focus();
}

function startNew() {
  hideNotice();
  setCurrent(newConversation());
  refreshSidebar();
  composer.focus();
}

async function rename(id) {
  const conversation = id === current.id ? current : await store.get(id);
  if (!conversation) return;
  const title = await askText("Rename conversation", "Title", displayTitle(conversation));
  if (title === null || !title.trim()) return;
  conversation.title = title.trim();
  await save(conversation);
  if (conversation === current) drawCurrent();
}

async function remove(id) {
  const conversation = id === current.id ? current : await store.get(id);
  if (!conversation) return;
  const title = displayTitle(conversation);
  if (!(await askConfirm("Delete conversation", `Delete “${title}”? This cannot be undone.`, "Delete"))) return;
  if (generation && generation.conversation.id === id) generation.controller.abort();
  await store.delete(id);
  if (id === current.id) setCurrent(newConversation());
  await refreshSidebar();
}

// Resolves to true once the server has a key that works; false if the user gives up.
async function obtainKey(reason) {
  const key = await askKey(reason);
  if (key === null) return false;
  api.key = key.trim();
  return true;
}

async function connect() {
  for (;;) {
    try {
      model = await api.model();
      modelEl.textContent = model.id;
      modelEl.title = `${model.id}, a context of ${model.contextSize.toLocaleString()} tokens`;
      hideNotice();
      if (!current.messages.length) drawCurrent();
      return;
    } catch (e) {
      if (e.needsKey && (await obtainKey(e.message))) continue;
      modelEl.textContent = "not connected";
      if (e.status === 503) {
        // The model is still loading: say so, and look again when the server said to.
        showNotice(`${e.message} The page will try again by itself.`, "wait");
        await new Promise((resolve) => setTimeout(resolve, (e.retryAfter || 2) * 1000));
        continue;
      }
      showNotice(e.message);
      return;
    }
  }
}

// Checks the whole request against the context before anything is sent; says why not.
async function fits(messages) {
  try {
    const verdict = await budget.check(messages, current.settings, model.contextSize);
    if (verdict.fits) return true;
    showNotice(verdict.reason);
  } catch (e) {
    if (e.needsKey && (await obtainKey(e.message))) return fits(messages);
    showNotice(e.message);
  }
  return false;
}

let checking = false;  // a send between its context check and its request: a second waits

async function send() {
  if (generation || checking) return;
  checking = true;
  const draft = composer.draft();
  let fitting = false;
  try {
    fitting = await fits(requestMessages(current, draft));
  } finally {
    checking = false;
  }
  if (!fitting) return;
  hideNotice();
  current.messages.push(draft);
  if (!current.title) current.title = titleFrom(draft.content || draft.attachments[0].name);
  composer.clear();
  await generate(current);
}

async function regenerate() {
  if (generation) return;
  const last = current.messages[current.messages.length - 1];
  if (last && last.role === "assistant") current.messages.pop();
  hideNotice();
  await generate(current);
}

async function editAndResend(index, text) {
  if (generation) return;
  const edited = { ...current.messages[index], content: text };
  const kept = current.messages.slice(0, index);
  if (!(await fits(requestMessages({ ...current, messages: kept }, edited)))) return;
  hideNotice();
  current.messages = [...kept, edited];
  await generate(current);
}

async function generate(conversation) {
  const messages = requestMessages(conversation);
  const answer = { role: "assistant", content: "" };
  conversation.messages.push(answer);
  const index = conversation.messages.length - 1;
  generation = { conversation, controller: new AbortController() };
  composer.setGenerating(true);
  await save(conversation);
  history.replaceState(null, "", `#/c/${conversation.id}`);
  drawCurrent();
  const started = performance.now();
  let firstAt = 0;
  let pieces = 0;
  let keyRefused = null;  // a 401 before any answer: ask for the key, then try again
  try {
    const result = await api.streamChat(
      { model: model.id || undefined, messages, ...samplingFields(conversation.settings) },
      {
        signal: generation.controller.signal,
        onDelta: (text) => {
          if (!firstAt) firstAt = performance.now();
          pieces += 1;
          answer.content += text;
          if (conversation === current) view.update(index, answer);
        },
      });
    const ended = performance.now();
    const tokens = result.usage ? result.usage.completion_tokens : pieces;
    answer.stats = {
      model: result.model || model.id,
      ttft_ms: (firstAt || ended) - started,
      tokens_per_s: tokens > 1 && firstAt && ended > firstAt ? (tokens - 1) / ((ended - firstAt) / 1000) : 0,
      completion_tokens: tokens,
    };
    if (result.finishReason === "length") answer.truncated = true;
  } catch (e) {
    if (e.name === "AbortError") {
      answer.stopped = true;
      if (firstAt) answer.stats = { model: model.id, ttft_ms: firstAt - started, completion_tokens: pieces };
    } else if (e.needsKey && !answer.content) {
      conversation.messages.pop();
      keyRefused = e;
    } else {
      answer.error = e.message;
    }
  } finally {
    generation = null;
    composer.setGenerating(false);
    if (conversation.messages.length) await save(conversation);
    if (conversation === current) drawCurrent();
  }
  if (keyRefused && (await obtainKey(keyRefused.message))) await generate(conversation);
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function wireHeader() {
  document.getElementById("export-button").addEventListener("click", () => {
    if (!current.messages.length) {
      showNotice("There is nothing to export yet: this conversation has no messages.", "info");
      return;
    }
    const stem = displayTitle(current).replace(/[\\/:*?"<>|\s]+/g, "-").slice(0, 60) || "conversation";
    download(`${stem}.json`, exportJson(current));
  });
  const importFile = document.getElementById("import-file");
  document.getElementById("import-button").addEventListener("click", () => importFile.click());
  importFile.addEventListener("change", async () => {
    const file = importFile.files[0];
    importFile.value = "";
    if (!file) return;
    try {
      const conversation = importJson(await file.text());
      await save(conversation);
      setCurrent(conversation);
      await refreshSidebar();
      sidebar.close();
      showNotice(`Imported “${displayTitle(conversation)}”.`, "info");
    } catch (e) {
      showNotice(`Cannot import ${file.name}: ${e.message}.`);
    }
  });
  notice.querySelector("button").addEventListener("click", hideNotice);
}

async function boot() {
  fillIcons();
  wireHeader();
  try {
    store = await ConversationStore.open();
  } catch (e) {
    showNotice(`This browser cannot keep conversations (IndexedDB: ${e.message}).`);
    return;
  }
  const match = /^#\/c\/(.+)$/.exec(location.hash);
  const saved = match ? await store.get(decodeURIComponent(match[1])) : null;
  setCurrent(saved || newConversation());
  await refreshSidebar();
  await connect();
  composer.focus();
  document.documentElement.dataset.ready = "true";
}

boot();
