// The pipeline board: drag a card onto another stage, or onto Won / Lost, to move the deal.
// The server checks every move (stage of the same pipeline, a reason when lost, the version the
// card was drawn with); after a move the board is read again, so counts and totals stay true.
(() => {
  const board = document.querySelector("[data-board]");
  if (!board || !board.dataset.canEdit) return;
  const message = document.getElementById("board-message");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  let dragged = null;

  function show(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  async function refresh() {
    const response = await fetch(window.location.href, { headers: { "X-Requested-With": "fetch" } });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of ["[data-board]", ".board-closed"]) {
      const fresh = page.querySelector(selector);
      const current = document.querySelector(selector);
      if (fresh && current) current.innerHTML = fresh.innerHTML;
    }
  }

  async function move(card, zone) {
    const body = new URLSearchParams({ stage: zone.dataset.drop, version: card.dataset.version });
    if (zone.dataset.kind === "lost") {
      const reason = window.prompt(board.dataset.reasonPrompt);
      if (reason === null) return;
      body.set("reason", reason);
    }
    card.classList.add("moving");
    const response = await fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
      body,
    });
    const answer = await response.json().catch(() => ({}));
    card.classList.remove("moving");
    if (!response.ok) {
      show(answer.error || board.dataset.moveFailed);
      if (response.status === 409) await refresh();
      return;
    }
    show("");
    await refresh();
  }

  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest?.("[data-deal]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal);
  });
  document.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    document.querySelectorAll(".drop-over").forEach((zone) => zone.classList.remove("drop-over"));
  });
  document.addEventListener("dragover", (event) => {
    const zone = event.target.closest?.("[data-drop]");
    if (!zone || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("drop-over");
  });
  document.addEventListener("dragleave", (event) => {
    const zone = event.target.closest?.("[data-drop]");
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("drop-over");
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target.closest?.("[data-drop]");
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.remove("drop-over");
    const card = dragged;
    dragged = null;
    if (card.closest("[data-drop]") !== zone) move(card, zone);
  });
})();
