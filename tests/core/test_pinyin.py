"""Readings used by search match what pypinyin gives with its whole phrase list."""

import json
import os
import subprocess
import sys

from pypinyin.constants import PHRASES_DICT

from kehu.core import pinyin

TEXTS = [
    "张伟", "李娜", "重庆", "重庆银行股份有限公司", "长沙市银行行长", "中国建设银行", "乐山乐器行",
    "重头戏", "单田芳", "曾国藩", "北京京东世纪贸易有限公司", "朝阳区", "音乐会", "还款", "快乐",
    "厦门", "蚌埠", "六安", "广州", "深圳华信电子", "长江实业", "大都会", "会计", "银行行长",
]  # fmt: skip

FULL_LIST = """
import json, sys
from pypinyin import Style, lazy_pinyin
texts = json.loads(sys.argv[1])
print(json.dumps([lazy_pinyin(t, style=Style.NORMAL, errors="ignore") for t in texts]))
"""


def test_readings_equal_pypinyin_with_its_whole_phrase_list():
    env = {k: v for k, v in os.environ.items() if k != "PYPINYIN_NO_PHRASES"}
    out = subprocess.run(
        [sys.executable, "-c", FULL_LIST, json.dumps(TEXTS)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    expected = json.loads(out.stdout)
    assert [pinyin.syllables(t) for t in TEXTS] == expected
    assert pinyin.syllables("重庆") == ["chong", "qing"]
    assert pinyin.syllables("银行") == ["yin", "hang"]


def test_only_the_phrases_that_change_a_reading_are_kept_in_memory():
    pinyin.syllables("张伟")
    assert 1_000 < len(PHRASES_DICT) < 10_000  # pypinyin's own list has 47,000


def test_romanize_keeps_other_characters():
    assert pinyin.romanize("重庆 office") == ["chong", "qing", " office"]


def test_the_chosen_phrases_are_kept_in_the_data_folder_and_read_from_there(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    chosen = pinyin._cached_needed_phrases()
    (saved,) = tmp_path.glob("pinyin-phrases-*.json")
    assert json.loads(saved.read_text(encoding="utf-8")) == chosen
    assert chosen["重庆"] == [["chóng"], ["qìng"]]
    saved.write_text(json.dumps({"测试": [["cè"], ["shì"]]}), encoding="utf-8")
    assert pinyin._cached_needed_phrases() == {"测试": [["cè"], ["shì"]]}
    saved.write_text("not json", encoding="utf-8")
    assert "重庆" in pinyin._cached_needed_phrases()


def test_a_data_folder_it_cannot_write_is_reported_and_the_phrases_still_load(
    settings, tmp_path, caplog
):
    settings.DATA_DIR = tmp_path / "missing"  # writing into it fails
    assert "重庆" in pinyin._cached_needed_phrases()
    assert "Could not keep the pinyin phrases" in caplog.text
