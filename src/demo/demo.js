// The demo's agent pane: signs in as the agent Sam (an agent session from a
// demo agent identity token, as a business's SSO would mint it), lists the
// tenant's conversations from the directory (GET /v1/conversations, kept
// current by the inbox live feed), and answers as Sam. The pane's bot answers
// new customer messages through the Send API with the demo bot key, and
// stands by while an agent owns the thread.
// Bundled by src/dev/build.mjs, so it speaks the live wire with the Worker's own constants.
import { BEARER_PREFIX, LIVE_PROTOCOL } from "../protocol/wire";

(function () {
  "use strict";
  var BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";
  var BOT = { role: "bot", id: "shopbot", name: "Shop assistant" };
  var ROLE_LABEL = { customer: "Customer", agent: "Agent", bot: "Bot", system: "System" };
  var threads = {}; // id -> { events: [], after: 0 }
  var rows = {}; // id -> the directory row (highest version seen)
  var selected = "";
  var pinned = false; // the agent picked a thread; otherwise the pane follows the latest
  var agent = null; // { sessionToken, refreshToken, expiresAt }
  var $ = function (id) { return document.getElementById(id); };

  // A handoff link opened here (…/?tenant=demo&handoff=…) is "opened on the phone".
  if (new URLSearchParams(location.search).has("handoff")) {
    $("phone").src = "/phone" + location.search;
    history.replaceState(null, "", "/");
  }
  // The example link is this page's own: the dev server may run on any port or host.
  $("link").placeholder = location.origin + "/?tenant=demo&handoff=…";
  $("open-link").addEventListener("submit", function (e) {
    e.preventDefault();
    var url;
    try { url = new URL($("link").value); } catch (err) { return; }
    $("phone").src = "/phone" + url.search;
    $("link").value = "";
  });

  function request(path, init, token) {
    init = init || {};
    var headers = { authorization: "Bearer " + token };
    if (init.json) headers["content-type"] = "application/json";
    return fetch(path, { method: init.method || "GET", headers: headers, body: init.json ? JSON.stringify(init.json) : undefined })
      .then(function (res) {
        if (!res.ok) return res.json().then(function (p) { var e = new Error(p.detail || p.title || res.status); e.status = res.status; throw e; });
        return res.status === 204 ? null : res.json();
      });
  }

  // Sign in as Sam: the demo mints the agent identity token a business's SSO would.
  // One sign-in at a time, however many calls are waiting for it.
  var signingIn = null;
  function signIn() {
    if (!signingIn) signingIn = startSignIn().then(function (s) { signingIn = null; return s; }, function (err) { signingIn = null; throw err; });
    return signingIn;
  }
  function startSignIn() {
    return fetch("/demo/agent-token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sub: "sam", name: "Sam (Demo Shop)" }) })
      .then(function (res) { return res.json(); })
      .then(function (t) {
        return fetch("/v1/agent-sessions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tenant: "demo", identityToken: t.token }) });
      })
      .then(function (res) { return res.json(); })
      .then(function (s) { agent = s; openInbox(); return s; });
  }

  // Refresh a little before the 15-minute session token ends (the refresh token rotates).
  function refresh() {
    if (!agent) return signIn();
    return fetch("/v1/agent-sessions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tenant: "demo", refreshToken: agent.refreshToken }) })
      .then(function (res) { if (!res.ok) throw new Error("refresh failed"); return res.json(); })
      .then(function (s) { agent = s; }, function () { agent = null; return signIn(); });
  }
  setInterval(refresh, 10 * 60 * 1000);

  /** A call as the signed-in agent. */
  function api(path, init) {
    var go = function () { return request(path, init, agent.sessionToken); };
    return (agent ? Promise.resolve() : signIn()).then(go).catch(function (err) {
      if (err.status === 401) { agent = null; return signIn().then(go); }
      throw err;
    });
  }

  /** A call as the bot (the Send API with the bot key). */
  function botApi(path, init) { return request(path, init, BOT_KEY); }

  function status(text) { $("agent-status").textContent = text; }

  function clientId() { return "demo-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8); }

  /** Sam writes (an agent session sends as its agent: no sender field). Taking a bot's thread is automatic. */
  function send(content) {
    if (!selected) { status("No conversation yet: write in one of the chats first."); return Promise.resolve(); }
    return api("/v1/conversations/" + selected + "/messages", { method: "POST", json: { clientId: clientId(), content: content } })
      .then(function () { status(""); }, function (err) { status("Send failed: " + err.message); });
  }

  /** The bot answers, unless an agent owns the thread (then the server says 409: the bot is on standby). */
  // `key` makes the bot's answer idempotent: the answer to one customer message has one clientId,
  // so a second look at that message (a slow poll, another open demo page) never answers twice.
  function botSend(id, content, key) {
    if (rows[id] && rows[id].owner === "agent") return Promise.resolve();
    return botApi("/v1/conversations/" + id + "/messages", { method: "POST", json: { clientId: key || clientId(), content: content, sender: BOT } })
      .catch(function (err) { if (err.status !== 409) status("Bot send failed: " + err.message); });
  }

  /** A state change as a neutral line, from the event's fields ("Status: pending", "Sam took the thread"). */
  function stateLine(e) {
    if (e.type === "payment.updated") return "Payment " + e.status;
    if (e.type === "message.deleted") return "A message was removed";
    if (e.type === "message.updated") return "A message was edited";
    var c = e.changes || {};
    var lines = [];
    if (c.owner || c.ownerAgent) {
      var agentId = c.ownerAgent ? c.ownerAgent[c.ownerAgent.length - 1] : null;
      var who = e.sender && e.sender.role === "agent" && e.sender.name ? e.sender.name : agentId || "An agent";
      lines.push(e.owner === "agent" ? who + " took the thread" : "Back to the bot");
    }
    if (c.status) lines.push("Status: " + e.status + (e.reason === "customer_message" ? " (the customer wrote)" : ""));
    if (c.assignee) lines.push(c.assignee[1] ? "Assigned to " + c.assignee[1] : "Unassigned");
    if (c.labels) lines.push("Labels: " + (c.labels[1].length ? c.labels[1].join(", ") : "none"));
    if (c.snoozedUntil && !c.status) lines.push(c.snoozedUntil[1] ? "Snoozed until " + c.snoozedUntil[1] : "Snooze ended");
    return lines.length ? lines.join(" · ") : "Status: " + e.status;
  }

  function describe(e) {
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
      if (e.type !== "message.created") {
        // Not something anyone said: a neutral line, not "Agent Sam: conversation.updated".
        li.className = "state";
        li.textContent = stateLine(e);
        list.append(li);
        return;
      }
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
      if (e.attachment && window.DemoAttachments) li.append(" ", window.DemoAttachments.view(e));
      list.append(li);
    });
    list.scrollTop = list.scrollHeight;
  }

  function label(row) {
    var who = row.customer.name || (row.customer.guest ? "Guest" : row.customer.id);
    var flags = [row.status];
    if (row.owner === "agent") flags.push("with " + (row.ownerAgent || "an agent"));
    if (row.waitingSince) flags.push("waiting");
    var preview = row.lastEvent && row.lastEvent.preview ? " — " + row.lastEvent.preview : "";
    return who + " (" + flags.join(", ") + ")" + preview;
  }

  function sortedRows() {
    return Object.keys(rows).map(function (id) { return rows[id]; })
      .sort(function (a, b) { return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0; });
  }

  function renderThreads() {
    var select = $("thread");
    var list = sortedRows();
    if ((!pinned || !rows[selected]) && list.length && selected !== list[0].id) {
      selected = list[0].id;
      renderTranscript();
    }
    select.replaceChildren();
    if (!list.length) select.append(new Option("Waiting for a conversation…", ""));
    list.forEach(function (row) { select.append(new Option(label(row), row.id, false, row.id === selected)); });
    var row = rows[selected];
    $("take").textContent = row && row.owner === "agent" && row.ownerAgent === "sam" ? "Back to the bot" : "Take the thread";
  }
  $("thread").addEventListener("change", function () { selected = this.value; pinned = true; renderTranscript(); renderThreads(); });

  /** A directory row, from a page or the live feed: the highest version wins. */
  function upsertRow(row) {
    var known = rows[row.id];
    if (known && known.version >= row.version) return;
    rows[row.id] = row;
    if (!threads[row.id]) threads[row.id] = { events: [], after: 0 };
    renderThreads();
  }

  /** The directory, first page (25 most recently updated): the list of the pane. */
  function loadDirectory() {
    return api("/v1/conversations?limit=25").then(function (page) { page.conversations.forEach(upsertRow); }, function () {});
  }

  // The inbox live feed: every directory change of the tenant, pushed.
  var inboxSocket = null;
  function openInbox() {
    if (!agent || inboxSocket) return;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/inbox/live";
    var ws = new WebSocket(url, [LIVE_PROTOCOL, BEARER_PREFIX + agent.sessionToken]);
    inboxSocket = ws;
    // The feed's socket is the inbox object's own: a first frame lets a sign-out close it at once (API "Direct sockets").
    ws.onopen = function () { ws.send('{"type":"ping"}'); };
    ws.onmessage = function (e) {
      var frame = JSON.parse(e.data);
      if (frame.type === "conversation") upsertRow(frame.conversation);
    };
    ws.onclose = function () { inboxSocket = null; setTimeout(openInbox, 2000); };
  }

  $("take").addEventListener("click", function () {
    var row = rows[selected];
    if (!row) return;
    var mine = row.owner === "agent" && row.ownerAgent === "sam";
    var id = selected;
    // Taking a thread another agent owns needs the ownerEpoch we saw (API "Handover"): a stale one is a 409.
    // Directory rows do not carry it, so it is read from the conversation when the row lacks it.
    var epoch = typeof row.ownerEpoch === "number" ? Promise.resolve(row.ownerEpoch)
      : api("/v1/conversations/" + id).then(function (answer) { return answer.conversation.ownerEpoch; });
    epoch.then(function (ownerEpoch) {
      var json = mine ? { owner: "bot", ifEpoch: ownerEpoch } : { owner: "agent", ifEpoch: ownerEpoch };
      return api("/v1/conversations/" + id + "/handover", { method: "POST", json: json });
    })
      .then(function (answer) { status(""); if (answer && answer.conversation) loadDirectory(); }, function (err) {
        if (err.status !== 409) { status("Handover failed: " + err.message); return; }
        status("Someone else changed who has this thread just now. Look at the list again and retry if you still want it.");
        loadDirectory();
      });
  });
  $("resolve").addEventListener("click", function () {
    if (!selected) return;
    api("/v1/conversations/" + selected, { method: "PATCH", json: { status: "resolved" } })
      .then(function () { status(""); loadDirectory(); }, function (err) { status("Resolve failed: " + err.message); });
  });

  /** Messenger → website: a one-time handoff link (business callers may make them) as a URL button. */
  function offerWebsite(id, key) {
    return botApi("/v1/conversations/" + id + "/handoff", { method: "POST" }).then(function (link) {
      return botSend(id, { type: "buttons", text: "You can also continue this chat on our website.", buttons: [{ type: "url", title: "Continue on our website", url: link.url }] }, key);
    }, function (err) { status("Handoff link failed: " + err.message); });
  }

  function botAnswer(id, e) {
    if (!$("auto").checked || e.sender.role !== "customer") return;
    if (e.channel === "messenger" && e.content.type === "text") {
      botSend(id, {
        type: "text",
        text: "Thanks for your message! How can we help today?",
        quickReplies: [{ title: "Track my order", payload: "TRACK_ORDER" }, { title: "Book a repair", payload: "BOOK_REPAIR" }],
      }, "bot-" + e.id).then(function () { return offerWebsite(id, "bot-offer-" + e.id); });
      return;
    }
    var text = e.content.type === "postback" ? "You picked “" + e.content.title + "”. An agent will follow up here, on any of your devices." : null;
    if (!text) {
      botSend(id, {
        type: "text",
        text: "Thanks" + (e.sender.name ? ", " + e.sender.name : "") + "! How can we help today?",
        quickReplies: [
          { title: "Track my order", payload: "TRACK_ORDER" },
          { title: "Book a repair", payload: "BOOK_REPAIR" },
          { title: "Talk to a person", payload: "HUMAN" },
        ],
      }, "bot-" + e.id);
    } else {
      botSend(id, { type: "text", text: text }, "bot-" + e.id);
    }
  }

  // One poll of a thread at a time: a slow answer must not let the next tick read the same events again.
  function poll(id) {
    var thread = threads[id];
    if (thread.polling) return thread.polling;
    thread.polling = api("/v1/conversations/" + id + "/events?after=" + thread.after).then(function (page) {
      var fresh = page.events.filter(function (e) { return e.seq > thread.after; });
      thread.events = thread.events.concat(fresh);
      thread.after = page.cursor;
      if (id === selected && fresh.length) renderTranscript();
      // Answer the newest message when a customer wrote it just now (not old history after a reload).
      var last = fresh[fresh.length - 1];
      if (last && last.type === "message.created" && Date.now() - Date.parse(last.at) < 30000) botAnswer(id, last);
    }, function () { /* not visible yet */ }).then(function () { thread.polling = null; });
    return thread.polling;
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

  // For demo-attachments.js: the selected conversation and the send path.
  window.DemoAgent = { selected: function () { return selected; }, send: send, status: status };

  // The transcript of the selected thread (and the bot's view of new threads) by polling its events;
  // the list itself comes from the directory and its live feed (and a slow re-read, should the feed drop).
  signIn().then(loadDirectory);
  setInterval(function () {
    Object.keys(threads).forEach(function (id) { if (id === selected || rows[id].waitingSince) poll(id); });
  }, 1000);
  setInterval(loadDirectory, 5000);
})();
