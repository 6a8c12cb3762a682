/*
 * Book by phone, enhanced: the page works without this file (it posts back to
 * itself). Here, changing the practitioner, visit reason or day refreshes the
 * free times, a free time is picked without a reload, and patients are found
 * as one types (GET patients/search.json?q=).
 */
(function () {
  "use strict";

  var form = document.getElementById("book-form");
  if (!form) return;
  var refresh = document.getElementById("refresh");
  var time = document.getElementById("id_time");
  var search = document.getElementById("id_q");
  var results = document.getElementById("patient-results");

  var pending = null;
  form.querySelectorAll("[data-refresh]").forEach(function (field) {
    field.addEventListener("change", function () {
      // A date typed by hand changes at each part: wait until the typing stops.
      clearTimeout(pending);
      pending = setTimeout(function () { refresh.click(); }, field.tagName === "SELECT" ? 0 : 700);
    });
  });

  form.querySelectorAll("button[name=pick]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      time.value = button.value;
      form.querySelectorAll("button[name=pick]").forEach(function (other) {
        var chosen = other === button;
        other.classList.toggle("chosen", chosen);
        other.setAttribute("aria-pressed", chosen ? "true" : "false");
      });
    });
  });

  if (!search || !results) return;
  var timer = null;
  var latest = 0;

  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      find(search.value);
    }
  });
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { find(search.value); }, 250);
  });

  function find(query) {
    var ticket = ++latest;
    if (query.trim().length < 2) return;
    var url = search.dataset.searchUrl + "?" + new URLSearchParams({q: query}).toString();
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { if (ticket === latest) show(data.results); })
      .catch(function () {});
  }

  function show(patients) {
    var checked = form.querySelector("input[name=patient]:checked");
    var keep = checked && checked.value !== "new" ? checked.closest("li") : null;
    results.replaceChildren();
    if (keep && !patients.some(function (p) { return String(p.id) === checked.value; })) results.append(keep);
    patients.forEach(function (patient) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      label.className = "check";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "patient";
      radio.value = String(patient.id);
      radio.checked = Boolean(checked && checked.value === radio.value);
      var name = document.createElement("strong");
      name.textContent = patient.name;
      var born = patient.birth_date.split("-").reverse().join("/");
      label.append(radio, " ", name, " · " + born + " · " + patient.phone_display);
      if (patient.possible_duplicate) {
        var badge = document.createElement("span");
        badge.className = "badge warning";
        badge.textContent = results.dataset.duplicateLabel;
        label.append(" ", badge);
      }
      item.append(label);
      results.append(item);
    });
    var none = document.getElementById("no-match");
    if (none) none.hidden = patients.length > 0;
  }
})();
