"""Importing needs the right to create what the file makes, not always customers.create."""

from django.urls import reverse

from kehu.accounts.models import Role
from tests.factories import make_user


def test_a_sales_only_role_imports_leads_but_not_people(client, db):
    role = Role.objects.create(
        name="Lead desk", scope="own", permissions={"sales": ["read", "create"]}
    )
    user = make_user("desk")
    user.role = role
    user.save()
    client.force_login(user)
    page = client.get(reverse("import-start"))
    assert page.status_code == 200
    choices = page.context["form"].fields["entity"].choices
    assert [value for value, _label in choices] == ["lead"]
    nobody = make_user("nobody")
    nobody.role = Role.objects.create(name="Nothing", scope="own", permissions={})
    nobody.save()
    client.force_login(nobody)
    assert client.get(reverse("import-start")).status_code == 403
