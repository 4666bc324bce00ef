// Small behaviours shared by every page: the "/" shortcut to search, the phone menu.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing) {
    event.preventDefault();
    document.getElementById("global-search")?.focus();
  }
  if (event.key === "Escape" && target.id === "global-search") {
    document.getElementById("search-popup").innerHTML = "";
    target.blur();
  }
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-nav-toggle]")) {
    document.querySelector("[data-nav]")?.classList.toggle("open");
  }
  if (!event.target.closest(".global-search")) {
    const popup = document.getElementById("search-popup");
    if (popup) popup.innerHTML = "";
  }
});
