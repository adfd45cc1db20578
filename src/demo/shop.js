// The demo's "business": a website (/site) and a mobile app (/phone),
// each a separate device with its own storage. Signing in asks the demo
// backend (POST /demo/token) for an identity token, as a real site would.
// ?user=<id>&name=<name> picks who "Sign in" signs in as (default Alice).
(function () {
  "use strict";
  var device = document.currentScript.getAttribute("data-device");
  var params = new URLSearchParams(location.search);
  var person = { sub: params.get("user") || "alice", name: params.get("name") || "Alice" };
  var key = "demo:" + device + ":signed-in";
  // The site's own storage may be blocked (privacy mode, sandboxed frame) or
  // full: the demo then just forgets its sign-in on reload, as the widget does.
  var store = {
    get: function (k) { try { return window.localStorage.getItem(k); } catch (err) { return null; } },
    set: function (k, v) { try { window.localStorage.setItem(k, v); } catch (err) { /* kept for this page only */ } },
    remove: function (k) { try { window.localStorage.removeItem(k); } catch (err) { /* nothing stored */ } },
  };
  var signedIn = store.get(key) === person.sub;

  function identityToken() {
    if (!signedIn) return Promise.resolve(null);
    return fetch("/demo/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(person),
    }).then(function (res) {
      if (!res.ok) throw new Error("demo token failed: " + res.status);
      return res.json();
    }).then(function (body) { return body.token; });
  }

  function render() {
    var who = document.getElementById("who");
    who.replaceChildren();
    if (signedIn) {
      var name = document.createElement("bdi");
      name.textContent = person.name;
      who.append("Signed in as ", name);
    } else {
      who.textContent = "Not signed in";
    }
    var signInName = document.createElement("bdi");
    signInName.textContent = person.name;
    document.getElementById("sign-in").replaceChildren("Sign in as ", signInName);
    document.getElementById("sign-in").hidden = signedIn;
    document.getElementById("sign-out").hidden = !signedIn;
  }

  Carryover.init({
    tenant: "demo",
    storagePrefix: device + ":",
    title: "Demo Shop",
    themeColor: device === "phone" ? "#0a7d55" : "#0866ff",
    identityToken: identityToken,
    open: device === "phone" && params.has("handoff"),
  });

  document.getElementById("sign-in").addEventListener("click", function () {
    signedIn = true;
    store.set(key, person.sub);
    render();
    Carryover.update({ signedIn: true });
  });
  document.getElementById("sign-out").addEventListener("click", function () {
    signedIn = false;
    store.remove(key);
    render();
    Carryover.logout();
  });
  render();
})();
