// The corpus map: draws /api/map's points on a <canvas>, one colour per primary archive (legend beside it).
// Pointing at a dot shows its paper's title (fetched once from /api/papers/<id>); clicking opens the paper.
// When done, the container carries data-points (points drawn) for tests and scripts.
(function () {
  "use strict";
  var box = document.getElementById("corpus-map");
  if (!box || !window.fetch) return;
  var canvas = document.getElementById("map-canvas");
  var legend = document.getElementById("map-legend");
  var tip = document.getElementById("map-tip");
  var ctx = canvas.getContext("2d");
  // Twelve colours that stay apart for the common colour-vision deficiencies (Tableau and Okabe-Ito).
  var PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                 "#9c755f", "#0072b2", "#d55e00", "#009e73"];
  var OTHER = "#bab0ac";
  var PAD = 12;
  var RADIUS = 2.5;
  var points = [];
  var titles = {};
  var hovered = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function draw(data) {
    // Draw at the size shown, in device pixels, keeping the canvas's aspect ratio.
    var ratio = window.devicePixelRatio || 1;
    var aspect = canvas.height / canvas.width;
    canvas.width = Math.round((canvas.clientWidth || canvas.width) * ratio);
    canvas.height = Math.round(canvas.width * aspect);
    var radius = RADIUS * ratio;
    var colours = {};
    Object.keys(data.archives).forEach(function (name, i) {
      colours[name] = i < PALETTE.length ? PALETTE[i] : OTHER;
    });
    var xs = data.points.map(function (p) { return p.x; });
    var ys = data.points.map(function (p) { return p.y; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var scale = Math.min((canvas.width - 2 * PAD) / (maxX - minX || 1), (canvas.height - 2 * PAD) / (maxY - minY || 1));
    points = data.points.map(function (p) {
      return {
        id: p.arxiv_id,
        archive: p.archive,
        colour: colours[p.archive],
        px: PAD + (p.x - minX) * scale,
        py: canvas.height - PAD - (p.y - minY) * scale,
      };
    });
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.globalAlpha = 0.75;
    points.forEach(function (p) {
      ctx.fillStyle = p.colour;
      ctx.beginPath();
      ctx.arc(p.px, p.py, radius, 0, 2 * Math.PI);
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    legend.textContent = "";
    Object.keys(data.archives).forEach(function (name) {
      var item = el("li");
      item.dataset.archive = name;
      var swatch = el("span", "swatch");
      swatch.style.background = colours[name];
      item.appendChild(swatch);
      item.appendChild(el("span", "name", name));
      item.appendChild(el("span", "n", String(data.archives[name])));
      legend.appendChild(item);
    });
    box.dataset.points = String(points.length);
  }

  // The nearest point within a few pixels of a mouse event, or null.
  function pointAt(event) {
    var rect = canvas.getBoundingClientRect();
    var x = (event.clientX - rect.left) * (canvas.width / rect.width);
    var y = (event.clientY - rect.top) * (canvas.height / rect.height);
    var best = null, bestD = 36; // squared canvas pixels: 6 px
    points.forEach(function (p) {
      var d = (p.px - x) * (p.px - x) + (p.py - y) * (p.py - y);
      if (d < bestD) { best = p; bestD = d; }
    });
    return best;
  }

  function showTip(p) {
    if (!p) { tip.textContent = "\u00a0"; return; }
    var title = titles[p.id];
    tip.textContent = p.id + " · " + p.archive + (title ? " — " + title : "");
    if (title !== undefined) return;
    titles[p.id] = null; // asked once
    fetch(box.dataset.apiPaperUrl + p.id, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (paper) {
        titles[p.id] = paper ? paper.title : "";
        if (hovered === p) showTip(p);
      })
      .catch(function () { titles[p.id] = ""; });
  }

  canvas.addEventListener("mousemove", function (event) {
    var p = pointAt(event);
    if (p === hovered) return;
    hovered = p;
    canvas.style.cursor = p ? "pointer" : "crosshair";
    showTip(p);
  });
  canvas.addEventListener("click", function (event) {
    var p = pointAt(event);
    if (p) window.location.href = box.dataset.paperUrl + p.id;
  });

  fetch(box.dataset.api, { headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("the map is not available (" + r.status + ")");
      return r.json();
    })
    .then(draw)
    .catch(function (err) {
      tip.textContent = String(err.message || err);
      box.dataset.points = "0";
    });
})();
