// Keyboard: "/" focuses the search box; "j" / "k" move through the listed papers (highlighted and focused);
// Enter opens the focused one. Keys typed into a field, or with a modifier, are left alone.
// Forms marked data-clean-url send only what is set: empty fields and defaults are left out of the URL.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-clean-url]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (field) {
        var fallback = field.getAttribute("data-default");
        if (field.value.trim() === "" || (fallback !== null && field.value === fallback)) field.disabled = true;
      });
      // Re-enabled after the browser read the form, so "back" shows the fields as they were.
      setTimeout(function () {
        form.querySelectorAll(":disabled").forEach(function (field) { field.disabled = false; });
      }, 0);
    });
  });

  var items = Array.prototype.slice.call(document.querySelectorAll("ol.papers > li"));
  var current = -1;
  function move(step) {
    if (!items.length) return;
    if (current >= 0) items[current].classList.remove("kbd-focus");
    current = current < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(Math.max(current + step, 0), items.length - 1);
    var item = items[current];
    item.classList.add("kbd-focus");
    item.setAttribute("tabindex", "-1");
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    if (event.key === "/") {
      var box = document.querySelector("form.search textarea[name=q]");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    } else if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
    } else if (event.key === "Enter" && current >= 0 && target === items[current]) {
      var link = items[current].querySelector(".paper-title a");
      if (link) { event.preventDefault(); link.click(); }
    }
  });
});
