"""The Simplified Chinese catalogue is complete, compiled, and used.

(a) Every translatable string in the code has a translation: makemessages runs over a temporary
    copy of the kehu package (so the real tree is never touched) and the merged catalogue must
    have no empty or fuzzy entry. Needs GNU gettext; skipped without it, unless KEHU_CI=1.
(b) The committed django.mo matches django.po exactly (fresh machines may lack msgfmt, so the
    compiled file is committed and must not go stale).
(c) Pages render in Chinese for a browser that asks for it.
"""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

import kehu

PACKAGE = Path(kehu.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


# a small .po reader: enough for the files makemessages writes -----------------------------------


def _unquote(text: str) -> str:
    text = text.strip()
    assert text[0] == '"' and text[-1] == '"', text
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text[1:-1])


def read_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr {index: text}, flags. No obsolete."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = None
                break
            if line.startswith("#,"):
                entry["flags"] = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                if key[0] == "msgstr":
                    entry["msgstr"][key[1]] += _unquote(line)
                else:
                    entry[key[0]] += _unquote(line)
            else:
                match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(.*)$", line)
                assert match, f"{path}: cannot read {line!r}"
                word, index, value = match.groups()
                if word == "msgstr":
                    key = ("msgstr", int(index or 0))
                    entry["msgstr"][key[1]] = _unquote(value)
                else:
                    key = (word, None)
                    entry[word] = _unquote(value)
        if entry is not None and entry["msgid"] is not None:
            entries.append(entry)
    return entries


def _messages(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["msgid"] != ""]


def _describe(entry: dict) -> str:
    return repr(entry["msgid"]) + (f" (context {entry['msgctxt']!r})" if entry["msgctxt"] else "")


# (a) the catalogue covers the code ---------------------------------------------------------------


def _need_tool(name: str) -> None:
    if shutil.which(name) is None:
        if os.environ.get("KEHU_CI") == "1":
            pytest.fail(f"{name} (GNU gettext) is not installed, and KEHU_CI=1 requires it")
        pytest.skip(f"{name} (GNU gettext) is not installed; apt-get install gettext")


def test_catalogue_header():
    header = read_po(PO)[0]
    assert header["msgid"] == ""
    text = header["msgstr"][0]
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "fuzzy" not in header["flags"]


def test_committed_catalogue_is_complete_and_placeholders_match():
    problems = []
    for entry in _messages(read_po(PO)):
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {_describe(entry)}")
        if not entry["msgstr"] or any(not text for text in entry["msgstr"].values()):
            problems.append(f"untranslated: {_describe(entry)}")
        if "python-format" in entry["flags"]:
            wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
            for text in entry["msgstr"].values():
                if sorted(PLACEHOLDER.findall(text)) != wanted:
                    problems.append(f"placeholders differ: {_describe(entry)} → {text!r}")
    assert not problems, "\n".join(problems)


def test_catalogue_passes_msgfmt_check():
    _need_tool("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", os.devnull, str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_translatable_string_in_the_code_is_translated(tmp_path, monkeypatch):
    """Run makemessages over a copy of the package; the merged catalogue must be complete."""
    for tool in ("xgettext", "msgmerge", "msguniq", "msgattrib"):
        _need_tool(tool)
    copy = tmp_path / "kehu"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "static", "node_modules"),
    )
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    merged = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    missing = []
    for entry in _messages(read_po(merged)):
        if "fuzzy" in entry["flags"]:
            missing.append(f"changed (fuzzy): {_describe(entry)}")
        elif not entry["msgstr"] or any(not text for text in entry["msgstr"].values()):
            missing.append(f"new: {_describe(entry)}")
    assert not missing, (
        "The zh-hans catalogue misses strings; run `python -m django makemessages -l zh_Hans "
        "--ignore=.venv --ignore=tests --ignore=bench --ignore=build`, translate them in "
        "kehu/locale/zh_Hans/LC_MESSAGES/django.po, then `python -m django compilemessages "
        "-l zh_Hans --ignore=.venv`:\n" + "\n".join(missing)
    )


# (b) the compiled catalogue is up to date ---------------------------------------------------------


def _load_mo() -> gettext.GNUTranslations:
    assert MO.exists(), f"{MO} is missing: run compilemessages and commit it"
    with MO.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_compiled_catalogue_has_known_entries():
    mo = _load_mo()
    for english, chinese in [
        ("People", "联系人"),
        ("Companies", "公司"),
        ("Customers", "客户"),
        ("Owner", "负责人"),
        ("Tags", "标签"),
        ("Custom fields", "自定义字段"),
        ("Recycle bin", "回收站"),
        ("Import", "导入"),
        ("Team", "团队"),
        ("Role", "角色"),
        ("Record scope", "记录范围"),
        ("Own records", "仅本人"),
    ]:
        assert mo.gettext(english) == chinese, english


def test_compiled_catalogue_matches_the_po_file():
    mo = _load_mo()
    entries = _messages(read_po(PO))
    stale = []
    expected_keys = {""}
    for entry in entries:
        msgid = entry["msgid"]
        if entry["msgctxt"] is not None:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if entry["msgid_plural"] is None:
            expected_keys.add(msgid)
            found = mo._catalog.get(msgid)
            if found != entry["msgstr"][0]:
                stale.append(f"{_describe(entry)}: .mo has {found!r}")
        else:
            for index, text in entry["msgstr"].items():
                expected_keys.add((msgid, index))
                found = mo._catalog.get((msgid, index))
                if found != text:
                    stale.append(f"{_describe(entry)}[{index}]: .mo has {found!r}")
    extra = {key for key in mo._catalog if key not in expected_keys}
    stale += [f"only in the .mo: {key!r}" for key in sorted(map(str, extra))]
    assert not stale, (
        "django.mo is out of date; run `python -m django compilemessages -l zh_Hans "
        "--ignore=.venv` and commit it:\n" + "\n".join(stale)
    )


def test_django_uses_the_catalogue():
    assert str(LOCALE) in [str(Path(p).resolve()) for p in settings.LOCALE_PATHS]
    with translation.override("zh-hans"):
        assert translation.gettext("People") == "联系人"
        assert translation.gettext("Companies") == "公司"
        assert (
            translation.ngettext("%(n)s row was not imported", "%(n)s rows were not imported", 3)
            % {"n": 3}
            == "3 行未导入"
        )


# (c) pages render in Chinese ---------------------------------------------------------------------


@pytest.mark.django_db
def test_page_renders_in_chinese_for_a_chinese_browser(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("person-list"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="zh-hans"' in html
    for chinese in ("联系人", "公司", "回收站", "自定义字段", "退出登录"):
        assert chinese in html, chinese
    assert ">People<" not in html and ">Recycle bin<" not in html


@pytest.mark.django_db
def test_page_stays_english_for_an_english_browser(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("person-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">People<" in html
    assert "联系人" not in html
