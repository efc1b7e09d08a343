/* Fills the "Existing tools that look similar" panel of the tool and need forms as the
   person types: a debounced POST of the draft to /api/v1/overlap/. Without JavaScript the
   panel's "Check for similar tools" button does the same through the server. */
(function () {
  "use strict";

  var DELAY_MS = 600;
  var FACETS = ["functions", "trafficking_types", "target_users", "regions"];

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim();
      if (part.indexOf(name + "=") === 0) {
        return decodeURIComponent(part.slice(name.length + 1));
      }
    }
    return "";
  }

  function csrfToken(form) {
    var token = cookie("csrftoken");
    if (token) { return token; }
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field && typeof field.value === "string" ? field.value.trim() : "";
  }

  function codes(form, name) {
    var chosen = [];
    var inputs = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.tagName === "SELECT") {
        for (var j = 0; j < input.options.length; j++) {
          if (input.options[j].selected) { chosen.push(input.options[j].value); }
        }
      } else if (input.checked) {
        chosen.push(input.value);
      }
    }
    return chosen;
  }

  function draft(form) {
    var kind = form.getAttribute("data-overlap-kind");
    var description = value(form, "description");
    if (kind === "tool") {
      description = [value(form, "summary"), description].filter(Boolean).join(" ");
    }
    var body = {
      kind: kind,
      title: value(form, form.getAttribute("data-overlap-title")),
      description: description,
      language: document.documentElement.lang || "en",
      limit: 8
    };
    FACETS.forEach(function (name) { body[name] = codes(form, name); });
    return body;
  }

  function render(panel, results) {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    if (!results.length) {
      var empty = document.createElement("p");
      empty.textContent = panel.getAttribute("data-empty-text");
      panel.appendChild(empty);
      return;
    }
    var list = document.createElement("ol");
    list.className = "overlap-list";
    results.forEach(function (match) {
      var item = document.createElement("li");
      item.className = "overlap-list__item";
      var link = document.createElement("a");
      link.href = match.url;
      link.textContent = match.name;
      item.appendChild(link);
      if (match.likely_duplicate) {
        var badge = document.createElement("span");
        badge.className = "badge badge--warning";
        badge.textContent = panel.getAttribute("data-duplicate-text");
        item.appendChild(document.createTextNode(" "));
        item.appendChild(badge);
      }
      if (match.reasons && match.reasons.length) {
        var reasons = document.createElement("span");
        reasons.className = "muted small";
        reasons.textContent = match.reasons.join("; ");
        item.appendChild(document.createElement("br"));
        item.appendChild(reasons);
      }
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  function attach(form) {
    var panel = document.getElementById("overlap-results");
    if (!panel) { return; }
    var timer = null;
    var sent = 0;

    function check() {
      var body = draft(form);
      if (!body.title && !body.description) { return; }
      var ticket = ++sent;
      fetch(form.getAttribute("data-overlap-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": csrfToken(form)
        },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        if (ticket === sent) { render(panel, data.results || []); }
      }).catch(function () {
        if (ticket !== sent) { return; }
        while (panel.firstChild) { panel.removeChild(panel.firstChild); }
        var error = document.createElement("p");
        error.textContent = panel.getAttribute("data-error-text");
        panel.appendChild(error);
      });
    }

    function schedule() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(check, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  function start() {
    var forms = document.querySelectorAll("form[data-overlap-kind]");
    for (var i = 0; i < forms.length; i++) { attach(forms[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
