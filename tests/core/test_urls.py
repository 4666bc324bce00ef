from django.urls import reverse, set_script_prefix

from kehu.core.urls import record_url


def test_record_url_matches_reverse_including_a_script_prefix():
    assert record_url("person-detail", 42) == reverse("person-detail", args=[42])
    try:
        set_script_prefix("/crm/")
        assert (
            record_url("company-detail", 7)
            == "/crm/companies/7/"
            == reverse("company-detail", args=[7])
        )
    finally:
        set_script_prefix("/")
