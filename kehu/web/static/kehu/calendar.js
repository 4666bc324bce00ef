// The calendar page: FullCalendar (day / week / month) reading /calendar/events/, planning a
// meeting or task on a clicked or dragged slot in an in-page form, and moving or resizing an
// event at the version it was drawn with (the server refuses a stale one).
// Times are wall-clock times in the user's zone: FullCalendar runs in "UTC" (no conversion)
// and the server, which knows the zone, converts (kehu/activities/calendar/events.py).
(() => {
  const elements = [...document.querySelectorAll("[data-calendar]")];
  if (!elements.length || !window.FullCalendar) return;
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  const message = document.getElementById("calendar-message");
  const dialog = document.getElementById("calendar-plan");
  const form = dialog.querySelector("[data-calendar-form]");
  const phone = window.matchMedia("(max-width: 760px)").matches;
  const calendars = [];

  /** "2027-03-10T09:30" from a UTC-coerced Date or FullCalendar string (no zone). */
  const wall = (value) =>
    (value instanceof Date ? value.toISOString() : String(value)).replace("Z", "").slice(0, 16);

  function show(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
      body,
    });
    return { response, answer: await response.json().catch(() => ({})) };
  }

  const refetchAll = () => calendars.forEach((calendar) => calendar.refetchEvents());

  // ---------------------------------------------------------------- planning on a slot

  function setKind(kind) {
    const meeting = kind === "meeting";
    form.querySelector("[data-meeting-only]").hidden = !meeting;
    const label = form.querySelector("[data-start-label]");
    label.textContent = meeting ? label.dataset.meeting : label.dataset.task;
  }

  function clearErrors() {
    form.querySelector("[data-form-error]").hidden = true;
    form.querySelectorAll("[data-error-for]").forEach((el) => {
      el.hidden = true;
      el.textContent = "";
    });
  }

  function openPlan(start, end) {
    clearErrors();
    form.reset();
    form.querySelector("#plan-records").replaceChildren();
    setKind("meeting");
    form.elements.start.value = wall(start);
    form.elements.end.value = wall(end);
    dialog.showModal();
    form.elements.subject.focus();
  }

  function nextHour() {
    // the next full hour on the user's wall clock (the server's, in the user's zone)
    const now = new Date(`${elements[0].dataset.now.slice(0, 13)}:00:00Z`);
    const start = new Date(now.getTime() + 3600_000);
    return [start, new Date(start.getTime() + 3600_000)];
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") setKind(event.target.value);
  });
  dialog.querySelector("[data-dialog-close]").addEventListener("click", () => dialog.close());
  document.querySelector("[data-calendar-new]")?.addEventListener("click", () => openPlan(...nextHour()));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const body = new URLSearchParams(new FormData(form));
    body.delete("q");
    const { response, answer } = await post(elements[0].dataset.createUrl, body);
    if (response.ok) {
      dialog.close();
      show("");
      refetchAll();
      return;
    }
    const general = form.querySelector("[data-form-error]");
    general.textContent = answer.detail || elements[0].dataset.moveFailed;
    general.hidden = false;
    let first = null;
    for (const [field, messages] of Object.entries(answer.errors || {})) {
      const slot = form.querySelector(`[data-error-for="${field}"]`);
      if (!slot) continue;
      slot.textContent = messages.join(" ");
      slot.hidden = false;
      first = first || (field === "record" ? form.elements.q : form.elements[field]);
    }
    (first || general).focus?.();
  });

  // ---------------------------------------------------------------- moving an event

  async function move(info) {
    const event = info.event;
    const body = new URLSearchParams({
      start: wall(event.start),
      end: wall(event.end || event.start),
      version: event.extendedProps.version,
    });
    const { response, answer } = await post(event.extendedProps.moveUrl, body);
    if (!response.ok) {
      info.revert();
      show(answer.detail || info.el.closest("[data-calendar]").dataset.moveFailed);
      if (response.status === 409) refetchAll();
      return;
    }
    show("");
    event.setExtendedProp("version", answer.version);
  }

  // ---------------------------------------------------------------- the calendars

  const views = phone ? "timeGridDay,dayGridMonth" : "timeGridDay,timeGridWeek,dayGridMonth";
  for (const element of elements) {
    const source = element.dataset.eventsUrl;
    const calendar = new FullCalendar.Calendar(element, {
      timeZone: "UTC",
      locale: element.dataset.locale,
      firstDay: 1,
      initialView: element.dataset.initialView || (phone ? "timeGridDay" : "timeGridWeek"),
      initialDate: element.dataset.initialDate,
      headerToolbar: phone
        ? { left: "prev,next", center: "title", right: "today" }
        : { left: "prev,next today", center: "title", right: views },
      footerToolbar: phone ? { center: views } : false,
      height: "auto",
      slotMinTime: "06:00:00",
      scrollTime: "08:00:00",
      nowIndicator: true,
      selectable: true,
      selectMirror: true,
      editable: true,
      longPressDelay: 400,
      dayMaxEvents: 4,
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      events: (range, success, failure) => {
        const query = new URLSearchParams({ start: wall(range.start), end: wall(range.end) });
        fetch(`${source}&${query}`, { headers: { "X-Requested-With": "fetch" } })
          .then((response) => (response.ok ? response.json() : Promise.reject(response)))
          .then(success, () => {
            show(element.dataset.moveFailed);
            failure(new Error("events"));
          });
      },
      select: (info) => {
        let { start, end } = info;
        if (info.allDay) {
          start = new Date(start.getTime() + 9 * 3600_000);
          end = new Date(start.getTime() + 3600_000);
        }
        openPlan(start, end);
        calendar.unselect();
      },
      eventDrop: move,
      eventResize: move,
      datesSet: (info) => {
        // the prev/next arrows are decorative (their buttons carry the name): axe "role-img-alt"
        element.querySelectorAll('.fc-icon[role="img"]').forEach((icon) => icon.setAttribute("aria-hidden", "true"));
        // side by side: every calendar shows the same dates as the one just moved
        for (const other of calendars) {
          if (other === calendar) continue;
          if (other.view.type !== info.view.type) other.changeView(info.view.type);
          if (other.getDate().getTime() !== calendar.getDate().getTime()) other.gotoDate(calendar.getDate());
        }
      },
      eventDidMount: (info) => {
        const props = info.event.extendedProps;
        const who = elements.length === 1 && document.querySelector("[data-calendar-legend]") ? ` · ${props.ownerName}` : "";
        info.el.title = [info.event.title, props.place].filter(Boolean).join(" · ") + who;
      },
    });
    calendars.push(calendar);
  }
  calendars.forEach((calendar) => calendar.render());
})();
