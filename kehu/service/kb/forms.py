"""The article form (Markdown), and the search box of the lists."""

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from kehu.service.categories.services import choices as category_choices
from kehu.service.kb.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Article
from kehu.web.conflicts import show_service_errors, shown_value


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=gettext_lazy("Article"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "markdown"}),
        help_text=gettext_lazy("Markdown: **bold**, *italic*, lists, links, tables."),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Article.Language.choices)
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who may read it"),
        choices=[
            ("internal", gettext_lazy("Colleagues only")),
            ("public", gettext_lazy("Everyone, in the public help centre")),
        ],
    )
    status = forms.ChoiceField(
        label=pgettext_lazy("knowledge base", "Status"), choices=Article.Status.choices
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, article: Article | None = None, **kwargs):
        if article is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(article)
        super().__init__(*args, **kwargs)
        choices = [("", gettext_lazy("— none —"))] + [(str(k), v) for k, v in category_choices()]
        kept = article.category if article is not None and article.category_id else None
        if kept is not None and not any(k == str(kept.pk) for k, _v in choices):
            choices.append((str(kept.pk), kept.path))  # an archived category stays offered
        self.fields["category"].choices = choices  # type: ignore[attr-defined]

    @staticmethod
    def initial_from(article: Article) -> dict:
        return {
            "title": article.title,
            "body": article.body,
            "language": article.language,
            "visibility": article.visibility,
            "status": article.status,
            "category": str(article.category_id or ""),
            "version": article.version,
        }

    def service_data(self, only_changed: bool = False) -> dict:
        names = ["title", "body", "language", "visibility", "status", "category"]
        if only_changed:
            names = [n for n in names if n in self.changed_data]
        return {n: self.cleaned_data[n] for n in names}

    def display(self, name: str, value) -> str:
        return shown_value(self.fields[name], value)

    def add_service_errors(self, exc) -> None:
        show_service_errors(self, exc)
