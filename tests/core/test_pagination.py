"""Keyset pagination: complete, stable pages in both directions; bad cursors are refused."""

import pytest
from django.core.exceptions import FieldDoesNotExist

from kehu.core.pagination import (
    BadCursor,
    capped_count,
    decode_cursor,
    encode_cursor,
    paginate,
)
from kehu.customers.models import Person
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin_user):
    names = ["王芳", "Alice", "alice", "Bob", "王芳", "Zoe", "bob", "Alice", "陈", "Émile", "王芳"]
    return [make_person(admin_user, name) for name in names]


@pytest.mark.parametrize("sort", ["name", "-name", "created_at", "-created_at", "-updated_at"])
@pytest.mark.parametrize("limit", [1, 3, 50])
def test_pages_cover_everything_once_in_order(people, sort, limit):
    seen, cursor = [], None
    while True:
        page = paginate(Person.objects.all(), sort, cursor, limit)
        assert len(page.items) <= limit
        seen += [p.pk for p in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    column = sort.replace("name", "name_sort_key")  # a name sort reads the stored key
    order = [column, "-id" if sort.startswith("-") else "id"]
    assert seen == list(Person.objects.order_by(*order).values_list("id", flat=True))
    assert len(set(seen)) == len(people)


def test_no_cursor_when_everything_fits(people):
    page = paginate(Person.objects.all(), "name", None, 200)
    assert page.next_cursor is None and len(page.items) == len(people)


def test_limit_is_clamped(people):
    assert len(paginate(Person.objects.all(), "name", None, -5).items) == 1
    assert len(paginate(Person.objects.all(), "name", None, 0).items) == len(people)  # default
    assert len(paginate(Person.objects.all(), "name", None, 10_000).items) == len(people)


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor("王芳", 7)) == ("王芳", 7)
    assert decode_cursor(encode_cursor(-1e300, 3)) == (-1e300, 3)


@pytest.mark.parametrize(
    "cursor", ["garbage", encode_cursor({"a": 1}, 1), encode_cursor("x", "y"), "W10"]
)
def test_bad_cursor_is_refused(people, cursor):
    with pytest.raises(BadCursor):
        paginate(Person.objects.all(), "name", cursor, 5)


def test_bad_cursor_value_for_a_date_column(people):
    with pytest.raises(BadCursor):
        paginate(Person.objects.all(), "created_at", encode_cursor("not a date", 1), 5)


def test_unknown_sort_is_an_error(people):
    with pytest.raises(FieldDoesNotExist):
        paginate(Person.objects.all(), "shoe_size", None, 5)
    with pytest.raises(FieldDoesNotExist):
        paginate(Person.objects.all(), "cf_not_defined", None, 5)


def test_capped_count(people):
    assert capped_count(Person.objects.all()) == (len(people), False)
    assert capped_count(Person.objects.all(), cap=5) == (5, True)
