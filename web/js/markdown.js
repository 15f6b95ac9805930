// Model text to safe HTML: Markdown by marked, code by highlight.js, TeX by KaTeX, and
// everything through DOMPurify last, since a model's output is as untrusted as any input.
// The libraries are Debian's, embedded in yak and loaded as globals before this module.

/* global marked, hljs, katex, DOMPurify */

function renderTex(tex, displayMode) {
  return katex.renderToString(tex, { displayMode, throwOnError: false, output: "htmlAndMathml" });
}

// $$…$$ and \[…\] as blocks; $…$ and \(…\) inline. A lone "$5" is money, not math: inline $
// needs a non-space right after the opening and right before the closing dollar.
const mathExtensions = [
  {
    name: "blockMath",
    level: "block",
    start(src) {
      const m = src.match(/\$\$|\\\[/);
      return m ? m.index : undefined;
    },
    tokenizer(src) {
      const m = /^\$\$([\s\S]+?)\$\$/.exec(src) || /^\\\[([\s\S]+?)\\\]/.exec(src);
      if (m) return { type: "blockMath", raw: m[0], text: m[1].trim() };
      return undefined;
    },
    renderer(token) {
      return `<div class="math-block">${renderTex(token.text, true)}</div>`;
    },
  },
  {
    name: "inlineMath",
    level: "inline",
    start(src) {
      const m = src.match(/\$|\\\(/);
      return m ? m.index : undefined;
    },
    tokenizer(src) {
      const m = /^\$\$([^$]+?)\$\$/.exec(src) || /^\$(?=\S)([^$\n]*?\S)\$(?!\d)/.exec(src) ||
                /^\\\(([\s\S]+?)\\\)/.exec(src);
      if (m) return { type: "inlineMath", raw: m[0], text: m[1], display: m[0].startsWith("$$") };
      return undefined;
    },
    renderer(token) {
      return renderTex(token.text, token.display);
    },
  },
];

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function highlighted(code, language) {
  try {
    if (language && hljs.getLanguage(language)) return hljs.highlight(language, code, true).value;
    if (code.length < 20000) return hljs.highlightAuto(code).value;
  } catch {
    // an unknown grammar state: plain text is still correct
  }
  return escapeHtml(code);
}

const renderer = {
  code(code, infostring) {
    const language = (infostring || "").trim().split(/\s+/)[0].toLowerCase();
    const label = language || "text";
    return `<div class="code-block"><div class="code-head"><span class="code-lang">${escapeHtml(label)}</span>` +
           `<button type="button" class="copy-code" data-action="copy-code" aria-label="Copy the ${escapeHtml(label)} code">Copy</button></div>` +
           `<pre><code class="hljs${language ? ` language-${escapeHtml(language)}` : ""}">${highlighted(code, language)}</code></pre></div>`;
  },
  // A remote image would be a request to another host, made just by showing an answer; the
  // page offers the link instead.
  image(href, title, text) {
    const label = escapeHtml(text || href || "image");
    return href ? `<a href="${escapeHtml(href)}" class="image-link">[image: ${label}]</a>` : label;
  },
  table(header, body) {
    return `<div class="table-wrap"><table><thead>${header}</thead><tbody>${body}</tbody></table></div>`;
  },
};

marked.use({ extensions: mathExtensions, renderer, gfm: true, breaks: false });

const FORBIDDEN_TAGS = ["style", "form", "input", "textarea", "select", "option", "iframe",
  "frame", "object", "embed", "img", "picture", "source", "video", "audio", "link", "meta",
  "base", "dialog"];

// Style attributes carry KaTeX's layout; a url() or @import in one would fetch from anywhere.
DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
  if (data.attrName === "style" && /url\s*\(|@import|expression\s*\(/i.test(data.attrValue)) {
    data.keepAttr = false;
  }
});
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

export function renderMarkdown(text) {
  const html = marked.parse(text);
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: FORBIDDEN_TAGS,
    ADD_ATTR: ["target"],
    FORBID_ATTR: ["srcset", "formaction", "action", "background", "poster", "ping"],
  });
}
