// The first-run tour (kehu/learning/tour): a few steps, each pointing at a part of the page
// marked data-tour="…", with Next / Back / Skip. Keyboard: → or Enter next, ← back, Esc ends;
// Tab stays inside the step. The steps come translated from the server (body[data-tour-url]);
// showing it is remembered there (body[data-tour-seen-url]; finishing it too), so it starts on
// its own only once ([data-tour-autostart] on the home page), even when the person
// goes elsewhere before its end. [data-tour-start] replays it.
// No inline script, no browser dialogs: it works under the Content-Security-Policy (0016).
(() => {
  let current = null;  // {steps, labels, index, box, ring, previousFocus}
  let saving = Promise.resolve();  // one save after the other: "finished" is never overtaken

  function csrfToken() {
    const headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (error) { return ""; }
  }

  function targetOf(step) {
    if (!step.target) return null;
    const element = document.querySelector(`[data-tour="${step.target}"]`);
    if (!element) return null;
    const rect = element.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0 ? element : null;
  }

  function make(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function remember(finished) {
    const url = document.body.dataset.tourSeenUrl;
    if (!url) return;
    const body = new URLSearchParams({ finished: finished ? "1" : "0" });
    saving = saving
      .then(() => fetch(url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      }))
      .catch(() => {});
  }

  function end(finished) {
    if (!current) return;
    current.box.remove();
    current.ring.remove();
    window.removeEventListener("resize", place);
    const back = current.previousFocus;
    current = null;
    if (finished) remember(true);
    if (back && document.contains(back)) back.focus();
  }

  function place() {
    if (!current) return;
    const { box, ring } = current;
    const step = current.steps[current.index];
    const element = targetOf(step);
    box.classList.toggle("tour-centred", !element);
    ring.hidden = !element;
    if (!element) {
      box.style.top = box.style.left = "";
      return;
    }
    element.scrollIntoView({ block: "nearest", inline: "nearest" });
    const rect = element.getBoundingClientRect();
    const pad = 4;
    Object.assign(ring.style, {
      top: `${rect.top + window.scrollY - pad}px`,
      left: `${rect.left + window.scrollX - pad}px`,
      width: `${rect.width + 2 * pad}px`,
      height: `${rect.height + 2 * pad}px`,
    });
    const width = box.offsetWidth;
    const height = box.offsetHeight;
    let top = rect.bottom + 12;
    if (top + height > window.innerHeight) top = Math.max(8, rect.top - height - 12);
    let left = Math.min(Math.max(8, rect.left), window.innerWidth - width - 8);
    if (rect.right + width + 16 < window.innerWidth && rect.left < 260) {
      // a link in the sidebar: beside it rather than over the links below
      left = rect.right + 12;
      top = Math.min(Math.max(8, rect.top - 8), window.innerHeight - height - 8);
    }
    box.style.top = `${top + window.scrollY}px`;
    box.style.left = `${left + window.scrollX}px`;
  }

  function show(index) {
    const { steps, labels, box } = current;
    current.index = index;
    const step = steps[index];
    box.replaceChildren();
    const title = make("h2", "tour-title", step.title);
    title.id = "tour-title";
    const text = make("p", "tour-text", step.text);
    text.id = "tour-text";
    const progress = make("p", "tour-progress muted",
      labels.progress.replace("%(n)s", index + 1).replace("%(total)s", steps.length));
    const buttons = make("div", "tour-buttons");
    const skip = make("button", "link tour-skip", labels.skip);
    skip.type = "button";
    skip.dataset.tourSkip = "";
    skip.addEventListener("click", () => end(false));
    buttons.append(skip);
    if (index > 0) {
      const back = make("button", "tour-back", labels.back);
      back.type = "button";
      back.dataset.tourBack = "";
      back.addEventListener("click", () => show(index - 1));
      buttons.append(back);
    }
    const last = index === steps.length - 1;
    const next = make("button", "primary tour-next", last ? labels.done : labels.next);
    next.type = "button";
    next.dataset.tourNext = "";
    next.addEventListener("click", () => (last ? end(true) : show(index + 1)));
    buttons.append(next);
    box.append(title, text, progress, buttons);
    place();
    next.focus();
  }

  function onKey(event) {
    if (!current) return;
    const { index, steps } = current;
    if (["Escape", "ArrowRight", "ArrowLeft", "Tab"].includes(event.key)) {
      event.stopPropagation();  // the tour's keys, not the page's (Esc closes no other thing)
    }
    if (event.key === "Escape") {
      event.preventDefault();
      end(false);
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      if (index < steps.length - 1) show(index + 1);
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      if (index > 0) show(index - 1);
    } else if (event.key === "Tab") {
      const focusable = Array.from(current.box.querySelectorAll("button"));
      const first = focusable[0];
      const lastButton = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        lastButton.focus();
      } else if (!event.shiftKey && document.activeElement === lastButton) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  function begin(data) {
    if (current) end(false);
    const steps = data.steps.filter((step) => !step.target || targetOf(step));
    if (!steps.length) return;
    const box = make("div", "tour-box");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "false");
    box.setAttribute("aria-labelledby", "tour-title");
    box.setAttribute("aria-describedby", "tour-text");
    box.dataset.tour = "box";
    box.dataset.tourName = data.tour;
    box.addEventListener("keydown", onKey);
    const ring = make("div", "tour-ring");
    ring.setAttribute("aria-hidden", "true");
    document.body.append(ring, box);
    current = { steps, labels: data.labels, index: 0, box, ring, previousFocus: document.activeElement };
    window.addEventListener("resize", place);
    remember(false);
    show(0);
  }

  function start() {
    const url = document.body.dataset.tourUrl;
    if (!url) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => { if (data) begin(data); })
      .catch(() => {});
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-tour-start]")) {
      event.preventDefault();
      start();
    }
  });

  function autostart() {
    if (document.querySelector("[data-tour-autostart]")) start();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autostart);
  else autostart();
})();
