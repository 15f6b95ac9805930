// navigator.clipboard exists only in secure contexts (https, localhost); a page opened from
// another machine over plain http falls back to a selected, off-screen textarea.

export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // permission refused: try the old way
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.left = "-9999px";
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } finally {
    area.remove();
  }
  return copied;
}

// Says "Copied" on the button for a moment, so a keyboard or screen-reader user hears it too.
export async function copyWithFeedback(button, text) {
  const label = button.textContent;
  const copied = await copyText(text);
  button.textContent = copied ? "Copied" : "Copy failed";
  setTimeout(() => { button.textContent = label; }, 1500);
}
