// "Near me": fill the search form's lat/lon from the browser's position, then search.
// Without JavaScript (or without permission) the place box is enough.
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var form = button.form;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(4);
      form.elements.lon.value = position.coords.longitude.toFixed(4);
      form.elements.place.value = "";
      form.submit();
    }, function () {
      button.disabled = false;
      button.textContent = button.dataset.failed;
    }, {timeout: 10000, maximumAge: 600000});
  });
}());
