// The live preview of an entry's answers: as a member in Telegram reads them. The form
// works without this script; with it, each answer box shows its rendering below it.
(function () {
  "use strict";
  var script = document.getElementById("preview-script");
  if (!script || !window.fetch) { return; }
  var boxes = document.querySelectorAll("textarea.answer");
  Array.prototype.forEach.call(boxes, function (box) {
    var target = document.getElementById(box.dataset.preview);
    var timer = null;
    function show() {
      var body = new URLSearchParams();
      body.set("csrf", script.dataset.csrf);
      body.set("answer", box.value);
      body.set("lang", box.dataset.lang);
      fetch(script.dataset.url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) { target.innerHTML = html; target.hidden = false; });
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(show, 250);
    });
    show();
  });
})();
