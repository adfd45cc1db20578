// The demo's agent pane: finds the conversations of the two device panes,
// shows them and answers through the Send API with the demo bot key, the way
// a business's bot or agent tool would from its backend.
(function () {
  "use strict";
  var BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";
  var AGENT = { role: "agent", id: "sam", name: "Sam (Demo Shop)" };
  var BOT = { role: "bot", id: "shopbot", name: "Shop assistant" };
  var ROLE_LABEL = { customer: "Customer", agent: "Agent", bot: "Bot", system: "System" };
  var threads = {}; // id -> { events: [], after: 0 }
  var selected = "";
  var $ = function (id) { return document.getElementById(id); };

  // A handoff link opened here (…/?tenant=demo&handoff=…) is "opened on the phone".
  if (new URLSearchParams(location.search).has("handoff")) {
    $("phone").src = "/phone" + location.search;
    history.replaceState(null, "", "/");
  }
  $("open-link").addEventListener("submit", function (e) {
    e.preventDefault();
    var url;
    try { url = new URL($("link").value); } catch (err) { return; }
    $("phone").src = "/phone" + url.search;
    $("link").value = "";
  });

  function api(path, init) {
    init = init || {};
    var headers = { authorization: "Bearer " + BOT_KEY };
    if (init.json) headers["content-type"] = "application/json";
    return fetch(path, { method: init.method || "GET", headers: headers, body: init.json ? JSON.stringify(init.json) : undefined })
      .then(function (res) {
        if (!res.ok) return res.json().then(function (p) { throw new Error(p.detail || p.title || res.status); });
        return res.status === 204 ? null : res.json();
      });
  }

  function status(text) { $("agent-status").textContent = text; }

  function send(content, sender) {
    if (!selected) { status("No conversation yet: write in one of the chats first."); return Promise.resolve(); }
    return api("/v1/conversations/" + selected + "/messages", {
      method: "POST",
      json: { clientId: "demo-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8), content: content, sender: sender || AGENT },
    }).then(function () { status(""); }, function (err) { status("Send failed: " + err.message); });
  }

  function describe(e) {
    if (e.type !== "message.created") return e.type + (e.status ? " (" + e.status + ")" : "");
    var c = e.content;
    switch (c.type) {
      case "text": return c.text;
      case "postback": return "[tapped] " + c.title;
      case "media": return "[" + c.mediaType + "] " + (c.caption || "");
      case "buttons": return c.text;
      case "cards": return "[" + c.cards.length + " cards]";
      case "receipt": return "[receipt " + c.orderId + "]";
      case "payment_request": return "[payment request " + c.requestId + "]";
      default: return "[" + c.type + "]";
    }
  }

  function renderTranscript() {
    var list = $("transcript");
    list.replaceChildren();
    var thread = threads[selected];
    if (!thread) return;
    thread.events.slice(-40).forEach(function (e) {
      var li = document.createElement("li");
      li.className = e.sender.role;
      // The role comes from sender.role, never from a name ("Support agent" may be anyone's name);
      // names and text are direction-isolated, so a U+202E cannot turn the line around.
      var who = document.createElement("b");
      var role = document.createElement("span");
      role.className = "role";
      role.textContent = ROLE_LABEL[e.sender.role] || e.sender.role;
      who.append(role);
      if (e.sender.name) {
        var name = document.createElement("bdi");
        name.textContent = e.sender.name;
        who.append(" ", name);
      }
      who.append(": ");
      var text = document.createElement("bdi");
      text.textContent = describe(e);
      li.append(who, text);
      list.append(li);
    });
    list.scrollTop = list.scrollHeight;
  }

  function renderThreads() {
    var select = $("thread");
    var ids = Object.keys(threads);
    if (!selected && ids.length) selected = ids[ids.length - 1];
    select.replaceChildren();
    if (!ids.length) select.append(new Option("Waiting for a conversation…", ""));
    ids.forEach(function (id) { select.append(new Option(id, id, false, id === selected)); });
  }
  $("thread").addEventListener("change", function () { selected = this.value; renderTranscript(); });

  function botAnswer(e) {
    if (!$("auto").checked || e.sender.role !== "customer") return;
    var text = e.content.type === "postback" ? "You picked “" + e.content.title + "”. An agent will follow up here, on any of your devices." : null;
    if (!text) {
      send({
        type: "text",
        text: "Thanks" + (e.sender.name ? ", " + e.sender.name : "") + "! How can we help today?",
        quickReplies: [
          { title: "Track my order", payload: "TRACK_ORDER" },
          { title: "Book a repair", payload: "BOOK_REPAIR" },
          { title: "Talk to a person", payload: "HUMAN" },
        ],
      }, BOT);
    } else {
      send({ type: "text", text: text }, BOT);
    }
  }

  function poll(id) {
    var thread = threads[id];
    return api("/v1/conversations/" + id + "/events?after=" + thread.after).then(function (page) {
      var fresh = page.events;
      thread.events = thread.events.concat(fresh);
      thread.after = page.cursor;
      if (id === selected && fresh.length) renderTranscript();
      // Answer the newest message when a customer wrote it just now (not old history after a reload).
      var last = fresh[fresh.length - 1];
      if (last && last.type === "message.created" && Date.now() - Date.parse(last.at) < 30000) botAnswer(last);
    }, function () { /* not visible yet */ });
  }

  function discover() {
    ["site", "phone"].forEach(function (frameId) {
      var w = $(frameId).contentWindow;
      var id = w && w.Carryover && w.Carryover.conversationId;
      if (id && !threads[id]) {
        threads[id] = { events: [], after: 0 };
        renderThreads();
        if (id === selected) renderTranscript();
      }
    });
  }

  $("reply").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("reply-text").value.trim();
    if (!text) return;
    $("reply-text").value = "";
    send({ type: "text", text: text });
  });

  var lastRequest = null;
  var samples = {
    quick: function () {
      return { type: "text", text: "What would you like to do?", quickReplies: [
        { title: "Track my order", payload: "TRACK_ORDER" }, { title: "Book a repair", payload: "BOOK_REPAIR" }] };
    },
    cards: function () {
      return { type: "cards", cards: [
        { title: "Roadster 7", subtitle: "7 gears, € 899", buttons: [{ type: "url", title: "View", url: location.origin + "/site#roadster" }, { type: "postback", title: "Reserve", payload: "RESERVE_ROADSTER" }] },
        { title: "Cargo One", subtitle: "Carries 80 kg, € 2,490", buttons: [{ type: "postback", title: "Reserve", payload: "RESERVE_CARGO" }] },
        { title: "Commuter E", subtitle: "E-bike, 90 km range, € 1,790", buttons: [{ type: "postback", title: "Reserve", payload: "RESERVE_COMMUTER" }] },
      ] };
    },
    media: function () {
      return { type: "media", mediaType: "file", url: location.origin + "/site", caption: "Service checklist", buttons: [{ type: "postback", title: "Book a service", payload: "BOOK_SERVICE" }] };
    },
    receipt: function () {
      return { type: "receipt", orderId: "A-1042", currency: "EUR", total: 929, items: [{ title: "Roadster 7", quantity: 1, price: 899 }, { title: "Bell", quantity: 2, price: 15 }] };
    },
    payment: function () {
      lastRequest = "pr_" + Date.now();
      return { type: "payment_request", requestId: lastRequest, amount: 49, currency: "EUR", description: "Repair deposit", payUrl: location.origin + "/site#pay", status: "pending" };
    },
  };
  document.querySelectorAll("[data-sample]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.getAttribute("data-sample");
      if (kind === "paid") {
        if (!lastRequest || !selected) { status("Send a payment request first."); return; }
        api("/v1/conversations/" + selected + "/payments/" + lastRequest, { method: "POST", json: { status: "paid" } })
          .then(function () { status("Marked paid."); }, function (err) { status("Payment update failed: " + err.message); });
        return;
      }
      send(samples[kind]());
    });
  });

  setInterval(function () {
    discover();
    Object.keys(threads).forEach(poll);
  }, 1000);
})();
