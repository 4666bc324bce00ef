// Fields that apply only to some values of another field: a custom field's choices (choice
// types), an assignment rule's user or team (by how it assigns), a deal's lost reason (lost
// stages). The server renders every field, so a page works without scripts, and marks each
// such control with data-shown-when="<other field's name>=<value>,<value>"; its row (.field)
// is hidden, and its controls disabled (so not sent: a custom field turned from a choice type
// to text must not send its old choices), while the other field holds none of those values.
(() => {
  function update(root) {
    if (!root.querySelectorAll) return;
    for (const control of root.querySelectorAll("[data-shown-when]")) {
      const [name, values] = control.dataset.shownWhen.split("=");
      const other = (control.form || control.closest("form"))?.elements.namedItem(name);
      if (!other) continue;
      const row = control.closest(".field") || control;
      const applies = (values || "").split(",").includes(other.value);
      row.hidden = !applies;
      for (const field of row.matches("input, select, textarea")
        ? [row]
        : row.querySelectorAll("input, select, textarea")) {
        if (!applies && !field.disabled) {
          field.disabled = true;
          field.dataset.disabledHere = "1"; // only what this script disabled comes back
        } else if (applies && field.dataset.disabledHere) {
          field.disabled = false;
          delete field.dataset.disabledHere;
        }
      }
    }
  }

  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form) update(form);
  });
  document.addEventListener("htmx:load", (event) => update(event.target));
  update(document);
})();
