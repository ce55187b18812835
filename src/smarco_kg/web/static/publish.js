// The course form, better with JavaScript: a skill type-ahead on each outcome (an ARIA combobox over
// /search/suggest, skills only) and the suggested skills redrawn as the outcome's text changes. Without this module
// the form works the same through its buttons.

function choice(name, value, label, checked) {
  const wrap = document.createElement("label");
  wrap.className = "choice";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.name = name;
  box.value = value;
  box.checked = checked;
  wrap.append(box, " ", label);
  return wrap;
}

function typeahead(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const chosen = document.getElementById(input.dataset.chosen);
  let items = [];
  let active = -1;
  let asked = 0;
  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    items = [];
    active = -1;
  };
  const pick = (i) => {
    const item = items[i];
    if (!item) return;
    const taken = [...chosen.querySelectorAll("input")].some((box) => box.value === item.id);
    if (!taken) {
      const li = document.createElement("li");
      li.append(choice(input.dataset.name, item.id, item.label, true));
      chosen.append(li);
    }
    input.value = "";
    close();
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((option, j) => option.setAttribute("aria-selected", String(i === j)));
    if (i >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${i}`);
  };
  input.addEventListener("input", async () => {
    const text = input.value.trim();
    const mine = ++asked;
    if (text.length < 2) return close();
    const url = `${input.dataset.skillSuggest}?${new URLSearchParams({ q: text, lang: input.dataset.lang, limit: 20 })}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || mine !== asked) return;
      items = (await response.json()).items.filter((item) => item.type === "skill");
    } catch {
      return close();
    }
    list.replaceChildren(
      ...items.map((item, i) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${i}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => pick(i));
        return option;
      }),
    );
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

// While a pointer is pressed nothing is redrawn: suggestions drawn between the press and the release would move the
// button under it, and the click (on "Save the course", say) would be lost. They are drawn once the click has landed.
let pressed = false;
const held = [];
const release = () => {
  pressed = false;
  setTimeout(() => held.splice(0).forEach((draw) => draw()), 0);
};
document.addEventListener("pointerdown", () => { pressed = true; }, true);
document.addEventListener("pointerup", release, true);
document.addEventListener("pointercancel", release, true);
const whenReleased = (draw) => (pressed ? held.push(draw) : draw());

function suggestions(textarea) {
  const box = document.getElementById(textarea.dataset.suggestions);
  const legend = box.querySelector("legend");
  const row = textarea.closest("fieldset.outcome");
  let asked = 0;
  let pause;
  const refresh = async () => {
    clearTimeout(pause);
    const text = textarea.value.trim();
    if (!text) return;
    const lang = document.documentElement.lang || "en";
    const mine = ++asked;
    const response = await fetch(`/publish/suggestions?${new URLSearchParams({ text, lang })}`);
    if (!response.ok || mine !== asked) return;
    const items = (await response.json()).items;
    whenReleased(() => {
      if (mine !== asked) return;
      const taken = new Set([...row.querySelectorAll("ul.chosen input:checked")].map((b) => b.value));
      const ticked = new Set([...box.querySelectorAll("input:checked")].map((b) => b.value));
      const found = items.filter((item) => !taken.has(item.id));
      box.replaceChildren(legend, ...found.map((item) => choice(box.dataset.name, item.id, item.label, ticked.has(item.id))));
      box.hidden = found.length === 0;
    });
  };
  // as the person pauses in typing, and at once when they leave the text
  textarea.addEventListener("input", () => {
    clearTimeout(pause);
    pause = setTimeout(refresh, 400);
  });
  textarea.addEventListener("change", refresh);
}

document.querySelectorAll("input[data-skill-suggest]").forEach(typeahead);
document.querySelectorAll("textarea[data-suggestions]").forEach(suggestions);
