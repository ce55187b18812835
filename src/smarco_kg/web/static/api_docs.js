// /docs: Swagger UI (served from /static/vendor/) over the server's OpenAPI description; no request leaves the site.
const mount = document.getElementById("swagger-ui");
if (mount && window.SwaggerUIBundle) {
  window.SwaggerUIBundle({
    url: mount.dataset.url,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: false, // its links inside the operations' buttons are nested controls (axe: nested-interactive)
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the online validator's badge would be fetched from another site
    presets: [window.SwaggerUIBundle.presets.apis],
  });
}

// What axe-core finds in Swagger UI's own markup, mended whenever it draws: a second main landmark, headings that
// skip a level, response tables named alike, fields without a name (an array's items, a request body's editor).
function mend(root) {
  // the page has one main landmark, the site's: Swagger UI's own list of operations is a region within it
  for (const inner of root.querySelectorAll("main")) {
    if (!inner.hasAttribute("role")) inner.setAttribute("role", "region");
    if (!inner.hasAttribute("aria-label")) inner.setAttribute("aria-label", "Operations");
  }
  // headings continue the page's own (its h1 names the page): the API's title and each group of operations are h2
  for (const heading of root.querySelectorAll("h1.title, h3.opblock-tag")) heading.setAttribute("aria-level", "2");
  for (const heading of root.querySelectorAll(".opblock h4")) heading.setAttribute("aria-level", "3");
  for (const heading of root.querySelectorAll(".opblock h5")) heading.setAttribute("aria-level", "4");
  // each operation's table of responses is a region named after the operation
  for (const region of root.querySelectorAll("table[role=region]:not([aria-label])")) {
    const block = region.closest(".opblock");
    const method = block?.querySelector(".opblock-summary-method")?.textContent || "";
    const path = block?.querySelector(".opblock-summary-path")?.textContent || "";
    region.setAttribute("aria-label", `Responses: ${method} ${path}`.trim());
  }
  // each field without a name gets its parameter's
  for (const field of root.querySelectorAll("input, select, textarea")) {
    if (field.labels?.length || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby")) continue;
    const row = field.closest("tr[data-param-name], .body-param, .parameters-col_description, .opblock");
    const name = row?.dataset?.paramName || row?.closest("tr")?.querySelector(".parameter__name")?.textContent;
    const label = (name || field.getAttribute("placeholder") || field.type || "value").replace(/\s*\*\s*$/, "").trim();
    field.setAttribute("aria-label", label);
  }
}
if (mount) {
  new MutationObserver(() => mend(mount)).observe(mount, { childList: true, subtree: true });
}
