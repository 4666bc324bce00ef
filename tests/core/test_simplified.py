from kehu.core.simplified import to_simplified


def test_traditional_characters_become_simplified():
    assert to_simplified("張偉") == "张伟"
    assert to_simplified("上海星辰科技股份有限公司") == "上海星辰科技股份有限公司"
    assert to_simplified("鄭麗華 Lee") == "郑丽华 Lee"


def test_other_text_is_unchanged():
    assert to_simplified("") == ""
    assert to_simplified("Zhang Wei, zw@qq.com") == "Zhang Wei, zw@qq.com"
    assert to_simplified("ÅÆ ✓ 😀") == "ÅÆ ✓ 😀"
