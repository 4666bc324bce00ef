"""The duplicate rules on a labelled set of pairs (labelled_pairs.txt): Chinese, pinyin,
traditional, English, company legal forms and cities, true and false pairs. Prints precision
and recall and holds them above a floor, so a rule change that finds less (or guesses more)
fails here."""

from pathlib import Path

import pytest

from kehu.customers.duplicates import matching

FIXTURE = Path(__file__).with_name("labelled_pairs.txt")
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.9


def labelled_pairs() -> list[tuple[str, bool, object, object]]:
    pairs = []
    companies: dict[str, int] = {}
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, same, *fields = (part.strip() for part in line.split("|"))
        a, b = fields[:4], fields[4:8]
        if kind == "person":
            facts = [
                matching.PersonFacts(
                    None,
                    name,
                    email,
                    phone,
                    companies.setdefault(company, len(companies) + 1) if company else None,
                )  # fmt: skip
                for name, email, phone, company in (a, b)
            ]
        else:
            facts = [matching.CompanyFacts(None, *side) for side in (a, b)]
        pairs.append((kind, same == "1", facts[0], facts[1]))
    return pairs


def test_the_labelled_set_is_large_and_balanced():
    pairs = labelled_pairs()
    assert len(pairs) >= 100
    assert sum(same for _, same, _, _ in pairs) >= 40
    assert sum(not same for _, same, _, _ in pairs) >= 40


def test_precision_and_recall_on_the_labelled_pairs():
    true_pos = false_pos = false_neg = 0
    misses = []
    for kind, same, a, b in labelled_pairs():
        rule = matching.match_people if kind == "person" else matching.match_companies
        found = rule(a, b).likely
        # the rules are symmetric: the pair read the other way round answers the same
        assert rule(b, a).likely == found
        true_pos += same and found
        false_pos += found and not same
        false_neg += same and not found
        if found != same:
            misses.append(f"{'missed' if same else 'wrong'}: {a.name} / {b.name}")
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    print(f"\nduplicate rules: precision {precision:.2f}, recall {recall:.2f}")
    print("\n".join(misses))
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("上海星辰科技有限公司", "星辰"),
        ("北京科技有限公司", ""),
        ("星辰科技（上海）有限公司", "星辰"),
        ("深圳市腾讯计算机系统有限公司", "腾讯计算机系统"),
        ("Acme Co., Ltd.", "acme"),
        ("ACME Inc", "acme"),
        ("Greco", "greco"),  # "co" is a suffix only as a word of its own
        ("騰訊集團", "腾讯"),
        ("北京", "北京"),  # a name that is only a city keeps it
    ],
)
def test_company_keys(name, key):
    assert matching.company_key(name) == key


def test_reasons_are_given_in_both_languages():
    from django.utils import translation

    match = matching.match_people(
        matching.PersonFacts(None, "张伟", "a@b.cn"), matching.PersonFacts(None, "王芳", "A@B.cn")
    )
    assert match.reasons == ["same_email"]
    with translation.override("zh-hans"):
        label = matching.reason_labels(match.reasons)[0]
    assert label != "same email" and label
