// Progressive enhancement of the reporting form: suggestions for the organisation field and a
// size check of the chosen files before sending. The form works the same without this script.
(function () {
  "use strict";
  var input = document.getElementById("f-organisation");
  var list = document.getElementById("organisation-suggestions");
  if (input && list && window.fetch) {
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2 || /\(\d{9}\)$/.test(query)) { return; }
      timer = setTimeout(function () {
        fetch(input.dataset.lookup + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) {
            list.replaceChildren();
            items.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.name + " (" + item.siren + ")";
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 250);
    });
  }

  var files = document.getElementById("f-attachments");
  var form = document.getElementById("report-form");
  var message = document.getElementById("e-attachments");
  if (files && form && message) {
    var check = function () {
      var maxFiles = Number(files.dataset.maxFiles), maxBytes = Number(files.dataset.maxBytes);
      var maxTotal = Number(form.dataset.maxTotal), total = 0, problem = "";
      if (files.files.length > maxFiles) { problem = "Vous pouvez joindre au plus " + maxFiles + " fichiers."; }
      Array.prototype.forEach.call(files.files, function (file) {
        total += file.size;
        if (!problem && file.size > maxBytes) {
          problem = "Le fichier « " + file.name + " » dépasse " + Math.round(maxBytes / 1048576) + " Mo.";
        }
      });
      if (!problem && total > maxTotal) {
        problem = "L'ensemble des fichiers dépasse " + Math.round(maxTotal / 1048576) + " Mo.";
      }
      message.textContent = problem;
      message.hidden = !problem;
      files.setAttribute("aria-invalid", problem ? "true" : "false");
      return !problem;
    };
    files.addEventListener("change", check);
    form.addEventListener("submit", function (event) {
      if (!check()) { event.preventDefault(); files.focus(); }
    });
  }
})();
