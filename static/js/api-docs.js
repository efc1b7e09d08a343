/* Starts the Swagger UI of /api/docs/ from a file, so the page needs no inline script under
   the site's Content-Security-Policy. The schema address and the CSRF header come from data
   attributes of the #swagger-ui element (templates/api/swagger_ui.html). */
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
  var csrfHeader = root.getAttribute("data-csrf-header");
  var csrfToken = root.getAttribute("data-csrf-token");

  // Session-authenticated writes tried from the page need Django's CSRF header; reads do not.
  function addCsrfHeader(request) {
    var method = (request.method || "GET").toUpperCase();
    var safe = method === "GET" || method === "HEAD" || method === "OPTIONS";
    if (!safe && csrfHeader && csrfToken) {
      request.headers[csrfHeader] = csrfToken;
    }
    return request;
  }

  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    requestInterceptor: addCsrfHeader
  });
})();
