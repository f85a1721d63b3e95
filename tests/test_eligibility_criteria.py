"""split_criteria on real criteria layouts: sections, labels, nesting, run-on items, offsets."""

import pytest

from trialtui.eligibility.criteria import _INLINE_LABEL, _inline_labels, split_criteria


def _check_offsets(text, items):
    for item in items:
        assert text[item.start : item.start + len(item.text)] == item.text


def test_ctgov_markdown_sections_and_bullets():
    text = (
        "Inclusion Criteria:\n\n* Participant is an adult ≥18 years of age.\n"
        "* Participant has a diagnosis of NF1\n  * Family history of NF1\n\n"
        "Exclusion Criteria:\n\n* Participant cannot give informed consent.\n"
    )
    items = split_criteria(text)
    _check_offsets(text, items)
    assert [(i.section, i.label, i.depth) for i in items] == [
        ("inclusion", "*", 0), ("inclusion", "*", 0), ("inclusion", "*", 1), ("exclusion", "*", 0),
    ]
    assert items[0].text == "Participant is an adult ≥18 years of age."


def test_numbering_that_restarts_is_nested_and_parent_numbering_resumes():
    text = (
        "Inclusion Criteria\n\n1. Aged 1-12 years;\n3. Diagnosed with neuroblastoma:\n\n"
        "1. Relapsed neuroblastoma: new lesions.\n2. Refractory neuroblastoma.\n"
        "4. Prior to enrollment, measures.\n"
    )
    items = split_criteria(text)
    assert [(i.label, i.depth) for i in items] == [("1.", 0), ("3.", 0), ("1.", 1), ("2.", 1), ("4.", 0)]


def test_run_on_numbered_items_split_where_numbering_continues():
    # Seed 000: a nested "(n)" list run together, then the parent's "10." glued to its text.
    text = (
        "Inclusion Criteria\n\n9. Adequate organ function:\n\n"
        "(1)Blood Routine Test: ANC≥1.5×10^9/L; (2)Heart: LVEF≥50%; (3)Pulmonary function: "
        "SpO2≥92%. 10.All toxic responses within 4 weeks have returned to Grade≤1.\n"
    )
    items = split_criteria(text)
    _check_offsets(text, items)
    assert [(i.label, i.depth) for i in items] == [("9.", 0), ("(1)", 1), ("(2)", 1), ("(3)", 1), ("10.", 0)]
    assert items[4].text.startswith("All toxic responses within 4 weeks")


def test_dash_numbered_run_on_items():
    # Seed 001 exclusions: "5- Inability ... 6- Elevated ..." on one line.
    text = (
        "Exclusion Criteria\n\n5- Inability to tolerate new treatment due to emergency conditions. "
        "6- Elevated catecholamines (more than twice the ULN).\n"
    )
    items = split_criteria(text)
    _check_offsets(text, items)
    assert [(i.section, i.label) for i in items] == [("exclusion", "5-"), ("exclusion", "6-")]
    assert items[1].text.startswith("Elevated catecholamines")


def test_numbers_in_text_are_not_labels():
    text = "Inclusion Criteria:\n\n1. Hemoglobin ≥ 9 g/dL. 2 weeks washout required.\n1.5 x ULN or less\n"
    items = split_criteria(text)
    assert [i.label for i in items] == ["1.", ""]
    assert items[1].text == "1.5 x ULN or less"


def test_text_without_headers_is_inclusion_and_non_inclusion_is_exclusion():
    assert {i.section for i in split_criteria("* Age 18 or older\n* Signed consent")} == {"inclusion"}
    text = "Inclusion Criteria:\n\n* ED\n\nNon-inclusion Criteria:\n\n* Contraindications to anesthesia"
    assert [i.section for i in split_criteria(text)] == ["inclusion", "exclusion"]


def test_lead_sentence_opens_a_section():
    text = (
        "‣ To be eligible for the study, participants must meet all of the following criteria:\n\n"
        "• Age ≤ 18 years.\n\n‣ Patients with any of the following will not be enrolled in this study:\n\n"
        "• Pregnancy.\n"
    )
    items = split_criteria(text)
    assert [(i.section, i.text) for i in items if i.label == "•"] == [
        ("inclusion", "Age ≤ 18 years."), ("exclusion", "Pregnancy."),
    ]


def test_header_with_inline_first_item():
    text = "Inclusion Criteria: Age ≥ 18 years\nExclusion Criteria: Pregnant"
    items = split_criteria(text)
    _check_offsets(text, items)
    assert [(i.section, i.text) for i in items] == [("inclusion", "Age ≥ 18 years"), ("exclusion", "Pregnant")]


def test_hard_wrapped_legacy_lines_join_their_item():
    text = (
        "\n        Inclusion Criteria:\n\n          -  Adequate bone marrow function: platelets\n"
        "             >= 100,000/mm3\n\n          -  Signed consent\n"
    )
    items = split_criteria(text)
    _check_offsets(text, items)
    assert [i.label for i in items] == ["-", "-"]
    assert items[0].text.endswith(">= 100,000/mm3")


@pytest.mark.parametrize("text", [
    "Adequate function; 10.All toxic effects resolved. 11. Prior surgery (2)Heart failure",
    "5- Inability to swallow  6- Elevated enzymes ( 3)x  (12) Pregnant;13)Other",
    "ANC ≥ 1.5 x 10^9/L; 1234. Not a label. 2.5 mg; :\t 7.Seven  ] 8)eight",
])
def test_inline_labels_are_those_the_pattern_finds_everywhere(text):
    for pos in range(len(text)):
        assert [m.span() for m in _inline_labels(text, pos)] == [m.span() for m in _INLINE_LABEL.finditer(text, pos)]
