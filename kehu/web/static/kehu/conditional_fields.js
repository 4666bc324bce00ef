// Fields that apply only to some values of another field: a custom field's choices (choice
// types), an assignment rule's user or team (by how it assigns), a deal's lost reason (lost
// stages). The server renders every field, so a page works without scripts, and marks each
// such control with data-shown-when="<other field's name>=<value>,<value>"; its row (.field)
// is hidden while the other field holds none of those values. A hidden field is still sent;
// the services ignore what does not apply.
(() => {
  function update(root) {
    if (!root.querySelectorAll) return;
    for (const control of root.querySelectorAll("[data-shown-when]")) {
      const [name, values] = control.dataset.shownWhen.split("=");
      const other = (control.form || control.closest("form"))?.elements.namedItem(name);
      if (!other) continue;
      const row = control.closest(".field") || control;
      row.hidden = !(values || "").split(",").includes(other.value);
    }
  }

  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form) update(form);
  });
  document.addEventListener("htmx:load", (event) => update(event.target));
  update(document);
})();
