"""Property tests: row reading and contact normalising never fail with anything but clear errors."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kehu.core import bulk_write
from kehu.core.contact import normalize_email, normalize_phone
from kehu.customers.imports import mapping as import_mapping
from kehu.customers.imports import rows as import_rows
from kehu.customers.imports import xlsx as import_xlsx
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import CustomField
from tests.factories import make_user

pytestmark = pytest.mark.django_db

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
phones = st.one_of(
    cells,
    st.from_regex(r"\+?[0-9 ()\-]{0,20}", fullmatch=True),
    st.builds(lambda n: f"1{n:010d}", st.integers(0, 10**10 - 1)),
)


@settings(max_examples=300, deadline=None)
@given(phones)
def test_normalize_phone_gives_e164_that_is_stable_or_a_validation_error(raw):
    try:
        e164 = normalize_phone(raw)
    except ValidationError:
        return
    if e164:
        assert e164.startswith("+") and e164[1:].isdigit() and len(e164) <= 16
        assert normalize_phone(e164) == e164


def _parsed_by_phonenumbers(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["CN", "US", "GB", "DE", "IT", "HK", "JP", "SG"]),
    st.one_of(
        st.from_regex(r"1[0-9]{10}", fullmatch=True),
        st.from_regex(r"[0-9]{5,14}", fullmatch=True),
    ),
)
def test_bare_mobile_numbers_take_the_same_e164_as_a_full_parse(region, raw):
    """The shortcut for bare national mobile numbers agrees with phonenumbers on every input."""
    try:
        ours = normalize_phone(raw, region)
    except ValidationError:
        ours = None
    assert ours == _parsed_by_phonenumbers(raw, region)


@settings(max_examples=300, deadline=None)
@given(st.one_of(cells, st.emails()))
def test_normalize_email_is_stable_or_a_validation_error(raw):
    try:
        email = normalize_email(raw)
    except ValidationError:
        return
    assert normalize_email(email) == email
    assert email == email.strip()


@pytest.fixture
def reader(db):
    CustomField.objects.create(entity="person", key="level", label="Level", type="choice",
                               choices=["A", "B"])  # fmt: skip
    CustomField.objects.create(entity="person", key="size", label="Size", type="number")
    CustomField.objects.create(entity="person", key="since", label="Since", type="date")
    user = make_user("prop", role="Sales rep")
    job = ImportJob(user=user, entity="person", format="csv")
    mapping = ["name", "email", "phone", "company", "birthday", "tags", "owner", "notes",
               "custom.level", "custom.size", "custom.since", "title"]  # fmt: skip
    return import_rows.RowReader(job, mapping)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(cells, max_size=14))
def test_any_row_is_read_into_values_or_errors_never_an_exception(reader, row):
    result = reader.read(7, row)
    assert result.line == 7
    assert all(isinstance(e, str) and e for e in result.errors)
    if not result.errors:
        assert result.values["name"] and len(result.values["name"]) <= 150
        phone = result.values.get("phone")
        assert not phone or phone.startswith("+")
        assert len(result.values.get("title", "")) <= 100
        assert set(result.custom) <= {"level", "size", "since"}
        assert all(0 < len(t) <= 50 for t in result.tags)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), cells,
                 st.datetimes(), st.dates()))  # fmt: skip
def test_cell_text_always_gives_text(value):
    text = import_xlsx.cell_text(value)
    assert isinstance(text, str)
    if isinstance(value, int) and not isinstance(value, bool):
        assert text == str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        assert "." not in text and "e" not in text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=20))
def test_guess_mapping_uses_each_field_once(headers):
    mapping = import_mapping.guess_mapping(headers, "person", [])
    assert len(mapping) == len(headers)
    chosen = [m for m in mapping if m]
    assert len(chosen) == len(set(chosen))


@given(st.integers(0, 5000), st.sampled_from([1, 2, 64, 256]))
def test_insert_statements_cover_every_row_with_few_distinct_sizes(rows, largest):
    """Each distinct INSERT size is a cached prepared statement: a batch uses only a few."""
    sizes = list(bulk_write._statement_sizes(rows, largest))
    assert sum(sizes) == rows
    assert all(0 < size <= largest for size in sizes)
    assert {size & (size - 1) for size in sizes} <= {0}  # powers of two
