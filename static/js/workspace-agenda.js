/* The workspace agenda: the calendar over the page's plain list, live updates, drag and drop.
 *
 * The page works without this file (its list and GET forms). Here the vendored EventCalendar
 * draws the same data (json_script "agenda-config"), polls the events API every few seconds
 * (a 304 costs almost nothing) and refreshes the calendar and the list when another secretary
 * changed something, and moves appointments by drag and drop through the move endpoint.
 *
 * Times: the calendar gets the clinic's wall-clock times without offsets ("floating") and
 * runs in UTC, so it shows clinic time whatever the browser's own time zone, and a
 * daylight-saving change never shifts a column; times sent to the server get the clinic's
 * offset back (clinicIso).
 */
(function () {
  "use strict";

  var POLL_MS = 5000;

  function setUpPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-print-hint]").forEach(function (hint) { hint.hidden = true; });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function pad(number) { return String(number).padStart(2, "0"); }

  // Minutes the clinic's zone is ahead of UTC at this instant.
  function offsetMinutes(instant, timeZone) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric"
    }).formatToParts(new Date(instant)).forEach(function (part) { parts[part.type] = Number(part.value); });
    var asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return Math.round((asUtc - instant) / 60000);
  }

  // A calendar date as ISO 8601 with the clinic's offset. EventCalendar hands out dates whose
  // local fields (getHours...) are the calendar's wall clock, here the clinic's.
  function clinicIso(date, timeZone) {
    var wall = Date.UTC(date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes());
    var offset = offsetMinutes(wall, timeZone);
    offset = offsetMinutes(wall - offset * 60000, timeZone);
    var abs = Math.abs(offset);
    return new Date(wall).toISOString().slice(0, 19) + (offset < 0 ? "-" : "+") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  // "2027-03-02T09:00:00+01:00" -> "2027-03-02T09:00:00": the clinic's wall clock.
  function floating(event) {
    var copy = Object.assign({}, event);
    copy.start = event.start.slice(0, 19);
    copy.end = event.end.slice(0, 19);
    return copy;
  }

  function setUpCalendar(config) {
    var element = document.getElementById("agenda-calendar");
    var list = document.getElementById("agenda-list");
    var status = document.getElementById("agenda-status");
    var version = config.version;
    var busy = false; // a drag or a move in flight: nothing is redrawn under the user's hand
    var stopped = false;
    var timeFormat = {hour: "2-digit", minute: "2-digit", hour12: false};

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", Boolean(isError));
    }

    function stop(text) {
      stopped = true;
      say(text, true);
    }

    element.hidden = false;
    var calendar = EventCalendar.create(element, {
      view: config.view,
      date: config.date,
      timeZone: "UTC",
      locale: document.documentElement.lang || "fr",
      firstDay: 1,
      headerToolbar: {start: "", center: "", end: ""},
      allDaySlot: false,
      slotMinTime: config.slotMinTime,
      slotMaxTime: config.slotMaxTime,
      slotDuration: "00:15",
      slotHeight: 28,
      scrollTime: config.slotMinTime,
      resources: config.resources,
      events: config.events.map(floating),
      editable: true,
      eventDurationEditable: false,
      selectable: true,
      eventTimeFormat: timeFormat,
      slotLabelFormat: timeFormat,
      dayHeaderFormat: config.view === "timeGridWeek"
        ? {weekday: "short", day: "numeric", month: "numeric"}
        : {weekday: "long", day: "numeric", month: "long"},
      eventClick: function (info) {
        var url = info.event.extendedProps && info.event.extendedProps.url;
        if (url) window.location.href = url;
      },
      select: function (info) {
        var practitioner = info.resource ? info.resource.id : config.resources[0].id;
        var query = new URLSearchParams({practitioner: practitioner, start: clinicIso(info.start, config.timeZone)});
        window.location.href = config.bookUrl + "?" + query.toString();
      },
      eventDragStart: function () { busy = true; },
      eventDragStop: function () { busy = false; },
      eventDrop: function (info) { move(info, false); }
    });

    function move(info, force) {
      busy = true;
      var body = new URLSearchParams({start: clinicIso(info.event.start, config.timeZone)});
      if (info.newResource) body.set("practitioner", info.newResource.id);
      if (force) body.set("force", "1");
      var url = config.appointmentsUrl + info.event.extendedProps.appointment + "/move/";
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) {
            say(config.messages.moved, false);
            busy = false;
            return poll();
          }
          if (response.status === 400 && data.code === "outside_hours" && !force && window.confirm(config.messages.outsideHours)) {
            return move(info, true);
          }
          info.revert();
          say(data.error || config.messages.failed, true);
          busy = false;
        });
      }).catch(function () {
        info.revert();
        say(config.messages.failed, true);
        busy = false;
      });
    }

    function poll() {
      if (stopped || busy) return Promise.resolve();
      return fetch(config.eventsUrl, {
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
        // Background: the session's idle timer keeps running while the page only watches.
        headers: {"X-Workspace-Background": "1", "If-None-Match": version, "Accept": "application/json"}
      }).then(function (response) {
        if (response.status === 304) return;
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.type === "opaqueredirect" || !json) {
          stop(config.messages.sessionEnded);
          return;
        }
        if (!response.ok) {
          stop(config.messages.failed);
          return;
        }
        return response.json().then(function (data) {
          if (busy) return; // a drag started meanwhile: the next poll brings the change
          version = data.version;
          calendar.setOption("events", data.events.map(floating));
          list.innerHTML = data.list_html; // rendered and escaped by the server's template
        });
      }).catch(function () { /* offline for a moment: the next poll retries */ });
    }

    window.setInterval(function () {
      if (!document.hidden) poll();
    }, POLL_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) poll();
    });
  }

  setUpPrint();
  var configElement = document.getElementById("agenda-config");
  if (configElement && window.EventCalendar) {
    setUpCalendar(JSON.parse(configElement.textContent));
  }
})();
