"""My day in the browser: tick a task off, move another to tomorrow, on a desk and a phone."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from kehu.activities import services
from kehu.activities.models import Activity
from tests.e2e.helpers import login
from tests.factories import make_person, make_user

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _task(user, record, subject, due):
    return services.log_activity(user, record, "task", {"subject": subject, "due_at": due})


def test_complete_a_task_from_my_day(page, server_errors):
    lina = make_user("lina")
    person = make_person(lina, "欧阳娜娜")
    late = _task(lina, person, "给娜娜回电话", timezone.now() - datetime.timedelta(days=2))
    today = _task(lina, person, "寄送合同", timezone.now())
    login(page, "lina")
    page.get_by_role("link", name="My day").click()
    expect(page).to_have_url(re.compile(r"/my-day/$"))
    overdue = page.locator('[data-section="overdue"]')
    row = overdue.locator(f'[data-task="{late.pk}"]')
    expect(row).to_contain_text("给娜娜回电话")
    expect(row.get_by_role("link", name="欧阳娜娜")).to_be_visible()

    page.evaluate("window.__same_page = true")  # gone if the page reloaded
    row.get_by_role("button", name="Done").click()
    expect(page.get_by_text("“给娜娜回电话” is done.")).to_be_visible()
    expect(page.locator(f'[data-task="{late.pk}"]')).to_have_count(0)
    expect(page.locator('[data-section="overdue"]')).to_contain_text("Nothing overdue.")
    assert page.evaluate("window.__same_page") is True
    assert Activity.objects.get(pk=late.pk).done_at is not None
    assert Activity.objects.get(pk=today.pk).done_at is None
    # a click too many: Undo opens the task again and it is back on the list
    page.locator("#messages").get_by_role("button", name="Undo").click()
    expect(page.get_by_text("“给娜娜回电话” is open again.")).to_be_visible()
    expect(page.locator(f'[data-section="overdue"] [data-task="{late.pk}"]')).to_be_visible()
    assert Activity.objects.get(pk=late.pk).done_at is None
    assert not server_errors


def test_move_a_task_to_tomorrow_on_a_phone(new_page, server_errors):
    page = new_page(**PHONE)
    lina = make_user("lina")
    person = make_person(lina, "张伟")
    task = _task(lina, person, "拜访张伟", timezone.now())
    login(page, "lina")
    page.goto("/my-day/")
    row = page.locator(f'[data-section="today"] [data-task="{task.pk}"]')
    expect(row.get_by_role("button", name="Done")).to_be_in_viewport()
    row.get_by_text("Reschedule").click()
    row.get_by_role("button", name="Tomorrow").click()
    expect(page.locator(f'[data-section="upcoming"] [data-task="{task.pk}"]')).to_be_visible()
    expect(page.locator('[data-section="today"]')).to_contain_text("Nothing due today.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    task.refresh_from_db()
    assert timezone.localdate(task.due_at) == timezone.localdate() + datetime.timedelta(days=1)
    assert not server_errors
