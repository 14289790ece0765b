// Renders the OpenAPI document named by the page.
"use strict";

const container = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: container.dataset.specUrl,
  domNode: container,
  deepLinking: true,
  // Otherwise Swagger UI sends the document's URL to validator.swagger.io.
  validatorUrl: null,
});
