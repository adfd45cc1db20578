// The agent pane's attachments: an Attach button (and files dropped on the
// pane) upload with the demo bot key and send the file as Sam; attachments in
// the transcript show as images (by a short-lived signed URL) or file links.
(function () {
  "use strict";
  var BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";
  var urls = {}; // attachment id -> { url, until }
  var $ = function (id) { return document.getElementById(id); };

  function auth() { return { authorization: "Bearer " + BOT_KEY }; }

  function urlOf(id) {
    var hit = urls[id];
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.url);
    return fetch("/v1/attachments/" + id + "/url", { headers: auth() })
      .then(function (res) { return res.json(); })
      .then(function (body) {
        urls[id] = { url: body.url, until: Date.parse(body.expiresAt) - 60000 };
        return body.url;
      });
  }

  function size(n) { return n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB"; }

  /** What the transcript shows for an event's attachment. */
  function view(e) {
    var a = e.attachment;
    if (a.mediaType === "image") {
      var img = document.createElement("img");
      img.className = "attachment";
      img.alt = a.filename;
      if (a.width && a.height) { img.width = Math.min(160, a.width); img.height = Math.round(img.width * a.height / a.width); }
      urlOf(a.id).then(function (u) { img.src = u; });
      return img;
    }
    var link = document.createElement("a");
    link.href = "#";
    link.className = "attachment";
    link.textContent = a.filename + " (" + size(a.size) + ")";
    link.addEventListener("click", function (ev) {
      ev.preventDefault();
      urlOf(a.id).then(function (u) { window.open(u, "_blank", "noopener"); });
    });
    return link;
  }

  function upload(file) {
    var agent = window.DemoAgent;
    var id = agent.selected();
    if (!id) { agent.status("No conversation yet: write in one of the chats first."); return; }
    agent.status("Uploading " + file.name + "…");
    var query = new URLSearchParams({ conversationId: id, filename: file.name || "file" });
    var headers = auth();
    headers["content-type"] = file.type || "application/octet-stream";
    fetch("/v1/attachments?" + query, { method: "POST", headers: headers, body: file })
      .then(function (res) { return res.json().then(function (body) { if (!res.ok) throw new Error(body.detail || res.status); return body.attachment; }); })
      .then(function (a) { return agent.send({ type: "media", mediaType: a.mediaType, attachmentId: a.id }); })
      .catch(function (err) { agent.status("Upload failed: " + err.message); });
  }

  var input = document.createElement("input");
  input.type = "file";
  input.hidden = true;
  input.multiple = true;
  input.accept = "image/*,video/mp4,video/webm,audio/*,application/pdf,text/plain";
  input.addEventListener("change", function () {
    Array.prototype.forEach.call(input.files, upload);
    input.value = "";
  });
  var button = document.createElement("button");
  button.type = "button";
  button.id = "attach";
  button.textContent = "Attach";
  button.addEventListener("click", function () { input.click(); });
  $("reply").append(button, input);

  var pane = document.querySelector(".pane.agent");
  pane.addEventListener("dragover", function (e) { e.preventDefault(); });
  pane.addEventListener("drop", function (e) {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    e.preventDefault();
    Array.prototype.forEach.call(e.dataTransfer.files, upload);
  });

  window.DemoAttachments = { view: view, upload: upload };
})();
