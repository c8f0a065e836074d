// Starts Swagger UI on /api/docs with our own OpenAPI document. Kept in a file (not inline) so
// the page needs no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    // No deep links: they put a link inside each operation's toggle button (nested controls).
    deepLinking: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No badge from validator.swagger.io: the page must not reach any other site.
    validatorUrl: null,
    // Keys typed into "Authorize" stay in this tab's memory only.
    persistAuthorization: false,
  });
});
