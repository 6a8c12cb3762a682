// "Next free slot", read by the patient's browser straight from the clinic instance
// (federation/PROTOCOL.md §7): the directory never sees nor stores availability.
(function () {
  "use strict";
  var TIMEOUT_MS = 5000;
  var language = document.documentElement.lang || "fr";
  var format = new Intl.DateTimeFormat(language, {
    weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris",
  });

  function show(element, text, state) {
    element.textContent = text;
    element.dataset.state = state;
    element.hidden = false;
  }

  function load(element) {
    var controller = "AbortController" in window ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    fetch(element.dataset.nextSlotUrl, {
      mode: "cors", credentials: "omit", referrerPolicy: "no-referrer", signal: controller && controller.signal,
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (answer) {
        if (answer.start) {
          show(element, element.dataset.labelNext + " " + format.format(new Date(answer.start)), "free");
        } else {
          show(element, element.dataset.labelNone, "none");
        }
      })
      .catch(function () { show(element, element.dataset.labelUnreachable, "unreachable"); })
      .finally(function () { if (timer) { clearTimeout(timer); } });
  }

  document.querySelectorAll("[data-next-slot-url]").forEach(load);
})();
