// Starts Swagger UI on /api/docs with our own OpenAPI document. Kept in a file (not inline) so
// the page needs no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Keys typed into "Authorize" stay in this tab's memory only.
    persistAuthorization: false,
  });
});
