// The pipeline board: drag a card onto another stage, or onto Won / Lost, to move the deal, with
// a mouse or a finger (SortableJS, vendored: HTML5 drag-and-drop does not work on phones).
// The server checks every move (stage of the same pipeline, a reason when lost, the version the
// card was drawn with); after a move the board is read again, so counts and totals stay true.
(() => {
  const board = document.querySelector("[data-board]");
  if (!board || !board.dataset.canEdit || !window.Sortable) return;
  const message = document.getElementById("board-message");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  let sortables = [];

  function show(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  // A move that worked is confirmed in the page's messages region (aria-live), with an Undo
  // button: a plain form, so it works from the keyboard (Tab, or the "u" shortcut) and the
  // server checks the deal did not change since (docs/record-pages.md).
  function confirmMove(answer) {
    const region = document.getElementById("messages");
    if (!region || !answer.message) return;
    const flash = document.createElement("div");
    flash.className = "flash success";
    flash.append(answer.message);
    if (answer.undo) {
      const form = document.createElement("form");
      form.method = "post";
      form.action = board.dataset.undoUrl;
      form.className = "inline undo-form";
      form.dataset.undo = "";
      for (const [name, value] of [
        ["csrfmiddlewaretoken", csrf],
        ["token", answer.undo],
        ["next", window.location.pathname + window.location.search],
      ]) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.append(input);
      }
      const button = document.createElement("button");
      button.type = "submit";
      button.className = "small";
      button.textContent = board.dataset.undoLabel;
      button.setAttribute("aria-keyshortcuts", "u");
      form.append(button);
      flash.append(" ", form);
    }
    region.replaceChildren(flash);
  }

  async function refresh() {
    const response = await fetch(window.location.href, { headers: { "X-Requested-With": "fetch" } });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of ["[data-board]", ".board-closed"]) {
      const fresh = page.querySelector(selector);
      const current = document.querySelector(selector);
      if (fresh && current) current.innerHTML = fresh.innerHTML;
    }
    attach();
  }

  async function move(card, zone) {
    const body = new URLSearchParams({ stage: zone.dataset.drop, version: card.dataset.version });
    if (zone.dataset.kind === "lost") {
      // why: asked in the page's reasons dialog (kehu/dialogs.js)
      const choice = await window.kehuDialogs?.askLostReason();
      if (!choice) return refresh(); // put the card back
      body.set("lost_reason", choice.lost_reason);
      body.set("reason", choice.reason);
    }
    card.classList.add("moving");
    const response = await fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
      body,
    });
    const answer = await response.json().catch(() => ({}));
    card.classList.remove("moving");
    show(response.ok ? "" : answer.error || board.dataset.moveFailed);
    if (response.ok) confirmMove(answer);
    await refresh(); // a refused move puts the card back where the server has it
  }

  function attach() {
    sortables.forEach((sortable) => sortable.destroy());
    sortables = [...document.querySelectorAll("[data-drop]")].map((zone) =>
      Sortable.create(zone, {
        group: { name: "deals", pull: !zone.dataset.kind, put: true },
        sort: false, // the order in a stage is the server's
        draggable: "[data-deal]",
        forceFallback: true, // the same pointer-driven drag for mouse and touch
        fallbackTolerance: 4,
        delay: 150, // a finger that moves at once scrolls the board instead
        delayOnTouchOnly: true,
        ghostClass: "dragging",
        onEnd: (event) => {
          if (event.to !== event.from) move(event.item, event.to);
        },
      }),
    );
  }

  attach();
})();
