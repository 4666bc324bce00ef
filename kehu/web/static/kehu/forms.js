// Forms on every page (no inline scripts: the Content-Security-Policy allows only files, decision
// 0016):
// - after a failed save, the keyboard focus goes to the first field with an error (and the field
//   says it is invalid and which message describes it), so nobody hunts for what went wrong;
// - a time-zone <select data-zone-picker> gets a box above it that narrows its options as one
//   types (a zone, a city or its Chinese name). Without JavaScript it stays a plain select.

function markErrors(root) {
  let first = null;
  root.querySelectorAll("form .has-error").forEach((field, index) => {
    const input = field.querySelector("input:not([type=hidden]), select, textarea");
    const list = field.querySelector(".errorlist");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      if (list) {
        if (!list.id) list.id = `${input.id || "field"}-errors-${index}`;
        const described = (input.getAttribute("aria-describedby") || "").split(" ");
        if (!described.includes(list.id)) {
          input.setAttribute("aria-describedby", [...described, list.id].join(" ").trim());
        }
      }
    }
    if (!first) first = input || list;
  });
  if (!first) {
    // an error above the form (a conflict, a failed login): say it, from its place
    first = root.querySelector("form .errorlist, .conflict");
    if (first && !first.matches("input, select, textarea, a, button")) {
      first.setAttribute("tabindex", "-1");
    }
  }
  return first;
}

function focusFirstError(root) {
  const first = markErrors(root);
  if (!first) return;
  first.focus({ preventScroll: true });
  first.scrollIntoView({ block: "center" });
}

document.addEventListener("DOMContentLoaded", () => focusFirstError(document));
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target instanceof Element && event.target.closest("form, [data-form-host]")) {
    focusFirstError(event.target);
  }
});

function fold(text) {
  return text.toLowerCase().replace(/_/g, " ");
}

function setUpZonePicker(select) {
  if (select.dataset.zonePickerReady) return;
  select.dataset.zonePickerReady = "1";
  const box = document.createElement("input");
  box.type = "search";
  box.className = "zone-filter";
  box.autocomplete = "off";
  box.placeholder = select.dataset.filterLabel || "";
  box.setAttribute("aria-label", select.dataset.filterLabel || "");
  box.setAttribute("aria-controls", select.id);
  select.before(box);
  const options = Array.from(select.options);
  box.addEventListener("input", () => {
    const words = fold(box.value.trim()).split(/\s+/).filter(Boolean);
    let shown = 0;
    let firstShown = null;
    for (const option of options) {
      const haystack = fold(`${option.value} ${option.textContent}`);
      const match = option.value === "" ? !words.length : words.every((w) => haystack.includes(w));
      option.hidden = !match;
      if (match) {
        shown += 1;
        firstShown = firstShown || option;
      }
    }
    select.querySelectorAll("optgroup").forEach((group) => {
      group.hidden = !Array.from(group.children).some((option) => !option.hidden);
    });
    // while narrowing, show the matches as a list; an empty box gives the dropdown back
    select.size = words.length ? Math.max(2, Math.min(8, shown)) : 0;
    if (words.length && firstShown && select.selectedOptions[0]?.hidden) {
      firstShown.selected = true;
    }
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault(); // Enter chooses the first match instead of sending the form
      select.focus();
    }
  });
}

function setUpZonePickers(root) {
  root.querySelectorAll("select[data-zone-picker]").forEach(setUpZonePicker);
}

document.addEventListener("DOMContentLoaded", () => setUpZonePickers(document));
document.addEventListener("htmx:load", (event) => setUpZonePickers(event.target));
