// Renders the TeX in elements marked .tex with KaTeX's auto-render (both loaded, deferred, before this file).
// Only .tex elements: the rest of the page (forms, ids, notices) is never read as math.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof renderMathInElement === "function") {
    var options = {
      // Longest delimiters first, so "$$" is not read as two empty "$" formulas.
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false },
      ],
      throwOnError: false,
    };
    document.querySelectorAll(".tex").forEach(function (element) {
      renderMathInElement(element, options);
    });
  }
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
