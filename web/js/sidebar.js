// The list of conversations: open, rename, delete, search; on a narrow screen it is a drawer
// over the chat, closed by Escape, the scrim or choosing a conversation.

import { displayTitle, matches } from "./conversation.js";
import { icon } from "./icons.js";

const NARROW = window.matchMedia("(max-width: 768px)");

export class Sidebar {
  // handlers: onOpen(id), onNew(), onRename(id), onDelete(id).
  constructor(handlers) {
    this.handlers = handlers;
    this.panel = document.getElementById("sidebar");
    this.list = document.getElementById("conversation-list");
    this.search = document.getElementById("search");
    this.scrim = document.getElementById("scrim");
    this.toggle = document.getElementById("open-sidebar");
    this.conversations = [];
    this.currentId = null;
    this.search.addEventListener("input", () => this.draw());
    this.list.addEventListener("click", (event) => this.onClick(event));
    document.getElementById("new-chat").addEventListener("click", () => {
      this.handlers.onNew();
      this.close();
    });
    this.toggle.addEventListener("click", () => this.open());
    document.getElementById("close-sidebar").addEventListener("click", () => this.close());
    this.scrim.addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
  }

  show(conversations, currentId) {
    this.conversations = conversations;
    this.currentId = currentId;
    this.draw();
  }

  draw() {
    const query = this.search.value.trim();
    const shown = this.conversations.filter((c) => c.messages.length && matches(c, query));
    this.list.replaceChildren();
    if (!shown.length) {
      const empty = document.createElement("li");
      empty.className = "list-empty";
      empty.textContent = query ? "No conversation matches." : "No conversations yet.";
      this.list.append(empty);
      return;
    }
    for (const conversation of shown) this.list.append(this.item(conversation));
  }

  item(conversation) {
    const title = displayTitle(conversation);
    const li = document.createElement("li");
    li.className = "conversation";
    li.dataset.id = conversation.id;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "conversation-open";
    open.dataset.action = "open";
    open.textContent = title;
    open.title = title;
    if (conversation.id === this.currentId) {
      li.classList.add("current");
      open.setAttribute("aria-current", "true");
    }
    const rename = document.createElement("button");
    rename.type = "button";
    rename.className = "icon small";
    rename.dataset.action = "rename";
    rename.append(icon("pencil"));
    rename.setAttribute("aria-label", `Rename “${title}”`);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "icon small";
    remove.dataset.action = "delete";
    remove.append(icon("trash"));
    remove.setAttribute("aria-label", `Delete “${title}”`);
    li.append(open, rename, remove);
    return li;
  }

  onClick(event) {
    const target = event.target.closest("button[data-action]");
    if (!target) return;
    const id = target.closest("li").dataset.id;
    if (target.dataset.action === "open") {
      this.handlers.onOpen(id);
      this.close();
    } else if (target.dataset.action === "rename") {
      this.handlers.onRename(id);
    } else if (target.dataset.action === "delete") {
      this.handlers.onDelete(id);
    }
  }

  open() {
    this.panel.classList.add("open");
    this.scrim.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    this.search.focus();
  }

  close() {
    if (!this.panel.classList.contains("open")) return;
    this.panel.classList.remove("open");
    this.scrim.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
    if (NARROW.matches) this.toggle.focus();
  }
}
