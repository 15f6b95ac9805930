// The conversation's messages on screen: Markdown answers, re-rendered as a stream grows (once
// a frame at most), with copy, edit and regenerate on each message.

import { copyWithFeedback } from "./clipboard.js";
import { userContent } from "./conversation.js";
import { icon } from "./icons.js";
import { renderMarkdown } from "./markdown.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, action, ariaLabel) {
  const node = element("button", "message-action", label);
  node.type = "button";
  node.dataset.action = action;
  if (ariaLabel) node.setAttribute("aria-label", ariaLabel);
  return node;
}

export function formatStats(stats) {
  const parts = [];
  if (stats.model) parts.push(stats.model);
  if (stats.ttft_ms !== undefined) parts.push(`first token ${(stats.ttft_ms / 1000).toFixed(2)} s`);
  if (stats.tokens_per_s) parts.push(`${stats.tokens_per_s.toFixed(1)} tokens/s`);
  if (stats.completion_tokens) parts.push(`${stats.completion_tokens} tokens`);
  return parts.join(" · ");
}

export class MessagesView {
  // handlers: onEdit(index, text), onRegenerate(), both returning nothing.
  constructor(container, handlers) {
    this.container = container;
    this.handlers = handlers;
    this.pending = new Map();  // index -> message awaiting its next frame
    this.conversation = null;
    container.addEventListener("click", (event) => this.onClick(event));
  }

  render(conversation, { generating = false, emptyText = "" } = {}) {
    this.conversation = conversation;
    this.generating = generating;
    this.pending.clear();
    this.container.replaceChildren();
    // Screen readers announce the log once the answer is whole, not at every frame.
    this.container.setAttribute("aria-busy", String(generating));
    if (!conversation.messages.length) {
      this.container.append(element("p", "empty", emptyText));
      return;
    }
    conversation.messages.forEach((message, index) => {
      this.container.append(this.messageNode(message, index));
    });
    this.scrollToEnd();
  }

  messageNode(message, index) {
    const isUser = message.role === "user";
    const node = element("article", `message ${message.role}`);
    node.dataset.index = String(index);
    node.setAttribute("aria-label", isUser ? "Your message" : "Answer");
    node.append(element("div", "role", isUser ? "You" : "Yak"));
    for (const file of message.attachments || []) {
      const chip = element("div", "attachment-chip", file.name);
      chip.prepend(icon("file"));
      if (file.tokens) chip.append(element("span", "chip-tokens", ` ${file.tokens} tokens`));
      node.append(chip);
    }
    const content = element("div", isUser ? "content plain" : "content markdown");
    this.fillContent(content, message);
    node.append(content);
    if (message.error) node.append(element("div", "message-error", message.error));
    const footer = element("div", "message-footer");
    const stats = element("span", "stats");
    if (message.stats) stats.textContent = formatStats(message.stats);
    if (message.stopped) stats.append(element("span", "stopped-tag", " stopped"));
    if (message.truncated) stats.append(element("span", "truncated-tag", " · cut at the token limit"));
    footer.append(stats, this.actions(message, index));
    node.append(footer);
    return node;
  }

  fillContent(content, message) {
    if (message.role === "user") {
      content.textContent = message.content;
    } else if (message.content) {
      content.innerHTML = renderMarkdown(message.content);
    } else if (!message.error && !message.stopped && this.generating) {
      content.replaceChildren(element("span", "typing", "…"));
      content.firstChild.setAttribute("aria-label", "Waiting for the answer");
    }
  }

  actions(message, index) {
    const bar = element("div", "message-actions");
    if (this.generating) return bar;
    bar.append(button("Copy", "copy", message.role === "user" ? "Copy your message" : "Copy the answer"));
    if (message.role === "user") bar.append(button("Edit", "edit", "Edit this message and answer again"));
    if (message.role === "assistant" && index === this.conversation.messages.length - 1) {
      bar.append(button("Regenerate", "regenerate", "Regenerate the answer"));
    }
    return bar;
  }

  // A streaming message's text changed; it is drawn at the next frame, once however many
  // pieces arrived meanwhile.
  update(index, message) {
    const first = this.pending.size === 0;
    this.pending.set(index, message);
    if (first) requestAnimationFrame(() => this.flush());
  }

  flush() {
    const nearEnd = this.isNearEnd();
    for (const [index, message] of this.pending) {
      const node = this.container.querySelector(`article[data-index="${index}"]`);
      if (!node) continue;
      this.fillContent(node.querySelector(".content"), message);
    }
    this.pending.clear();
    if (nearEnd) this.scrollToEnd();
  }

  isNearEnd() {
    const c = this.container;
    return c.scrollHeight - c.scrollTop - c.clientHeight < 80;
  }

  scrollToEnd() {
    this.container.scrollTop = this.container.scrollHeight;
  }

  onClick(event) {
    const target = event.target.closest("button[data-action]");
    if (!target || !this.conversation) return;
    const node = target.closest("article.message");
    const index = node ? Number(node.dataset.index) : -1;
    const message = this.conversation.messages[index];
    switch (target.dataset.action) {
      case "copy-code":
        copyWithFeedback(target, target.closest(".code-block").querySelector("code").textContent);
        break;
      case "copy":
        copyWithFeedback(target, message.role === "user" ? userContent(message) : message.content);
        break;
      case "edit":
        this.startEdit(node, message, index);
        break;
      case "regenerate":
        this.handlers.onRegenerate();
        break;
      default:
        break;
    }
  }

  startEdit(node, message, index) {
    const content = node.querySelector(".content");
    const form = element("form", "edit-form");
    const label = element("label", "visually-hidden", "Edit your message");
    const area = element("textarea", "edit-area");
    area.id = `edit-${index}`;
    label.htmlFor = area.id;
    area.value = message.content;
    area.rows = Math.min(12, Math.max(2, message.content.split("\n").length));
    const save = element("button", "primary", "Save and send");
    save.type = "submit";
    const cancel = element("button", "", "Cancel");
    cancel.type = "button";
    form.append(label, area, element("div", "edit-buttons"));
    form.lastChild.append(cancel, save);
    content.replaceWith(form);
    node.querySelector(".message-actions").hidden = true;
    area.focus();
    cancel.addEventListener("click", () => this.render(this.conversation));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = area.value.trim();
      if (text) this.handlers.onEdit(index, text);
    });
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.render(this.conversation);
    });
  }
}
