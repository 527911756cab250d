// shipshape default theme: the full navigation tree, theme toggle, copy
// buttons and search. Everything here is an enhancement: pages are complete
// without it.
(function () {
  "use strict";
  var root = document.documentElement;
  var rel = document.body.getAttribute("data-rel") || "";

  // --- theme: follow the system until the reader chooses; remember it ---
  var toggle = document.getElementById("theme-toggle");
  function effective() {
    var t = root.getAttribute("data-theme");
    if (t) return t;
    return window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  function pressed() { if (toggle) toggle.setAttribute("aria-pressed", effective() === "dark" ? "true" : "false"); }
  pressed();
  if (window.matchMedia) {
    var mq = matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) mq.addEventListener("change", pressed);
  }
  if (toggle) toggle.addEventListener("click", function () {
    var next = effective() === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("shipshape-theme", next); } catch (e) {}
    pressed();
  });

  // --- inline code breaks at spaces only, never after a hyphen ---
  document.querySelectorAll(".content :not(pre) > code").forEach(function (c) {
    if (c.children.length || c.textContent.indexOf("-") < 0) return;
    var parts = c.textContent.split(/( +)/);
    c.textContent = "";
    parts.forEach(function (p) {
      if (!p) return;
      if (/^ +$/.test(p)) { c.appendChild(document.createTextNode(p)); return; }
      var s = document.createElement("span");
      s.className = "nw";
      s.textContent = p;
      c.appendChild(s);
    });
  });

  // --- navigation: swap the partial sidebar for the whole tree ---
  var sidebar = document.getElementById("sidebar");
  if (sidebar && window.fetch && location.protocol !== "file:") {
    fetch(rel + "nav.html").then(function (r) { return r.ok ? r.text() : null; }).then(function (h) {
      if (!h) return;
      var tpl = document.createElement("template");
      tpl.innerHTML = h;
      var here = location.pathname.replace(/index\.html$/, "");
      tpl.content.querySelectorAll("a").forEach(function (a) {
        a.setAttribute("href", rel + a.getAttribute("href"));
        var u = new URL(a.getAttribute("href"), location.href);
        if (u.pathname.replace(/index\.html$/, "") === here) a.setAttribute("aria-current", "page");
      });
      var sec = document.body.getAttribute("data-section") || "";
      tpl.content.querySelectorAll("details[data-sec]").forEach(function (d) {
        var s = d.getAttribute("data-sec");
        if (sec === s || sec.indexOf(s + "/") === 0) {
          d.open = true;
          if (sec === s) d.querySelector("summary").classList.add("current");
        }
      });
      sidebar.replaceChildren(tpl.content);
      var cur = sidebar.querySelector('[aria-current="page"]');
      if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
    }).catch(function () {});
  }

  // --- ← and → go to the previous and next page, as in mdBook ---
  document.addEventListener("keydown", function (e) {
    if ((e.key !== "ArrowLeft" && e.key !== "ArrowRight") || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var a = document.querySelector(e.key === "ArrowLeft" ? ".pager a.prev" : ".pager a.next");
    if (a) location.href = a.href;
  });

  // --- heading anchors: a link to copy next to each heading ---
  document.querySelectorAll(".content h2[id], .content h3[id], .content h4[id]").forEach(function (h) {
    var a = document.createElement("a");
    a.className = "anchor";
    a.href = "#" + encodeURIComponent(h.id);
    a.setAttribute("aria-label", "Link to this section");
    a.textContent = "#";
    h.appendChild(a);
  });

  // --- table of contents: mark the section being read: the last heading
  // above the top of the window (or, at the very bottom of the page, the
  // last one on screen), recomputed on every scroll so that a long section
  // keeps its own entry marked ---
  var tocLinks = document.querySelectorAll("aside.toc a");
  if (tocLinks.length) {
    var byID = {};
    tocLinks.forEach(function (a) { byID[decodeURIComponent(a.getAttribute("href").slice(1))] = a; });
    var heads = Array.prototype.filter.call(document.querySelectorAll(".content h2[id], .content h3[id]"), function (h) { return byID[h.id]; });
    var pending = false;
    var markTOC = function () {
      pending = false;
      var cur = null, edge = 110;
      var bottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      heads.forEach(function (h) {
        var top = h.getBoundingClientRect().top;
        if (top <= edge || (bottom && top < window.innerHeight)) cur = h;
      });
      tocLinks.forEach(function (a) { a.classList.remove("active"); a.removeAttribute("aria-current"); });
      if (cur) { byID[cur.id].classList.add("active"); byID[cur.id].setAttribute("aria-current", "location"); }
    };
    var schedule = function () { if (!pending) { pending = true; requestAnimationFrame(markTOC); } };
    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule);
    window.addEventListener("hashchange", schedule);
    markTOC();
  }

  // --- copy buttons: commands without prompts or output ---
  function copy(text, btn) {
    function done() {
      btn.textContent = "Copied";
      btn.classList.add("done");
      setTimeout(function () { btn.textContent = "Copy"; btn.classList.remove("done"); }, 1500);
    }
    btn.setAttribute("data-copied", text);
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else {
      fallback(text);
      done();
    }
  }
  function fallback(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } catch (e) {}
    ta.remove();
  }
  document.querySelectorAll("figure.code").forEach(function (fig) {
    var cap = fig.querySelector("figcaption");
    var pre = fig.querySelector("pre");
    if (!cap || !pre) return;
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "copy";
    btn.textContent = "Copy";
    btn.setAttribute("aria-label", "Copy code");
    btn.addEventListener("click", function () {
      var t = fig.getAttribute("data-copy");
      copy(t !== null ? t : pre.textContent, btn);
    });
    cap.appendChild(btn);
  });

  // --- search: fetch only the index chunks a query needs ---
  var input = document.getElementById("search-input");
  var box = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!input || !box) return;
  function show(open) {
    box.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) input.removeAttribute("aria-activedescendant");
  }
  function say(s) { if (status) status.textContent = s; }
  // words() splits text exactly as tokens() in internal/site/search.go does
  var STOP = {};
  "an and are as at be but by for has have if in into is it its of or that the their then there these this to was were will with you your".split(" ").forEach(function (w) { STOP[w] = true; });
  var cache = {};
  function getJSON(u) {
    if (!cache[u]) cache[u] = fetch(u).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
    return cache[u];
  }
  var AN = /^[\p{L}\p{N}]$/u, ASCII = /^[A-Za-z0-9]$/;
  function words(s) {
    var out = [], buf = "", flag = false, under = false, cs = Array.from(s);
    function push(w) { if (out.indexOf(w) < 0) out.push(w); }
    function emit() {
      buf = buf.replace(/_+$/, "");
      under = under && buf.indexOf("_") >= 0;
      var n = Array.from(buf).length;
      if (flag || under) {
        if (n >= 4) push(buf);
        (flag ? buf.slice(2) : buf).split(/[_-]/).forEach(function (p) { if (Array.from(p).length >= 2 && !STOP[p]) push(p); });
      } else if (n >= 2 && !STOP[buf]) push(buf);
      buf = ""; flag = under = false;
    }
    for (var i = 0; i < cs.length; i++) {
      var c = cs[i];
      if (AN.test(c)) buf += c.toLowerCase();
      else if (c === "_" && buf) { buf += c; under = true; }
      else if (c === "-" && !buf && cs[i + 1] === "-" && ASCII.test(cs[i + 2] || "") && !(ASCII.test(cs[i - 1] || "") || cs[i - 1] === "-")) { buf = "--"; flag = true; i++; }
      else if (c === "-" && flag && ASCII.test(cs[i + 1] || "")) buf += c;
      else emit();
    }
    emit();
    return out;
  }
  function key(t) {
    var k = Array.from(t).slice(0, 3).join("");
    if (/^[a-z0-9]+$/.test(k)) return k;
    return "x" + Array.from(new TextEncoder().encode(k), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function ids(s) {
    var out = [], p = 0;
    if (!s) return out;
    s.split(".").forEach(function (x) { p += parseInt(x, 36); out.push(p); });
    return out;
  }
  // where a word was found, in the order of the index's lists: body,
  // heading, code, title, "Check yourself" sections
  var WEIGHT = [1, 3, 0.6, 6, 0.2];
  function shard(k) {
    return getJSON(rel + "search/keys.json").then(function (keys) {
      return keys && keys.indexOf(k) < 0 ? null : getJSON(rel + "search/t/" + k + ".json");
    });
  }
  function score(w, last) {
    return shard(key(w)).then(function (sh) {
      var m = new Map();
      if (!sh) return m;
      var terms = Object.keys(sh.t).filter(function (t) { return t === w || (last && t.indexOf(w) === 0); });
      terms.sort(function (a, b) { return a.length - b.length; });
      terms.slice(0, 40).forEach(function (t) {
        var lists = sh.t[t].map(ids), df = 0, per = new Map();
        lists.forEach(function (l) { df += l.length; });
        var idf = Math.log(1 + sh.n / df) * (t === w ? 1 : 0.7);
        lists.forEach(function (l, k) {
          l.forEach(function (id) { per.set(id, (per.get(id) || 0) + WEIGHT[k] * idf); });
        });
        per.forEach(function (s, id) { m.set(id, Math.max(m.get(id) || 0, s)); });
      });
      return m;
    });
  }
  function search(q) {
    var ws = words(q);
    if (!ws.length) return Promise.resolve(null);
    return Promise.all(ws.map(function (w, i) { return score(w, i === ws.length - 1); })).then(function (per) {
      var scores = new Map();
      per[0].forEach(function (s, id) {
        var tot = s;
        for (var i = 1; i < per.length; i++) {
          var v = per[i].get(id);
          if (v === undefined) return;
          tot += v;
        }
        scores.set(id, tot);
      });
      if (!scores.size) per.forEach(function (m) { m.forEach(function (s, id) { scores.set(id, (scores.get(id) || 0) + s); }); });
      // at most two sections of one page, so that one page does not fill
      // the list
      var perPage = {}, top = [];
      Array.from(scores).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; }).forEach(function (e) {
        var pi = Math.floor(e[0] / 64);
        perPage[pi] = (perPage[pi] || 0) + 1;
        if (perPage[pi] <= 2 && top.length < 10) top.push(e);
      });
      return Promise.all(top.map(function (e) {
        var pi = Math.floor(e[0] / 64), si = e[0] % 64;
        return getJSON(rel + "search/d/" + Math.floor(pi / 2) + ".json").then(function (ch) {
          var pg = ch && ch[pi % 2];
          var sec = pg && pg[2][si];
          return sec ? { title: pg[0], url: pg[1], head: sec[0], anchor: sec[1], snip: sec[2] } : null;
        });
      })).then(function (rs) { return { words: ws, results: rs.filter(Boolean) }; });
    });
  }
  function esc(s) {
    return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }
  function mark(s, ws) {
    var out = esc(s);
    ws.forEach(function (w) {
      var re = new RegExp("(" + esc(w).replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ")", "giu");
      out = out.replace(re, "<mark>$1</mark>");
    });
    return out;
  }
  var seq = 0, timer = null;
  function run() {
    var q = input.value, my = ++seq;
    search(q).then(function (r) {
      if (my !== seq) return;
      if (!r) { show(false); box.innerHTML = ""; say(""); return; }
      if (!r.results.length) {
        box.innerHTML = '<div class="empty" role="option" aria-disabled="true">No results for “' + esc(q) + '”</div>';
        say("No results");
      } else {
        say(r.results.length + (r.results.length === 1 ? " result" : " results") + ", use the arrow keys to choose");
        box.innerHTML = r.results.map(function (x, i) {
          var u = rel + x.url + (x.anchor ? "#" + encodeURIComponent(x.anchor) : "");
          var head = x.head !== x.title ? '<div class="r-head">' + mark(x.head, r.words) + "</div>" : '<div class="r-head">' + mark(x.title, r.words) + "</div>";
          return '<a role="option" aria-selected="false" id="sr-' + i + '" href="' + esc(u) + '"><div class="r-page">' + esc(x.title) + "</div>" + head + '<div class="r-snip">' + mark(x.snip, r.words) + "</div></a>";
        }).join("");
      }
      box.setAttribute("data-query", q);
      show(true);
    });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 100); });
  input.addEventListener("keydown", function (e) {
    var links = Array.prototype.slice.call(box.querySelectorAll("a"));
    var i = links.indexOf(box.querySelector("a.active"));
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (i >= 0) { links[i].classList.remove("active"); links[i].setAttribute("aria-selected", "false"); }
      i = e.key === "ArrowDown" ? Math.min(i + 1, links.length - 1) : Math.max(i - 1, 0);
      if (links[i]) {
        links[i].classList.add("active");
        links[i].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", links[i].id);
        links[i].scrollIntoView({ block: "nearest" });
      }
    } else if (e.key === "Enter") {
      var a = links[i] || links[0];
      if (a) { e.preventDefault(); location.href = a.href; }
    } else if (e.key === "Escape") {
      show(false);
      input.blur();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
  document.addEventListener("click", function (e) {
    if (!box.contains(e.target) && e.target !== input) show(false);
  });
})();
