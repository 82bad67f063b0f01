// Saved searches, kept in this browser only (localStorage; no account): a "Save search" button on results and
// category pages, and on the home page the papers new in each saved search since the last visit, read from
// the search's own Atom feed (/feeds/...), which lists its newest matches.
(function () {
  var SAVED = "physlit.saved";          // [{feed, page, label}], newest saved first
  var LAST_VISIT = "physlit.lastVisit"; // "YYYY-MM-DD" of the last page view
  var SINCE = "physlit.since";          // sessionStorage: the last visit before this session began
  var SHOW_NEW = 5;

  function read(key) {
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return Array.isArray(value) ? value : [];
    } catch (e) { return []; }
  }
  function saved() { return read(SAVED).filter(function (s) { return s && s.feed; }); }
  function store(list) { localStorage.setItem(SAVED, JSON.stringify(list)); }
  function isSaved(feed) { return saved().some(function (s) { return s.feed === feed; }); }

  // The page that shows a feed's papers, and a label, from the feed URL alone.
  function describe(feed, label) {
    var url = new URL(feed, location.origin);
    var category = url.pathname.match(/^\/feeds\/category\/(.+)\.atom$/);
    if (category) {
      var name = decodeURIComponent(category[1]);
      return { feed: feed, page: "/?category=" + encodeURIComponent(name), label: label || "newest in " + name };
    }
    var p = url.searchParams;
    var parts = [p.get("q") || ""];
    if (p.get("category")) parts.push("in " + p.get("category"));
    if (p.get("author")) parts.push("by " + p.get("author"));
    if (p.get("date_from")) parts.push("from " + p.get("date_from"));
    if (p.get("date_to")) parts.push("to " + p.get("date_to"));
    if (p.get("mode")) parts.push("(" + p.get("mode") + ")");
    return { feed: feed, page: "/?" + p.toString(), label: label || parts.join(" ") };
  }

  // The last visit before this browser session: a reload keeps showing the same new papers.
  function visitSince() {
    var since = sessionStorage.getItem(SINCE);
    if (since === null) {
      since = localStorage.getItem(LAST_VISIT) || "";
      sessionStorage.setItem(SINCE, since);
    }
    localStorage.setItem(LAST_VISIT, new Date().toISOString().slice(0, 10));
    return since;
  }

  function element(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function link(href, text, className) {
    var a = element("a", className, text);
    a.href = href;
    return a;
  }

  function setupSaveButtons() {
    document.querySelectorAll("[data-follow]").forEach(function (box) {
      var button = box.querySelector("[data-save-search]");
      var feed = box.getAttribute("data-feed");
      var show = function () {
        var on = isSaved(feed);
        button.textContent = on ? "Saved ✓ (remove)" : "Save search";
        button.setAttribute("aria-pressed", on ? "true" : "false");
      };
      button.addEventListener("click", function () {
        var others = saved().filter(function (s) { return s.feed !== feed; });
        if (!isSaved(feed)) others.unshift(describe(feed, box.getAttribute("data-label")));
        store(others);
        show();
      });
      button.hidden = false;
      show();
    });
  }

  // Entries of an Atom document published on or after `since` ("YYYY-MM-DD"; "" for none).
  function newEntries(xml, since) {
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    var found = [];
    Array.prototype.forEach.call(doc.getElementsByTagName("entry"), function (entry) {
      var published = (entry.getElementsByTagName("published")[0] || {}).textContent || "";
      var href = entry.querySelector("link[rel=alternate]") || entry.getElementsByTagName("link")[0];
      if (since && published.slice(0, 10) >= since) {
        found.push({
          title: (entry.getElementsByTagName("title")[0] || {}).textContent || "(untitled)",
          href: href ? href.getAttribute("href") : "#",
          date: published.slice(0, 10),
        });
      }
    });
    return found;
  }

  function showSavedSearches(since) {
    var section = document.querySelector("[data-saved-searches]");
    var list = saved();
    if (!section || !list.length) return;
    section.hidden = false;
    section.querySelector("[data-saved-since]").textContent = since
      ? "Papers first submitted since your last visit (" + since + "):"
      : "Your first visit from this browser: new papers show here from your next visit on.";
    var ul = section.querySelector(".saved-list");
    ul.textContent = "";
    list.forEach(function (search) {
      var li = element("li", "saved");
      var head = element("div", "saved-head");
      head.appendChild(link(search.page, search.label, "saved-label"));
      var status = element("span", "hint saved-count", "…");
      head.appendChild(status);
      head.appendChild(link(search.feed, "Atom feed", "feed-link"));
      var remove = element("button", "copy", "Remove");
      remove.type = "button";
      remove.addEventListener("click", function () {
        store(saved().filter(function (s) { return s.feed !== search.feed; }));
        li.remove();
        if (!saved().length) section.hidden = true;
      });
      head.appendChild(remove);
      li.appendChild(head);
      ul.appendChild(li);
      fetch(search.feed, { headers: { Accept: "application/atom+xml" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (xml) {
          var entries = newEntries(xml, since);
          status.textContent = since ? entries.length + " new" : "";
          if (!entries.length) return;
          var papers = element("ul", "saved-new");
          entries.slice(0, SHOW_NEW).forEach(function (e) {
            var item = element("li");
            item.appendChild(link(e.href, e.title, "tex"));
            item.appendChild(element("span", "hint", e.date));
            papers.appendChild(item);
          });
          if (entries.length > SHOW_NEW) {
            papers.appendChild(element("li")).appendChild(link(search.page, "and " + (entries.length - SHOW_NEW) + " more"));
          }
          li.appendChild(papers);
          if (window.physlitTex) window.physlitTex(papers);  // titles' TeX, as on the rest of the page (math.js)
        })
        .catch(function () { status.textContent = "could not be checked just now"; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var since;
    try { since = visitSince(); } catch (e) { return; }  // storage disabled: nothing to save or show
    setupSaveButtons();
    showSavedSearches(since);
  });
})();
