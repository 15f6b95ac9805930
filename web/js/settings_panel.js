// The current conversation's settings: system prompt, sampling, and JSON mode (answers held
// to valid JSON by the server's grammar, response_format json_object).

const FIELDS = [
  { id: "system-prompt", key: "system", read: (el) => el.value },
  { id: "temperature", key: "temperature", read: (el) => clamp(el, 0, 2) },
  { id: "top-p", key: "top_p", read: (el) => clamp(el, 0, 1) },
  { id: "max-tokens", key: "max_tokens", read: (el) => Math.max(0, Math.floor(Number(el.value) || 0)) },
  { id: "json-mode", key: "json_mode", read: (el) => el.checked },
];

function clamp(el, low, high) {
  const value = Number(el.value);
  if (!Number.isFinite(value) || el.value === "") return Number(el.defaultValue) || low;
  return Math.min(high, Math.max(low, value));
}

export class SettingsPanel {
  // onChange(settings) runs after any field changes.
  constructor(onChange) {
    this.panel = document.getElementById("settings");
    this.button = document.getElementById("settings-button");
    this.onChange = onChange;
    this.settings = null;
    this.button.addEventListener("click", () => this.setOpen(this.panel.hidden));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.setOpen(false);
        this.button.focus();
      }
    });
    for (const field of FIELDS) {
      const el = document.getElementById(field.id);
      el.addEventListener("change", () => {
        if (!this.settings) return;
        this.settings[field.key] = field.read(el);
        this.onChange(this.settings);
      });
    }
  }

  setOpen(open) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) document.getElementById("system-prompt").focus();
  }

  show(settings) {
    this.settings = settings;
    for (const field of FIELDS) {
      const el = document.getElementById(field.id);
      if (el.type === "checkbox") el.checked = Boolean(settings[field.key]);
      else el.value = field.key === "max_tokens" && !settings.max_tokens ? "" : settings[field.key];
    }
  }
}
