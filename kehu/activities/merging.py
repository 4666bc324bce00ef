"""What a merge of people or companies moves of the activities app (registered with
customers' mover registry at start-up, as customers does not import activities): activities
logged on the records (emails ride along, being activities), activities filed under a
company, meeting attendees and invitation deliveries."""

from kehu.customers.duplicates import moving


def register() -> None:
    from kehu.activities.invitations.models import InvitationDelivery
    from kehu.activities.models import Activity
    from kehu.customers.models import Company, Person

    for kind, model in (("person", Person), ("company", Company)):
        moving.register_generic(f"activities.{kind}_activities", kind, Activity, model)
    moving.register_foreign_key("activities.company_filed", "company", Activity, "company")
    moving.register_link(
        "activities.attendees", "person", Activity.attendee_people.through, "person", "activity"
    )
    moving.register_foreign_key("activities.invitations", "person", InvitationDelivery, "person")
