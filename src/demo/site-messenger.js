// The demo website's "Continue in Messenger" (local development only): for
// a signed-in visitor it asks for a channel link to their open thread
// (POST /v1/conversations/:id/channel-link) and opens the m.me link in the
// demo's Messenger pane. A real site would do this with the widget's own
// session; this page has no access to it, so it opens a session of its own
// with the demo identity token, as the site's backend could.
(function () {
  "use strict";
  var button = document.getElementById("to-messenger");
  var params = new URLSearchParams(location.search);
  var KEY = "demo:site:signed-in";

  function call(path, body, token) {
    var headers = { "content-type": "application/json" };
    if (token) headers.authorization = "Bearer " + token;
    return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body) }).then(function (res) {
      if (!res.ok) throw new Error(path + " failed: " + res.status);
      return res.json();
    });
  }

  function render() { button.hidden = !localStorage.getItem(KEY); }

  button.addEventListener("click", function () {
    var sub = localStorage.getItem(KEY);
    if (!sub) return;
    var session;
    call("/demo/token", { sub: sub, name: params.get("name") || "Alice" })
      .then(function (answer) { return call("/v1/sessions", { tenant: "demo", identityToken: answer.token }); })
      .then(function (answer) { session = answer.sessionToken; return call("/v1/conversations", {}, session); })
      .then(function (answer) { return call("/v1/conversations/" + answer.conversation.id + "/channel-link", { channel: "messenger" }, session); })
      .then(function (link) {
        var pane = window.parent !== window && window.parent.CarryoverMessenger;
        if (pane && pane.openLink) pane.openLink(link.url);
        else window.open(link.url, "_blank", "noopener");
      })
      .catch(function (err) { button.title = err.message; });
  });
  render();
  setInterval(render, 500);
})();
