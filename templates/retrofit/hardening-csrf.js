// Adds the X-CSRFToken header (from <meta name="csrf-token">) to same-origin state-changing
// fetch() and XMLHttpRequest calls; jQuery's $.ajax/$.post go through XMLHttpRequest.
// Added by hardened-flask retrofit; generator-owned (update replaces it).
(function () {
  "use strict";
  var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }
  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }
  if (window.fetch) {
    var originalFetch = window.fetch;
    window.fetch = function (input, init) {
      var request = new Request(input, init);
      var value = token();
      if (value && !SAFE.test(request.method) && sameOrigin(request.url) && !request.headers.has("X-CSRFToken")) {
        var headers = new Headers(request.headers);
        headers.set("X-CSRFToken", value);
        return originalFetch.call(this, new Request(request, { headers: headers }));
      }
      return originalFetch.call(this, request);
    };
  }
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this._hardeningCsrf = !SAFE.test(String(method)) && sameOrigin(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var value = token();
    if (this._hardeningCsrf && value) this.setRequestHeader("X-CSRFToken", value);
    return send.apply(this, arguments);
  };
})();
