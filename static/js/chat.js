// The chat page without reloads: the form posts JSON to /api/ask, shows a progress state while the papers
// are searched and read, then appends the answer. Without JavaScript the form posts as a plain page.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  if (!form || !window.fetch) return;
  var turns = document.getElementById("turns");
  var box = document.getElementById("question");
  var message = document.getElementById("chat-message");
  var button = form.querySelector("button[type=submit]");
  var conversations = document.getElementById("conversation-list");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function paperUrl(arxivId) {
    return "/papers/" + arxivId;
  }

  // One entry per cited paper, with its quote(s); [n] in the short answer numbers these entries.
  function renderAnswer(container, data, turnKey) {
    container.textContent = "";
    container.className = "turn-answer" + (data.abstained ? " abstained" : "");
    if (data.abstained) {
      container.appendChild(el("p", "answer-text", data.answer));
    } else if (data.short_answer) {
      var p = el("p", "short-answer tex");
      p.appendChild(el("strong", "", data.short_answer));
      container.appendChild(p);
    }
    if (data.citations.length) {
      var list = el("ol", "citations");
      data.citations.forEach(function (c, i) {
        var li = el("li", "cited-paper");
        li.id = turnKey + "-cite-" + (i + 1);
        var head = el("p", "cited-head");
        head.appendChild(el("span", "cite-number", "[" + (i + 1) + "]"));
        head.appendChild(document.createTextNode(" "));
        var a = el("a", "citation tex", c.title);
        a.href = paperUrl(c.arxiv_id);
        head.appendChild(a);
        head.appendChild(document.createTextNode(" "));
        head.appendChild(el("span", "arxiv-id", "arXiv:" + c.arxiv_id));
        li.appendChild(head);
        (c.quotes || [c.quote]).forEach(function (quote) {
          var q = el("blockquote", "quote tex");
          if (data.abstained) q.textContent = quote;
          else q.appendChild(el("mark", "", quote));
          li.appendChild(q);
        });
        list.appendChild(li);
      });
      container.appendChild(list);
    }
    if (window.physlitTex) container.querySelectorAll(".tex").forEach(window.physlitTex);  // math.js
  }

  // The conversation list is the server's fragment (the same template and dates as the page), fetched again
  // after each answer, with the current conversation marked.
  function refreshConversations(key) {
    if (!conversations) return;
    fetch(conversations.dataset.url, { headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        conversations.innerHTML = html;
        conversations.querySelectorAll("li").forEach(function (item) {
          var link = item.querySelector("a");
          if (link && link.getAttribute("href") === "/chat/" + key) item.setAttribute("aria-current", "true");
        });
      })
      .catch(function () { /* the list stays as it was; the answer is shown */ });
  }

  form.addEventListener("submit", function (event) {
    var question = box.value.trim();
    if (!question) return; // the browser's own "required" message
    event.preventDefault();
    message.hidden = true;
    var conversation = form.dataset.conversation || null;
    var turnKey = "turn-pending-" + Date.now();
    var li = el("li", "turn");
    li.id = turnKey;
    li.appendChild(el("p", "turn-question", question));
    var answer = el("div", "turn-answer pending");
    var status = el("p", "progress", "Searching the papers and reading their abstracts…");
    status.setAttribute("role", "status");
    answer.appendChild(status);
    li.appendChild(answer);
    turns.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    var started = Date.now();
    var timer = setInterval(function () {
      status.textContent = "Searching the papers and reading their abstracts… " +
        Math.round((Date.now() - started) / 1000) + " s";
    }, 500);
    button.disabled = true;
    box.value = "";
    box.style.height = "";

    fetch(form.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ question: question, conversation: conversation }),
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result.ok) throw new Error(result.data.error || "the question could not be answered");
        var data = result.data;
        renderAnswer(answer, data, turnKey);
        form.dataset.conversation = data.conversation;
        form.action = "/chat/" + data.conversation;
        if (window.history && window.location.pathname !== "/chat/" + data.conversation) {
          window.history.replaceState(null, "", "/chat/" + data.conversation);
        }
        refreshConversations(data.conversation);
      })
      .catch(function (error) {
        turns.removeChild(li);
        box.value = question;
        message.textContent = "Sorry: " + error.message + ".";
        message.hidden = false;
      })
      .then(function () {
        clearInterval(timer);
        button.disabled = false;
        box.focus();
      });
  });
})();
