// The home dashboard while customising: drag a widget by its handle (SortableJS, vendored; a
// finger works too) and the new order is saved at once. Without JavaScript each widget's up
// and down buttons do the same (decision 0037).
(() => {
  const dashboard = document.querySelector("[data-dashboard][data-editing]");
  if (!dashboard || !window.Sortable) return;
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  window.Sortable.create(dashboard, {
    handle: ".drag-handle",
    draggable: "[data-widget]",
    animation: 150,
    onEnd: async () => {
      const body = new URLSearchParams();
      for (const widget of dashboard.querySelectorAll("[data-widget]")) {
        body.append("widget", widget.dataset.widget);
      }
      await fetch(dashboard.dataset.orderUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
        body,
      });
      // the up/down buttons follow the new order after a reload; a refused order reloads too
      window.location.reload();
    },
  });
})();
