// The search box, better with JavaScript: suggestions as one types (an ARIA combobox); on the search page, facets
// applied as they are ticked, without reloading the page, the URL keeping the state so the back button walks it.
// Without this module the box is a plain form.

const input = document.querySelector("input[role=combobox][data-suggest]");
const form = input.form;
const list = document.getElementById(input.getAttribute("aria-controls"));
const onSearchPage = document.getElementById("search-facets") !== null;

let items = [];
let active = -1;
let asked = 0;

function close() {
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  items = [];
  active = -1;
}

function show(found) {
  items = found;
  active = -1;
  list.replaceChildren(
    ...found.map((item, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const label = document.createElement("span");
      label.textContent = item.label;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = item.kind;
      option.append(label, " ", kind);
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => choose(i));
      return option;
    }),
  );
  list.hidden = found.length === 0;
  input.setAttribute("aria-expanded", String(found.length > 0));
}

function highlight(i) {
  active = i;
  [...list.children].forEach((option, j) => option.setAttribute("aria-selected", String(i === j)));
  if (i >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${i}`);
  else input.removeAttribute("aria-activedescendant");
}

function choose(i) {
  const item = items[i];
  if (!item) return;
  close();
  const target = new URL(item.href, location.href);
  if (target.pathname === "/search" && onSearchPage) {
    // a skill or an occupation: chosen as a facet, with the facets already chosen kept (the words give way to it)
    const state = new URLSearchParams(new FormData(form));
    state.delete("q");
    state.delete("offset");
    for (const [name, value] of target.searchParams) {
      if (name !== "lang" && !state.getAll(name).includes(value)) state.append(name, value);
    }
    load(`/search?${state}`, true);
  } else {
    location.assign(target);
  }
}

async function suggest() {
  const text = input.value.trim();
  const mine = ++asked;
  if (text.length < 2) return close();
  const url = `${input.dataset.suggest}?${new URLSearchParams({ q: text, lang: input.dataset.lang })}`;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok || mine !== asked) return;
    show((await response.json()).items);
  } catch {
    close();
  }
}

input.addEventListener("input", suggest);
input.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && items.length) {
    event.preventDefault();
    highlight((active + 1) % items.length);
  } else if (event.key === "ArrowUp" && items.length) {
    event.preventDefault();
    highlight(active <= 0 ? items.length - 1 : active - 1);
  } else if (event.key === "Enter" && active >= 0) {
    event.preventDefault();
    choose(active);
  } else if (event.key === "Escape") {
    close();
  }
});
input.addEventListener("blur", () => setTimeout(close, 100));

// -- facets without a reload: fetch the page for the new state and swap its facets and results in

async function load(url, push) {
  const response = await fetch(url, { headers: { Accept: "text/html" } });
  if (!response.ok) {
    location.assign(url);
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of ["search-facets", "search-results"]) {
    const fresh = page.getElementById(id);
    if (fresh) document.getElementById(id).replaceWith(document.adoptNode(fresh));
  }
  const words = page.getElementById(input.id);
  if (words) input.value = words.value;
  document.title = page.title;
  if (push) history.pushState({ search: true }, "", url);
}

form.addEventListener("change", (event) => {
  if (!onSearchPage || event.target.type !== "checkbox") return;
  const state = new URLSearchParams(new FormData(form));
  state.delete("offset");
  load(`/search?${state}`, true);
});

if (onSearchPage) window.addEventListener("popstate", () => load(location.href, false));
