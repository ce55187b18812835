// Type-ahead for the gap and plan pages: suggestions from /api/suggest under a text field, picked by mouse or keyboard
// (arrows, Enter, Escape). Without this module the fields still work: the server resolves the name typed.
// data-pick says what a pick does: "submit" adds the skill and sends the form (the gap page), "chip" adds a held
// skill as a chip in the form (the plan page), "field" keeps the label in sight and sends the concept's id.

const DELAY = 150;

function idOf(iri) {
  return iri.slice(iri.lastIndexOf("/") + 1);
}

function hidden(form, name, value) {
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = name;
  input.value = value;
  form.append(input);
  return input;
}

function chip(form, item) {
  let list = form.querySelector("ul.chips");
  if (!list) {
    list = document.createElement("ul");
    list.className = "chips";
    list.id = "held";
    form.querySelector("fieldset legend")?.after(list);
  }
  const id = idOf(item.id);
  if (list.querySelector(`input[value="${CSS.escape(id)}"]`)) return;
  const li = document.createElement("li");
  li.className = "chip";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.name = "have";
  box.value = id;
  box.checked = true;
  box.id = `have-${id}`;
  const label = document.createElement("label");
  label.htmlFor = box.id;
  label.textContent = item.label;
  li.append(box, " ", label);
  list.append(li);
}

function enhance(input) {
  const form = input.form;
  const pick = input.dataset.pick || "submit";
  const box = document.createElement("ul");
  box.id = `${input.id}-suggestions`;
  box.className = "suggestions";
  box.setAttribute("role", "listbox");
  box.hidden = true;
  input.after(box);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", box.id);
  let items = [];
  let active = -1;
  let timer = 0;
  let asked = 0;
  let chosen = null;

  function close() {
    box.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function show(found) {
    items = found;
    box.replaceChildren(
      ...found.map((item, index) => {
        const option = document.createElement("li");
        option.id = `${box.id}-${index}`;
        option.setAttribute("role", "option");
        option.textContent = item.label;
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(index);
        });
        return option;
      }),
    );
    box.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(found.length > 0));
    active = -1;
  }

  function highlight(index) {
    const options = box.querySelectorAll("[role=option]");
    options.forEach((o, i) => o.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
  }

  function choose(index) {
    const item = items[index];
    if (!item) return;
    close();
    if (pick === "chip") {
      chip(form, item);
      input.value = "";
      return;
    }
    if (pick === "field") {
      input.value = item.label;
      chosen?.remove();
      chosen = hidden(form, input.name, idOf(item.id));
      input.dataset.name = input.name;
      input.removeAttribute("name");
      return;
    }
    hidden(form, "have", idOf(item.id));
    input.removeAttribute("name");
    input.required = false;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  input.addEventListener("input", () => {
    if (chosen) {
      chosen.remove();
      chosen = null;
      input.name = input.dataset.name;
    }
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      const ticket = ++asked;
      const url = `${input.dataset.suggest}?${new URLSearchParams({ text, type: input.dataset.type, limit: "8" })}`;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok || ticket !== asked) return;
        const body = await response.json();
        show(body.items.map((i) => ({ id: i.id, label: i.label })));
      } catch {
        close();
      }
    }, DELAY);
  });
  input.addEventListener("keydown", (event) => {
    if (box.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}

document.querySelectorAll("input[data-suggest]").forEach(enhance);
