/* The SPARQL query page: run the editor's query against /sparql and show the results.
 *
 * Plain JavaScript, no libraries. The current query lives in the page's URL fragment, #query=<encoded>,
 * so a copied address reopens the page with the query and runs it again (a fragment never reaches the
 * server, so it cannot be mistaken for the protocol's own ?query= parameter).
 */
(function () {
  "use strict";

  const MAX_ROWS = 2000; // rows drawn in the table; the downloads carry them all
  const RESULTS_JSON = "application/sparql-results+json";
  const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedLong|unsignedInt|unsignedShort|unsignedByte)$/;
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
  const FILE_NAMES = {
    json: "results.srj", xml: "results.srx", csv: "results.csv", tsv: "results.tsv",
    ttl: "graph.ttl", nt: "graph.nt", jsonld: "graph.jsonld", rdfxml: "graph.rdf", nq: "graph.nq", trig: "graph.trig",
  };

  const $ = (id) => document.getElementById(id);
  const editor = $("query");
  const statusLine = $("status");
  const results = $("results");
  const timing = $("timing");
  const shareInput = $("share-url");
  const examples = JSON.parse($("examples-data").textContent);
  const prefixes = Object.entries(JSON.parse($("prefixes-data").textContent)).sort((a, b) => b[1].length - a[1].length);

  let running = null; // the AbortController of the query in flight

  /** SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue (comments, BASE, PREFIX). */
  function queryForm(text) {
    let rest = text;
    for (;;) {
      rest = rest.replace(/^\s+/, "");
      if (rest.startsWith("#")) {
        const end = rest.indexOf("\n");
        rest = end < 0 ? "" : rest.slice(end + 1);
        continue;
      }
      const declaration = /^(?:PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)/i.exec(rest);
      if (declaration) {
        rest = rest.slice(declaration[0].length);
        continue;
      }
      const form = /^(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(rest);
      return form ? form[1].toUpperCase() : null;
    }
  }

  function isGraphForm(form) {
    return form === "CONSTRUCT" || form === "DESCRIBE";
  }

  function compact(iri) {
    for (const [prefix, namespace] of prefixes) {
      if (iri.startsWith(namespace)) {
        const local = iri.slice(namespace.length);
        if (/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/.test(local) || local === "") return prefix + ":" + local;
      }
    }
    return iri;
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child !== undefined && child !== null) node.append(child);
    }
    return node;
  }

  /* ---- the query in the URL: #query=… ---- */

  function shareUrl(query) {
    return location.origin + location.pathname + "#query=" + encodeURIComponent(query);
  }

  function queryFromUrl() {
    const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (fragment.has("query")) return fragment.get("query");
    const search = new URLSearchParams(location.search);
    return search.has("query") ? search.get("query") : null;
  }

  function keepInUrl(query) {
    const url = shareUrl(query);
    shareInput.value = url;
    if (location.href !== url) history.replaceState(null, "", url);
  }

  /* ---- downloads ---- */

  function updateDownloads(query) {
    const form = queryForm(query);
    const encoded = encodeURIComponent(query);
    for (const link of document.querySelectorAll("#downloads a[data-format]")) {
      const format = link.dataset.format;
      link.href = "/sparql?query=" + encoded + "&format=" + format;
      link.setAttribute("download", FILE_NAMES[format] || "results");
    }
    $("result-downloads").hidden = form !== null && isGraphForm(form);
    $("graph-downloads").hidden = form !== null && !isGraphForm(form);
  }

  let pending = null;
  function queryChanged() {
    clearTimeout(pending);
    pending = setTimeout(() => {
      keepInUrl(editor.value);
      updateDownloads(editor.value);
    }, 250);
  }

  /* ---- rendering ---- */

  function term(value) {
    if (!value) return element("span", { class: "unbound", title: "unbound" }, "");
    switch (value.type) {
      case "uri":
        return element("a", { href: value.value, title: value.value }, compact(value.value));
      case "bnode":
        return element("span", { class: "bnode" }, "_:" + value.value);
      case "triple": {
        const t = value.value;
        return element("span", { class: "triple" }, "<< ", term(t.subject), " ", term(t.predicate), " ", term(t.object), " >>");
      }
      default: {
        const span = element("span", { class: "literal" });
        const datatype = value.datatype;
        if (datatype === XSD + "anyURI" && /^https?:\/\//.test(value.value)) {
          span.append(element("a", { href: value.value, title: "xsd:anyURI" }, value.value));
          return span; // the link says what it is
        }
        span.append(value.value);
        if (value["xml:lang"]) {
          span.append(element("span", { class: "lang", title: "language tag" }, "@" + value["xml:lang"]));
        } else if (datatype && datatype !== XSD + "string" && datatype !== RDF_LANG_STRING && !NUMERIC.test(datatype)) {
          span.append(element("span", { class: "datatype", title: datatype }, "^^" + compact(datatype)));
        }
        return span;
      }
    }
  }

  function isNumeric(value) {
    return value && value.type === "literal" && value.datatype && NUMERIC.test(value.datatype);
  }

  function renderTable(data) {
    const variables = data.head.vars || [];
    const rows = data.results.bindings || [];
    const table = element("table", { id: "results-table" });
    table.append(element("caption", {}, "Query results"));
    const headRow = element("tr");
    for (const variable of variables) headRow.append(element("th", { scope: "col" }, variable));
    table.append(element("thead", {}, headRow));
    const body = element("tbody");
    for (const row of rows.slice(0, MAX_ROWS)) {
      const tr = element("tr");
      for (const variable of variables) {
        tr.append(element("td", isNumeric(row[variable]) ? { class: "n" } : {}, term(row[variable])));
      }
      body.append(tr);
    }
    table.append(body);
    const wrap = element("div", { class: "table-wrap", role: "region", "aria-label": "Result table", tabindex: "0" });
    wrap.append(table);
    results.replaceChildren(wrap);
    if (rows.length > MAX_ROWS) {
      results.append(element("p", { class: "hint" }, `The table shows the first ${MAX_ROWS} rows; the downloads hold all ${rows.length}.`));
    }
    return rows.length;
  }

  function renderBoolean(value) {
    results.replaceChildren(element("p", { class: "boolean", id: "boolean-result" }, value ? "true" : "false"));
  }

  function renderText(text, mediaType) {
    const pre = element("pre", { class: "graph", id: "graph-result", tabindex: "0", "aria-label": "Result as " + mediaType }, text);
    results.replaceChildren(pre);
  }

  function renderError(title, detail) {
    const box = element("div", { class: "error", id: "error", role: "alert" }, element("strong", {}, title));
    if (detail) box.append(element("pre", {}, detail));
    results.replaceChildren(box);
  }

  function seconds(ms) {
    return (ms / 1000).toFixed(ms < 10000 ? 3 : 1) + " s";
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  /* ---- running ---- */

  async function run() {
    const query = editor.value;
    keepInUrl(query);
    updateDownloads(query);
    if (!query.trim()) {
      statusLine.textContent = "Write a query first.";
      return;
    }
    if (running) running.abort();
    const controller = new AbortController();
    running = controller;
    const form = queryForm(query);
    const accept = form === null ? RESULTS_JSON + ", text/turtle;q=0.9" : isGraphForm(form) ? "text/turtle" : RESULTS_JSON;
    statusLine.textContent = "Running the query…";
    timing.textContent = "";
    results.setAttribute("aria-busy", "true");
    const started = performance.now();
    let response, text;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
        body: "query=" + encodeURIComponent(query),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (error) {
      if (controller.signal.aborted) return;
      results.removeAttribute("aria-busy");
      statusLine.textContent = "The query could not be sent.";
      renderError("The server could not be reached", String(error && error.message ? error.message : error));
      running = null;
      return;
    }
    if (running !== controller) return; // a newer run took over
    running = null;
    results.removeAttribute("aria-busy");
    const elapsed = performance.now() - started;
    const serverSeconds = response.headers.get("X-Query-Seconds");
    const took = seconds(elapsed) + (serverSeconds ? ` (evaluation ${seconds(parseFloat(serverSeconds) * 1000)})` : "");
    const mediaType = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    if (!response.ok) {
      let title = `${response.status} ${response.statusText}`;
      let detail = text;
      try {
        const problem = JSON.parse(text);
        title = problem.title || title;
        detail = problem.detail || "";
      } catch (_) {
        /* not a problem document: show the body as it is */
      }
      statusLine.textContent = "Error: " + title;
      timing.textContent = `Error after ${seconds(elapsed)}: see the results below.`;
      renderError(title, detail);
      return;
    }
    if (mediaType === RESULTS_JSON) {
      const data = JSON.parse(text);
      if (typeof data.boolean === "boolean") {
        renderBoolean(data.boolean);
        statusLine.textContent = "ASK: " + data.boolean + ", in " + took + ".";
      } else {
        const count = renderTable(data);
        statusLine.textContent = plural(count, "row") + " in " + took + ".";
      }
    } else {
      renderText(text, mediaType);
      const lines = text.split("\n").filter((line) => line.trim()).length;
      statusLine.textContent = `${mediaType || "response"}: ${plural(lines, "line")} in ${took}.`;
    }
    timing.textContent = statusLine.textContent; // beside the button too, when the results are out of sight
  }

  /* ---- wiring ---- */

  function showDescription() {
    const chosen = examples.find((e) => e.name === $("example").value);
    $("example-description").textContent = chosen ? chosen.description : "";
  }

  $("examples-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = examples.find((e) => e.name === $("example").value);
    if (!chosen) {
      statusLine.textContent = "Choose an example first.";
      $("example").focus();
      return;
    }
    editor.value = chosen.text;
    keepInUrl(chosen.text);
    updateDownloads(chosen.text);
    statusLine.textContent = `Loaded the example “${chosen.summary}”: press Run query or Ctrl+Enter.`;
    editor.focus();
    editor.setSelectionRange(0, 0);
    editor.scrollTop = 0;
  });
  $("example").addEventListener("change", showDescription);

  $("query-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  editor.addEventListener("input", queryChanged);

  $("copy-link").addEventListener("click", async () => {
    keepInUrl(editor.value);
    try {
      await navigator.clipboard.writeText(shareInput.value);
      statusLine.textContent = "Copied the link to this query.";
    } catch (_) {
      shareInput.focus();
      shareInput.select();
      statusLine.textContent = "Select the link and copy it (Ctrl+C).";
    }
  });
  shareInput.addEventListener("focus", () => shareInput.select());

  window.addEventListener("hashchange", () => {
    const query = queryFromUrl();
    if (query !== null && query !== editor.value) {
      editor.value = query;
      run();
    }
  });

  const shared = queryFromUrl();
  if (shared !== null && shared.trim()) {
    editor.value = shared;
    run();
  } else {
    shareInput.value = shareUrl(editor.value);
    updateDownloads(editor.value);
  }
  showDescription();
})();
