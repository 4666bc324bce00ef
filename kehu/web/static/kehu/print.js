// The printable quote's "Print" button (inline handlers are not used anywhere in Kehu).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
