"""The Chinese -> English query glossary: segmentation by longest term, what is kept and what is dropped."""

from pathlib import Path

import pytest
from django.conf import settings

from physlit.text.glossary import Glossary, has_chinese

TSV = """# english<TAB>chinese variants
condensate\t凝聚体|凝聚
bose-einstein condensate\t玻色-爱因斯坦凝聚体|玻色爱因斯坦凝聚
spinor\t旋量
bright soliton\t亮孤子
soliton\t孤子
type\t类型|型
energy\t能|能量
spin\t自旋
spinning\t自旋
neutron star\t中子星
error correction\t纠错|量子纠错
quantum error correction\t量子纠错
"""


@pytest.fixture
def glossary(tmp_path: Path) -> Glossary:
    path = tmp_path / "glossary.tsv"
    path.write_text(TSV, encoding="utf-8")
    return Glossary.load(path)


def test_the_longest_term_wins_and_latin_symbols_stay_in_place(glossary):
    zh = "F=1 旋量玻色-爱因斯坦凝聚体中，非零背景上的亮孤子解被分为哪两种类型？"
    assert glossary.english(zh) == "F=1 spinor bose-einstein condensate bright soliton which two type"


def test_question_words_keep_the_kind_of_question_for_the_reader(glossary):
    assert glossary.english("中子星的能量是多少？") == "neutron star energy how much"
    assert glossary.english("什么时候") == "when"  # the longest match, not 什么 "what"


def test_joiners_and_full_width_forms_do_not_matter(glossary):
    assert glossary.english("玻色·爱因斯坦凝聚") == "bose-einstein condensate"
    assert glossary.english("Ｆ＝１的凝聚体") == "F=1 condensate"


def test_text_without_chinese_comes_back_unchanged(glossary):
    text = "What is the Curie temperature of Fe₃O₄?"
    assert not has_chinese(text) and glossary.english(text) is text


def test_one_character_terms_are_left_out_and_the_first_english_term_wins(glossary):
    assert "能" not in glossary.terms and glossary.terms["能量"] == "energy"
    assert glossary.english("能") == ""  # nothing the glossary knows
    assert glossary.english("自旋") == "spin"  # listed before "spinning"
    assert glossary.english("量子纠错") == "quantum error correction"  # its usual form, another's variant


def test_a_line_without_an_english_term_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("soliton\t孤子\n\t中子星\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:2"):
        Glossary.load(path)


def test_the_shipped_glossary_reads_a_physics_question():
    glossary = Glossary.load(settings.PHYSLIT_QUERY_GLOSSARY)
    assert len(glossary.terms) > 10_000
    english = glossary.english("中子星的最大质量是多少？").lower()
    assert "neutron star" in english and "mass" in english
