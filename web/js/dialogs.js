// Modal questions on one <dialog>: its focus trap, Escape and backdrop come from the browser,
// which a hand-made overlay would have to imitate.

const dialog = () => document.getElementById("dialog");

function ask({ title, text = "", input = null, confirmLabel = "OK", danger = false }) {
  const d = dialog();
  d.querySelector("#dialog-title").textContent = title;
  d.querySelector("#dialog-text").textContent = text;
  const field = d.querySelector("#dialog-field");
  const label = d.querySelector("#dialog-label");
  field.hidden = !input;
  if (input) {
    label.textContent = input.label;
    const box = d.querySelector("#dialog-input");
    box.type = input.type || "text";
    box.value = input.value || "";
    box.autocomplete = input.type === "password" ? "current-password" : "off";
  }
  const confirm = d.querySelector("#dialog-confirm");
  confirm.textContent = confirmLabel;
  confirm.classList.toggle("danger", danger);
  return new Promise((resolve) => {
    const done = () => {
      d.removeEventListener("close", done);
      const accepted = d.returnValue === "confirm";
      resolve(accepted ? (input ? d.querySelector("#dialog-input").value : true) : null);
    };
    d.addEventListener("close", done);
    d.returnValue = "";
    d.showModal();
    if (input) {
      const box = d.querySelector("#dialog-input");
      box.focus();
      box.select();
    } else {
      confirm.focus();
    }
  });
}

export function askText(title, label, value, confirmLabel = "Save") {
  return ask({ title, input: { label, value }, confirmLabel });
}

export async function askConfirm(title, text, confirmLabel) {
  return (await ask({ title, text, confirmLabel, danger: true })) === true;
}

export function askKey(reason) {
  return ask({
    title: "API key",
    text: reason,
    input: { label: "The server's API key", type: "password", value: "" },
    confirmLabel: "Use this key",
  });
}
