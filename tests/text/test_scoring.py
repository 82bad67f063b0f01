"""What a reader sees, scored: the short answer's exact match and token F1, and the summary checks."""

import pytest

from physlit.text.scoring import (
    answer_normalize,
    exact_match,
    lead_copy,
    states_value,
    summary_problem,
    token_f1,
)


def test_normalisation_is_squads():
    assert answer_normalize("The  Betti numbers.") == "betti numbers"
    assert answer_normalize("an (S8) value") == "s8 value"


def test_exact_match_takes_the_best_alias_and_scores_an_abstention_zero():
    golds = ["domain-wall (DW) type and phase-shift (PS) type", "domain-wall and phase-shift types"]
    assert exact_match("Domain-wall and phase-shift types", golds) == 1.0
    assert exact_match("domain-wall type", golds) == 0.0
    assert exact_match("", golds) == 0.0
    assert exact_match("", [""]) == 0.0


def test_token_f1_gives_partial_credit_and_none_to_a_wrong_short_answer():
    assert token_f1("0.807", ["0.807"]) == 1.0
    # "0.807 ± 0.024" against "0.807": three tokens ("±" stays one), precision 1/3, recall 1
    assert token_f1("0.807 ± 0.024", ["0.807"]) == pytest.approx(0.5)
    assert token_f1("Gaussian", ["Betti numbers"]) == 0.0
    assert token_f1("Betti", ["Betti numbers", "persistent homology"]) == pytest.approx(2 / 3)
    assert token_f1("", ["Betti numbers"]) == 0.0


@pytest.mark.parametrize(
    "summary, problem",
    [
        ("In doing so, we simultaneously parameterize the halo mass function and the bias.", "needs context"),
        ("Whether that dust is distributed in a disk remains unclear from the ALMA data.", "needs context"),
        ("This leads to a bound on the graviton mass of 10^-23 eV.", "needs context"),
        ("However, the lensing signal in low density regions reaches 31.1 sigma.", "needs context"),
        (
            "We measure sigma_8 = 0.824 ± 0.015 from lensing statistics in low and high density regions…",
            "ellipsis",
        ),
        ("We measure sigma_8 = 0.824 ± 0.015 from lensing statistics in low and high", "unfinished"),
        ("we measure sigma_8 = 0.824 from lensing statistics in density regions.", "lower-case start"),
        ("Bright solitons are classified.", "too short"),
        ("", "empty"),
        ("Lensing statistics in low and high density regions constrain sigma_8 to 0.824 ± 0.015.", None),
        ("This paper derives bright solitons on a nonzero background in spinor condensates.", None),
        ("In this work the halo model predicts the marked power spectrum to 5% accuracy.", None),
        ("Thermal transport in graphene (at 300 K) is ballistic over 10 microns (Ref. 3).", None),
    ],
)
def test_summary_problem(summary, problem):
    assert summary_problem(summary) == problem


def test_lead_copy_is_the_first_sentence_word_for_word():
    abstract = (
        "We study bright solitons in spinor condensates with a nonzero background. "
        "They are classified into domain-wall and phase-shift types."
    )
    assert lead_copy("We study bright solitons in spinor  condensates with a nonzero background", abstract)
    assert not lead_copy(
        "Bright solitons in spinor condensates are domain-wall or phase-shift types.", abstract
    )
    assert not lead_copy("anything", "")


def test_states_value_matches_whole_numbers_only():
    values = ["0.824 \\pm 0.015", "31.1"]
    assert states_value("Lensing gives sigma_8 = 0.824 ± 0.015.", values)
    assert states_value("The signal reaches 31.1 sigma.", values)
    assert not states_value("The signal reaches 131.1 sigma and 10.824.", values)
    assert not states_value("No number here.", values)
    assert not states_value("0.824", [])
