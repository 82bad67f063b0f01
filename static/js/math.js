// Renders the TeX in elements marked .tex with KaTeX's auto-render (both loaded, deferred, before this file).
// Only .tex elements: the rest of the page (forms, ids, notices) is never read as math.

// Authors' own macros (\Bz, \pip) are unknown to KaTeX, which would set them as red source. Before a formula
// is rendered, each unknown macro it uses is defined as its name set upright (\Bz -> Bz), for the whole page.
function unknownMacrosDefine(math, macros) {
  for (var tries = 0; tries < 20; tries++) {
    try {
      katex.renderToString(math, { throwOnError: true, macros: macros });
      return;
    } catch (exc) {
      var unknown = /Undefined control sequence: (\\[A-Za-z@]+)/.exec(exc.message || "");
      if (!unknown) return;  // another error: auto-render leaves the formula as its plain source text
      macros[unknown[1]] = "\\mathrm{" + unknown[1].slice(1) + "}";
    }
  }
}

// Text-mode TeX outside the formulas: \% \_ \& \# \$ as the characters, and a tie ~ between words (Fig.~1)
// as a non-breaking space; a ~ after a slash or before a space (a URL's /~user, "~10 GeV") stays.
function textEscapesRender(element) {
  var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  var nodes = [];
  while (walker.nextNode()) {
    if (!walker.currentNode.parentElement.closest(".katex")) nodes.push(walker.currentNode);
  }
  nodes.forEach(function (node) {
    var text = node.nodeValue.replace(/\\([%_&#$])/g, "$1").replace(/([^\s\/])~(?=\S)/g, "$1\u00a0");
    if (text !== node.nodeValue) node.nodeValue = text;
  });
}

var texOptions = {
  // Longest delimiters first, so "$$" is not read as two empty "$" formulas.
  delimiters: [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false },
  ],
  // A formula that still fails stays as its source text, in the text's own colour (not KaTeX's red).
  throwOnError: true,
  errorCallback: function () {},
  macros: {},
  preProcess: function (math) {
    unknownMacrosDefine(math, texOptions.macros);
    return math;
  },
};

// One element's TeX: its formulas by KaTeX, then the text-mode escapes around them. Scripts that add content
// after the page loaded (the chat's answers, the saved searches' new papers) call it as window.physlitTex.
function texRender(element) {
  if (typeof renderMathInElement !== "function") return;
  renderMathInElement(element, texOptions);
  textEscapesRender(element);
}
window.physlitTex = texRender;

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".tex").forEach(texRender);
});

// Small page helpers: copy buttons, and a query box that grows with a pasted abstract.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent).then(function () { button.textContent = "Copied"; });
      }
    });
  });
  document.querySelectorAll("textarea[data-grow]").forEach(function (area) {
    var grow = function () { area.style.height = "auto"; area.style.height = Math.min(area.scrollHeight + 2, 320) + "px"; };
    area.addEventListener("input", grow);
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); area.form.requestSubmit(); }
    });
    grow();
  });
});
