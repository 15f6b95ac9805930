// The message box: Enter sends and Shift+Enter breaks the line, except while an input method
// is composing (Chinese, Japanese, Korean), when Enter picks the candidate and must never send.
// Text files attach to the message; a very long paste becomes an attachment too.

import { icon } from "./icons.js";

const MAX_FILE_BYTES = 8 * 1024 * 1024;
const PASTE_AS_FILE_CHARS = 8000;
const TEXT_FILE = /\.(txt|md|markdown|csv|tsv|json|log|rst|org|tex|xml|ya?ml)$/i;

export class AttachmentError extends Error {}

async function readTextFile(file) {
  if (file.size > MAX_FILE_BYTES) {
    throw new AttachmentError(
      `${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the page attaches text files up to ${MAX_FILE_BYTES / 1048576} MiB.`);
  }
  if (!TEXT_FILE.test(file.name) && !(file.type || "").startsWith("text/")) {
    throw new AttachmentError(`${file.name} is not a text or Markdown file.`);
  }
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
  } catch {
    throw new AttachmentError(`${file.name} is not UTF-8 text.`);
  }
  if (text.includes("\u0000")) throw new AttachmentError(`${file.name} looks binary, not text.`);
  return { name: file.name, text };
}

export class Composer {
  // handlers: onSend(), onStop(), onChange(), onError(message).
  constructor(handlers) {
    this.handlers = handlers;
    this.form = document.getElementById("composer");
    this.area = document.getElementById("prompt");
    this.sendButton = document.getElementById("send-button");
    this.stopButton = document.getElementById("stop-button");
    this.fileInput = document.getElementById("attach-file");
    this.chips = document.getElementById("attachments");
    this.attachments = [];
    this.composing = false;
    this.generating = false;
    this.wire();
  }

  wire() {
    this.area.addEventListener("compositionstart", () => { this.composing = true; });
    this.area.addEventListener("compositionend", () => { this.composing = false; });
    this.area.addEventListener("keydown", (event) => this.onKeyDown(event));
    this.area.addEventListener("input", () => this.changed());
    this.area.addEventListener("paste", (event) => this.onPaste(event));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.stopButton.addEventListener("click", () => this.handlers.onStop());
    document.getElementById("attach-button").addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => this.attachFiles([...this.fileInput.files]));
    this.chips.addEventListener("click", (event) => {
      const remove = event.target.closest("button[data-remove]");
      if (!remove) return;
      this.attachments.splice(Number(remove.dataset.remove), 1);
      this.drawChips();
      this.changed();
    });
  }

  onKeyDown(event) {
    if (event.key !== "Enter" || event.shiftKey) return;
    // keyCode 229 is the keydown an IME sends for a key it consumes; Safari sends it after
    // compositionend, when `isComposing` is already false.
    if (event.isComposing || this.composing || event.keyCode === 229) return;
    event.preventDefault();
    this.submit();
  }

  onPaste(event) {
    const text = event.clipboardData && event.clipboardData.getData("text/plain");
    if (!text || text.length < PASTE_AS_FILE_CHARS) return;
    event.preventDefault();
    const n = this.attachments.filter((f) => f.name.startsWith("pasted text")).length + 1;
    this.attachments.push({ name: `pasted text ${n}.txt`, text });
    this.drawChips();
    this.changed();
  }

  async attachFiles(files) {
    for (const file of files) {
      try {
        this.attachments.push(await readTextFile(file));
      } catch (e) {
        this.handlers.onError(e.message);
      }
    }
    this.fileInput.value = "";
    this.drawChips();
    this.changed();
  }

  drawChips() {
    this.chips.replaceChildren();
    this.attachments.forEach((file, index) => {
      const chip = document.createElement("span");
      chip.className = "attachment-chip";
      chip.textContent = `${file.name} (${Array.from(file.text).length.toLocaleString()} characters)`;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.dataset.remove = String(index);
      remove.append(icon("close"));
      remove.setAttribute("aria-label", `Remove ${file.name}`);
      chip.prepend(icon("file"));
      chip.append(remove);
      this.chips.append(chip);
    });
  }

  changed() {
    this.area.style.height = "auto";
    this.area.style.height = `${Math.min(this.area.scrollHeight, 240)}px`;
    this.handlers.onChange();
  }

  submit() {
    if (this.generating || this.isEmpty()) return;
    this.handlers.onSend();
  }

  isEmpty() {
    return !this.area.value.trim() && this.attachments.length === 0;
  }

  // The user message being written: {role, content, attachments}.
  draft() {
    const message = { role: "user", content: this.area.value.trim() };
    if (this.attachments.length) message.attachments = this.attachments.map((f) => ({ ...f }));
    return message;
  }

  clear() {
    this.area.value = "";
    this.attachments = [];
    this.drawChips();
    this.changed();
  }

  setGenerating(generating) {
    this.generating = generating;
    this.stopButton.hidden = !generating;
    this.sendButton.hidden = generating;
    if (!generating) this.area.focus();
  }

  focus() {
    this.area.focus();
  }
}
