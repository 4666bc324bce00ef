// In-page dialogs instead of the browser's alert/confirm/prompt boxes, which cannot be styled,
// translated or tested, and which some browsers let a page suppress. Native <dialog> elements
// opened with showModal, so the page behind is inert, Escape closes, and each dialog is
// labelled by its own text. Tab stays inside an open dialog.
//
// - <form data-confirm="Really?">: the shared confirmation (web/_confirm_dialog.html) asks
//   first; its button says what the form's own button says ("Delete", "Remove" …).
// - Marking a deal lost (the board, a deal's page): the reasons dialog (sales/_lost_dialog.html)
//   asks why; `window.kehuDialogs.askLostReason()` answers {lost_reason, reason} or null.
(() => {
  const FOCUSABLE =
    "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

  /** Open `dialog` as a modal; resolves with its return value when it closes ("" on Escape). */
  function ask(dialog) {
    return new Promise((resolve) => {
      dialog.returnValue = "";
      dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true });
      dialog.showModal();
    });
  }

  // Tab and Shift+Tab cycle through the open dialog's controls instead of leaving it.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const dialog = document.querySelector("dialog[open].form-dialog");
    if (!dialog) return;
    const items = [...dialog.querySelectorAll(FOCUSABLE)].filter(
      (el) => el.getClientRects().length && !(el.type === "radio" && !el.checked && groupHasChecked(el)),
    );
    if (!items.length) return;
    const active = document.activeElement;
    const first = items[0];
    const last = items[items.length - 1];
    const inside = dialog.contains(active);
    if (event.shiftKey && (!inside || sameControl(active, first))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || sameControl(active, last))) {
      event.preventDefault();
      first.focus();
    }
  });

  function groupHasChecked(radio) {
    return !!radio.form?.querySelector(`input[type=radio][name="${radio.name}"]:checked`);
  }

  function sameControl(a, b) {
    return a === b || (a?.type === "radio" && b?.type === "radio" && a.name === b.name);
  }

  // ------------------------------------------------------------------ confirmation

  async function confirmInPage(text, okLabel) {
    const dialog = document.getElementById("confirm-dialog");
    dialog.querySelector("[data-confirm-text]").textContent = text;
    const ok = dialog.querySelector("[data-confirm-ok]");
    ok.textContent = okLabel || ok.dataset.default;
    return (await ask(dialog)) === "confirm";
  }

  // Runs before htmx sees the submit (capture on the document): a form is sent only once
  // the dialog said yes.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target.closest("form[data-confirm]");
      if (!form || !document.getElementById("confirm-dialog")) return;
      if (form.dataset.confirmed) {
        delete form.dataset.confirmed;
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      const submitter = event.submitter?.form === form ? event.submitter : null;
      confirmInPage(form.dataset.confirm, submitter?.textContent.trim()).then((yes) => {
        if (yes) {
          form.dataset.confirmed = "1";
          form.requestSubmit(submitter);
        } else {
          submitter?.focus();
        }
      });
    },
    true,
  );

  // ------------------------------------------------------------------ lost reasons

  function lostChoice() {
    return document.querySelector("#lost-dialog [data-lost-choice]");
  }

  /** "Other" needs words; the others may have them. */
  function syncOther(form) {
    const chosen = form.querySelector("input[name=lost_reason]:checked");
    const needsText = !!chosen?.hasAttribute("data-other");
    form.elements.reason.required = needsText;
    form.querySelector("[data-other-note]").hidden = !needsText;
  }

  async function askLostReason() {
    const dialog = document.getElementById("lost-dialog");
    if (!dialog) return null;
    const form = lostChoice();
    form.reset();
    syncOther(form);
    if ((await ask(dialog)) !== "lost") return null;
    const chosen = form.querySelector("input[name=lost_reason]:checked");
    if (!chosen) return null;
    return { lost_reason: chosen.value, reason: form.elements.reason.value.trim() };
  }

  document.addEventListener("change", (event) => {
    const form = event.target.closest("[data-lost-choice]");
    if (form) syncOther(form);
  });

  // A deal's page: the Lost button asks in the dialog, then sends its form; without scripts
  // the form's own select and text field (hidden here) do the same.
  document.querySelectorAll("form[data-lost-form] [data-lost-inline]").forEach((inline) => {
    if (!document.getElementById("lost-dialog")) return;
    inline.hidden = true;
    inline.querySelectorAll("[required]").forEach((field) => field.removeAttribute("required"));
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-lost-form]");
    if (!form || !document.getElementById("lost-dialog")) return;
    if (form.dataset.reasonChosen) {
      delete form.dataset.reasonChosen;
      return;
    }
    event.preventDefault();
    const submitter = event.submitter?.form === form ? event.submitter : null;
    askLostReason().then((choice) => {
      if (!choice) {
        submitter?.focus();
        return;
      }
      form.elements.lost_reason.value = choice.lost_reason;
      form.elements.reason.value = choice.reason;
      form.dataset.reasonChosen = "1";
      form.requestSubmit(submitter);
    });
  });

  window.kehuDialogs = { ask, confirm: confirmInPage, askLostReason };
})();
