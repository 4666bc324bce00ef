import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_portal_key() -> str:
    return secrets.token_urlsafe(16)


class PortalAccess(models.Model):
    """What a ticket's portal link is signed over: `key` is random, so a link names one ticket
    and cannot be guessed from its number; revoking gives the ticket a new key, which ends
    every link sent so far. `web_address` is the address that sent the ticket through the
    public form (the form's hourly limit counts them)."""

    ticket = models.OneToOneField(
        "service.Ticket", on_delete=models.CASCADE, related_name="portal_access"
    )
    #: set by the services (`new_portal_key`); a new one revokes the links made with the old
    key = models.CharField(max_length=64, default="")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    web_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal link")
        indexes = [
            models.Index(
                fields=["web_address", "created_at"],
                condition=models.Q(web_address__isnull=False),
                name="portal_web_address_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"portal {self.ticket_id}"
