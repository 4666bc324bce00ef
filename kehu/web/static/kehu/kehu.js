// Small behaviours shared by every page: the "/" and "n" shortcuts, keyboard use of the search
// popup, the activity panel's tabs, the phone menu, confirmation before destructive actions, and the company picker.
function closeSearch() {
  const popup = document.getElementById("search-popup");
  if (popup) popup.innerHTML = "";
}

function moveFocus(list, current, step) {
  const options = Array.from(list.querySelectorAll("a[role=option], button[role=option]"));
  if (!options.length) return false;
  const index = options.indexOf(current);
  const next = index === -1 ? (step > 0 ? 0 : options.length - 1) : index + step;
  if (next < 0 || next >= options.length) return false;
  options[next].focus();
  return true;
}

document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing) {
    event.preventDefault();
    document.getElementById("global-search")?.focus();
    return;
  }
  if (event.key === "n" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    // "n": log an activity — on a record page in its panel, elsewhere on the quick-add page
    const form = document.querySelector("[data-quick-add] form");
    const field = form?.querySelector("input:not([type=hidden]), textarea, select");
    event.preventDefault();
    if (field) field.focus();
    else document.getElementById("quick-add-link")?.click();
    return;
  }
  if (event.key === "u" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    // "u": the Undo of the newest confirmation on the page (docs/record-pages.md)
    const forms = document.querySelectorAll("#messages form[data-undo]");
    const last = forms[forms.length - 1];
    if (last) {
      event.preventDefault();
      last.requestSubmit();
    }
    return;
  }
  const inSearch = target.closest(".global-search");
  if (inSearch) {
    const popup = document.getElementById("search-popup");
    if (event.key === "Escape") {
      closeSearch();
      document.getElementById("global-search").blur();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (moveFocus(popup, target, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
      else if (event.key === "ArrowUp" && target.getAttribute("role") === "option") {
        document.getElementById("global-search").focus();
        event.preventDefault();
      }
    }
  }
  const picker = target.closest("[data-company-picker]");
  if (picker) {
    const options = picker.querySelector(".company-options");
    if (event.key === "Escape") {
      options.innerHTML = "";
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (moveFocus(options, target, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
    } else if (event.key === "Enter" && target.matches("[data-company-search]")) {
      event.preventDefault();  // choosing happens from the list; Enter must not submit half-typed
    }
  }
});

// The company picker: a suggestion (or a company just created from "Create company …") becomes
// the chosen company; the search box shows its name and gets the focus back.
function chooseCompany(option) {
  const picker = option.closest("[data-company-picker]");
  const search = picker.querySelector("[data-company-search]");
  picker.querySelector("[data-company-id]").value = option.dataset.companyOption;
  search.value = option.dataset.label;
  picker.querySelector(".company-options").innerHTML = "";
  search.setAttribute("aria-expanded", "false");
  search.focus();
}

document.addEventListener("htmx:afterSwap", (event) => {
  const list = event.target.closest?.("[data-company-picker] .company-options");
  if (!list) return;
  const created = list.querySelector("[data-company-created]");
  if (created) {
    chooseCompany(created);
    return;
  }
  const search = list.closest("[data-company-picker]").querySelector("[data-company-search]");
  search.setAttribute("aria-expanded", list.querySelector("[role=option]") ? "true" : "false");
});

document.addEventListener("input", (event) => {
  const search = event.target.closest("[data-company-search]");
  if (search) {
    // Typing un-chooses the company until a suggestion is picked (or the box is left empty).
    search.closest("[data-company-picker]").querySelector("[data-company-id]").value = "";
  }
});

document.addEventListener("click", (event) => {
  const tab = event.target.closest("[data-quick-add] [data-tab]");
  if (tab) {
    // htmx fetches the tab's form; mark the tab chosen
    tab.closest("[data-quick-add]").querySelectorAll("[data-tab]").forEach((other) => {
      other.classList.toggle("active", other === tab);
      other.setAttribute("aria-selected", other === tab ? "true" : "false");
    });
  }
  if (event.target.closest("[data-nav-toggle]")) {
    document.querySelector("[data-nav]")?.classList.toggle("open");
  }
  if (!event.target.closest(".global-search")) closeSearch();
  const option = event.target.closest("[data-company-option]");
  if (option) {
    chooseCompany(option);
  } else if (!event.target.closest("[data-company-create]")) {
    document.querySelectorAll("[data-company-picker] .company-options").forEach((list) => {
      if (!list.closest("[data-company-picker]").contains(event.target)) list.innerHTML = "";
    });
  }
});

// Asking before destructive actions (<form data-confirm="Really?">): kehu/dialogs.js.

// Kehu's Content-Security-Policy allows no inline script, style or event-handler attribute
// (docs/operations.md, "Security headers"); what pages once did inline lives here instead.

// <select data-autosubmit>: choosing an option reloads the page's filter form.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select?.form) select.form.submit();
});

// <button data-copy="#selector" data-copied="Copied">: copy the element's text to the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const done = () => {
    if (button.dataset.copied) button.textContent = button.dataset.copied;
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent).then(done);
  } else {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
    done();
  }
});

// A new custom field: suggest a key from the label until the key is typed by hand (the server
// does the same when it is left empty).
document.addEventListener("input", (event) => {
  const form = event.target.closest("form");
  if (!form) return;
  const target = form.querySelector("[data-key-target]");
  if (!target) return;
  // a key already there when the page came (the form shown again with errors) counts as typed
  if (target.dataset.touched === undefined) target.dataset.touched = target.value ? "1" : "";
  if (event.target === target) {
    target.dataset.touched = target.value !== "" ? "1" : "";
    return;
  }
  if (!event.target.matches("[data-key-source]") || target.dataset.touched) return;
  let key = event.target.value
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (key && !/^[a-z]/.test(key)) key = `f_${key}`;
  target.value = key.slice(0, 40);
});

// Sizes computed on the server (chart bars, calendar slots, progress) travel as numbers in
// data-pct-left/-width/-top/-height (percent) and data-px-height; set through the CSSOM, which
// the policy allows, unlike style="" attributes.
const GEOMETRY = [
  ["pctLeft", "left", "%"],
  ["pctWidth", "width", "%"],
  ["pctTop", "top", "%"],
  ["pctHeight", "height", "%"],
  ["pxHeight", "height", "px"],
];

function applyGeometry(root) {
  if (!root.querySelectorAll) return;
  const selector = "[data-pct-left], [data-pct-width], [data-pct-top], [data-pct-height], [data-px-height]";
  const nodes = [root, ...root.querySelectorAll(selector)];
  for (const node of nodes) {
    if (!node.dataset) continue;
    for (const [key, property, unit] of GEOMETRY) {
      const value = Number.parseFloat(node.dataset[key]);
      if (Number.isFinite(value)) node.style[property] = `${value}${unit}`;
    }
  }
}

applyGeometry(document);
document.addEventListener("htmx:load", (event) => applyGeometry(event.target));

// The command palette (Ctrl/⌘+K or the ⌘K button): a combobox over a listbox the server fills
// with actions, pages and records (/palette/?q=); arrows choose, Enter opens, Esc closes.
// "?" shows the keyboard shortcuts. See docs/shortcuts.md.
const palette = {
  dialog: () => document.getElementById("palette"),
  input: () => document.getElementById("palette-input"),
  list: () => document.getElementById("palette-options"),
  request: 0,
  timer: null,

  open() {
    const dialog = palette.dialog();
    if (!dialog || dialog.open) return;
    document.getElementById("shortcuts")?.close();
    palette.input().value = "";
    dialog.showModal();
    palette.input().focus();
    palette.load("");
  },

  load(query) {
    const dialog = palette.dialog();
    const ticket = ++palette.request;
    const url = `${dialog.dataset.paletteUrl}?q=${encodeURIComponent(query)}`;
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        if (ticket !== palette.request) return; // an answer to an older query
        palette.list().innerHTML = html;
        palette.choose(0);
      })
      .catch(() => {});
  },

  options: () => Array.from(palette.list().querySelectorAll("[role=option]")),

  choose(index) {
    const options = palette.options();
    const input = palette.input();
    options.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
    const chosen = options[index];
    if (chosen) {
      input.setAttribute("aria-activedescendant", chosen.id);
      chosen.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  },

  move(step) {
    const options = palette.options();
    if (!options.length) return;
    const current = options.findIndex((option) => option.getAttribute("aria-selected") === "true");
    palette.choose((current + step + options.length) % options.length);
  },

  go() {
    const chosen = palette.list().querySelector("[role=option][aria-selected=true]");
    if (chosen) window.location.assign(chosen.href);
  },
};

document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
    if (!palette.dialog()) return;
    event.preventDefault();
    palette.open();
    return;
  }
  if (event.key === "?" && !typing && !event.ctrlKey && !event.metaKey) {
    const shortcuts = document.getElementById("shortcuts");
    if (shortcuts && !shortcuts.open && !palette.dialog()?.open) {
      event.preventDefault();
      shortcuts.showModal();
    }
    return;
  }
  if (event.target.id === "palette-input") {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      palette.move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      palette.go();
    }
  }
});

document.addEventListener("input", (event) => {
  if (event.target.id !== "palette-input") return;
  clearTimeout(palette.timer);
  const query = event.target.value;
  palette.timer = setTimeout(() => palette.load(query), 120);
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-palette-open]")) {
    palette.open();
    return;
  }
  // a click on the backdrop (the dialog itself, outside its box) closes it
  if (event.target === palette.dialog() || event.target === document.getElementById("shortcuts")) {
    event.target.close();
  }
});

// "Add a line" on a form with rows (a Django formset): a copy of the row in the <template>
// named by data-add-row, numbered as the next form, focused; the server counts the forms.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const template = document.querySelector(button.dataset.addRow);
  const prefix = button.dataset.rowsPrefix;
  const total = button.form?.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const max = button.form?.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`);
  const rows = button.closest("[id]")?.querySelector("[data-rows]");
  if (!template || !total || !rows) return;
  const index = Number(total.value);
  if (max && index >= Number(max.value)) return;
  const html = template.innerHTML.replaceAll("__prefix__", String(index));
  rows.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  rows.lastElementChild?.querySelector("select, input")?.focus();
});

// Phones (decision 0025-phones). A list table shows one card per row on a narrow screen
// (kehu.css); each cell is labelled with its column's name, copied here from the header so the
// templates and the Python-built rows need no second copy of every label.
function labelCells(root) {
  if (!root.querySelectorAll) return;
  const tables = root.matches?.("table.list") ? [root] : root.querySelectorAll("table.list");
  const within = root.closest?.("table.list");
  for (const table of within ? [within] : tables) {
    const head = table.tHead?.rows[table.tHead.rows.length - 1];
    if (!head) continue;
    const labels = [];
    for (const th of head.cells) {
      const text = th.textContent.replace(/[▲▼]/g, "").replace(/\s+/g, " ").trim();
      for (let i = 0; i < th.colSpan; i += 1) labels.push(text);
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label") && labels[column]) cell.dataset.label = labels[column];
          column += cell.colSpan;
        }
      }
    }
  }
}

labelCells(document);
document.addEventListener("htmx:load", (event) => labelCells(event.target));

// A table too wide for its box scrolls inside it: such a box takes the keyboard's focus, so
// that it can be scrolled without a mouse (WCAG 2.1.1); boxes that fit stay out of the tab order.
function focusableScrollers(root) {
  if (!root.querySelectorAll) return;
  for (const box of root.querySelectorAll(".table-wrap")) {
    if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  }
}

focusableScrollers(document);
document.addEventListener("htmx:load", () => focusableScrollers(document));
window.addEventListener("resize", () => focusableScrollers(document));

// After a phone number is tapped (a tel: link with data-log-call), offer to log the call: the
// phone's dialler opens over the page, and the offer waits for the person's return.
document.addEventListener("click", (event) => {
  const offer = document.getElementById("call-offer");
  if (!offer) return;
  if (event.target.closest("[data-call-offer-close]")) {
    offer.hidden = true;
    return;
  }
  const link = event.target.closest("a[href^='tel:'][data-log-call]");
  if (!link) return;
  offer.querySelector("[data-call-offer-link]").href = link.dataset.logCall;
  offer.querySelector("[data-call-offer-name]").textContent = link.dataset.callName || link.textContent;
  offer.hidden = false;
});

// The service worker answers page loads with an offline page when the server is unreachable.
const serviceWorkerUrl = document.querySelector("meta[name='kehu-service-worker']")?.content;
if (serviceWorkerUrl && "serviceWorker" in navigator) {
  navigator.serviceWorker.register(serviceWorkerUrl).catch(() => {});  // scope: where it is served, /
}
// The bulk bar of a list (kehu/core/templates/bulk/_bar.html): row checkboxes belong to the
// bar's form; "select all on this page" ticks them; the bar shows only the inputs the chosen
// action (and field) uses; Cancel or Esc closes the in-page confirmation.
function bulkRows() {
  return [...document.querySelectorAll('input[name="ids"][form="bulk-form"]')];
}

function bulkRefresh() {
  const bar = document.querySelector("[data-bulk-bar]");
  if (!bar) return;
  const rows = bulkRows();
  const ticked = rows.filter((row) => row.checked).length;
  const count = bar.querySelector("[data-bulk-count]");
  if (count) count.textContent = String(ticked);
  const all = document.querySelector("[data-bulk-all]");
  if (all) {
    all.checked = rows.length > 0 && ticked === rows.length;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }
  const action = bar.querySelector("[data-bulk-action]")?.value;
  for (const block of bar.querySelectorAll("[data-bulk-for]")) {
    const shown = block.dataset.bulkFor.split(" ").includes(action);
    block.hidden = !shown;
    for (const input of block.querySelectorAll("input, select")) input.disabled = !shown;
  }
  const field = bar.querySelector("[data-bulk-field]")?.value;
  for (const block of bar.querySelectorAll("[data-bulk-value]")) {
    const shown = action === "set_field" && block.dataset.bulkValue === field;
    block.hidden = !shown;
    for (const input of block.querySelectorAll("input, select")) input.disabled = !shown;
  }
}

function bulkCancel() {
  const panel = document.getElementById("bulk-confirm");
  if (!panel || !panel.firstElementChild) return false;
  panel.replaceChildren();
  document.querySelector("[data-bulk-review]")?.focus();
  return true;
}

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-bulk-all]")) {
    for (const row of bulkRows()) row.checked = event.target.checked;
  }
  if (event.target.closest("[data-bulk-bar]") || event.target.matches('input[name="ids"], [data-bulk-all]')) {
    bulkRefresh();
    // what was reviewed is no longer what would be done
    if (event.target.closest("[data-bulk-bar]") || event.target.name === "ids") bulkCancel();
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-bulk-cancel]")) bulkCancel();
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && event.target.closest?.("#bulk-confirm, [data-bulk-bar]") && bulkCancel()) {
    event.preventDefault();
  }
});

bulkRefresh();

// a picker whose options carry data-definition shows the chosen one's in the element named by
// data-definition-into (the goal form's metric picker)
document.addEventListener("change", (event) => {
  const picker = event.target.closest && event.target.closest("select[data-definition-into]");
  if (!picker) return;
  const into = document.getElementById(picker.dataset.definitionInto);
  if (into) into.textContent = picker.selectedOptions[0]?.dataset.definition || "";
});
