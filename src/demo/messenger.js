// The demo's Messenger pane (local development only): it plays the
// Messenger app of one person talking to the Demo Shop page. What the person
// types goes to POST /demo/messenger/send, where the server builds the
// platform's webhook payload and signs it with the demo app secret (so the
// secret never reaches the browser) before the real webhook path takes it.
// What the business sends arrives through the demo channel's send API, the
// simulator, and is read back from GET /demo/messenger/sent.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var KEY = "demo:messenger:psid";
  var psid = localStorage.getItem(KEY);
  if (!psid || !/^\d+$/.test(psid)) {
    psid = "7" + Array.from(crypto.getRandomValues(new Uint8Array(15)), function (b) { return b % 10; }).join("");
    localStorage.setItem(KEY, psid);
  }
  var seen = 0; // business messages already shown
  var state = { psid: psid, conversationId: null };
  window.CarryoverMessenger = state;

  function post(body) {
    body.psid = psid;
    return fetch("/demo/messenger/send", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (res) { if (!res.ok) throw new Error("send failed: " + res.status); });
  }

  function status(text) { $("msgr-status").textContent = text; }

  function bubble(who, content) {
    var li = document.createElement("li");
    li.className = "msgr-msg " + who;
    if (typeof content === "string") li.textContent = content; else li.append(content);
    $("msgr-log").append(li);
    $("msgr-log").scrollTop = $("msgr-log").scrollHeight;
    return li;
  }

  /** A handoff link ("Continue on our website") opens in the website pane; other links in a new tab. */
  function openWebLink(url) {
    var u;
    try { u = new URL(url, location.href); } catch (e) { return; }
    if (u.origin === location.origin && u.searchParams.has("handoff")) {
      $("site").src = "/site" + u.search;
      status("Opened the thread in the website pane.");
    } else {
      window.open(u.href, "_blank", "noopener");
    }
  }

  function buttonEl(b) {
    var el = document.createElement("button");
    el.type = "button";
    el.textContent = b.title;
    el.addEventListener("click", function () {
      if (b.type === "web_url") openWebLink(b.url);
      else { bubble("me", b.title); post({ postback: { title: b.title, payload: b.payload } }).catch(function (e) { status(e.message); }); }
    });
    return el;
  }

  function buttonsEl(text, buttons) {
    var box = document.createElement("div");
    var p = document.createElement("p");
    p.textContent = text;
    var row = document.createElement("div");
    row.className = "msgr-buttons";
    buttons.forEach(function (b) { row.append(buttonEl(b)); });
    box.append(p, row);
    return box;
  }

  function showQuickReplies(replies) {
    var box = $("msgr-quick");
    box.replaceChildren();
    (replies || []).forEach(function (q) {
      var el = document.createElement("button");
      el.type = "button";
      el.textContent = q.title;
      el.addEventListener("click", function () {
        box.replaceChildren();
        bubble("me", q.title);
        post({ quickReply: { title: q.title, payload: q.payload } }).catch(function (e) { status(e.message); });
      });
      box.append(el);
    });
  }

  /** Renders one Send API request body the business made. */
  function render(body) {
    var m = body.message || {};
    if (m.text) {
      bubble("page", m.text);
      showQuickReplies(m.quick_replies);
      return;
    }
    var a = m.attachment;
    if (!a) return;
    if (a.type !== "template") {
      var link = document.createElement("a");
      link.href = a.payload.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "[" + a.type + "] " + a.payload.url;
      bubble("page", link);
      return;
    }
    var p = a.payload;
    if (p.template_type === "button") bubble("page", buttonsEl(p.text, p.buttons));
    else if (p.template_type === "generic") {
      var cards = document.createElement("div");
      cards.className = "msgr-cards";
      p.elements.forEach(function (e) { cards.append(buttonsEl(e.title + (e.subtitle ? " — " + e.subtitle : ""), e.buttons || [])); });
      bubble("page", cards);
    } else if (p.template_type === "receipt") {
      var lines = p.elements.map(function (e) { return e.quantity + " × " + e.title + ": " + e.price + " " + e.currency; });
      bubble("page", "Receipt " + p.order_number + "\n" + lines.join("\n") + "\nTotal: " + p.summary.total_cost + " " + p.currency);
    }
  }

  function poll() {
    fetch("/demo/messenger/sent?recipient=" + psid).then(function (res) { return res.json(); }).then(function (answer) {
      var fresh = answer.messages.slice(seen);
      seen = answer.messages.length;
      fresh.forEach(render);
      if (fresh.length) post({ read: true }).catch(function () { /* a lost read receipt only leaves the cursor behind */ });
    }, function () { /* server restarting */ });
    if (!state.conversationId) {
      fetch("/demo/messenger/thread?psid=" + psid).then(function (res) { return res.json(); }).then(function (t) {
        state.conversationId = t.conversationId;
      }, function () { /* not yet */ });
    }
  }

  $("msgr-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("msgr-text").value.trim();
    if (!text) return;
    $("msgr-text").value = "";
    bubble("me", text);
    showQuickReplies([]);
    post({ text: text }).then(function () { status(""); }, function (err) { status(err.message); });
  });

  // Website → Messenger: opening the m.me link the website's channel-link gave sends its ref (a referral webhook).
  function openMeLink(url) {
    var ref;
    try { ref = new URL(url).searchParams.get("ref"); } catch (err) { ref = null; }
    if (!ref) { status("That is not an m.me link with a ref."); return; }
    state.conversationId = null;
    post({ ref: ref }).then(function () { status("Opened the link in Messenger."); }, function (err) { status(err.message); });
  }
  state.openLink = openMeLink;
  $("msgr-open").addEventListener("submit", function (e) {
    e.preventDefault();
    var url = $("msgr-link").value;
    $("msgr-link").value = "";
    openMeLink(url);
  });

  poll();
  setInterval(poll, 1000);
})();
