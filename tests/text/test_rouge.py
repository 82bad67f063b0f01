"""The one ROUGE module scores exactly as rouge-score does (tokens, stems, ROUGE-1/2/L F), so moving the
summarizer's training signal and the summary evaluation onto it changes no number."""

import pytest
from rouge_score import rouge_scorer

from physlit.ml.summarizer import lead_summary, summary_target, units_split
from physlit.text.rouge import rouge_f, rouge_tokens

# Real arXiv abstracts of dev-question papers, with their titles and the question file's tldr.
PAPERS = [
    (
        "Theory of defect dynamics in graphene: defect groupings and their stability",
        "We use our theory of periodized discrete elasticity to characterize defects in graphene "
        "as the cores "
        "of dislocations or groups of dislocations. Earlier numerical implementations of the "
        "theory predicted "
        "some of the simpler defect groupings observed in subsequent Transmission Electron Microscope "
        "experiments. Here we derive the more complicated defect groupings of three or four defect "
        "pairs from "
        "our theory, show that they correspond to the cores of two pairs of dislocation dipoles "
        "and ascertain "
        "their stability.",
        "Periodized discrete elasticity theory derives complex graphene defect groupings of three or four "
        "defect pairs as cores of two dislocation-dipole pairs and assesses their stability.",
    ),
    (
        "Two-phonon $\\gamma$-vibrational states in rotating triaxial odd-$A$ nuclei",
        "Distribution of the two phonon $\\gamma$ vibrational collectivity in the rotating triaxial odd-$A$ "
        "nucleus, $^{103}$Nb, that is one of the three nuclides for which experimental data were reported "
        "recently, is calculated in the framework of the particle vibration coupling model based on the "
        "cranked shell model plus random phase approximation. This framework was previously utilized for "
        "analyses of the zero and one phonon bands in other mass region and is applied to the two "
        "phonon band "
        "for the first time. In the present calculation, three sequences of two phonon bands share "
        "collectivity almost equally at finite rotation whereas the $K=\\Omega+4$ state is the "
        "purest at zero "
        "rotation.",
        "Particle-vibration coupling calculations for 103Nb show three two-phonon "
        "gamma-vibrational sequences "
        "share collectivity almost equally under rotation, while the K=Omega+4 state is purest "
        "without rotation.",
    ),
    (
        "Runge-Lenz operator for Dirac field in Taub-NUT background",
        "Fermions in D=4 self-dual Euclidean Taub-NUT space are investigated. Dirac-type operators involving "
        "Killing-Yano tensors of the Taub-NUT geometry are explicitly given showing that they "
        "anticommute with "
        "the standard Dirac operator and commute with the Hamiltonian as it is expected. They are connected "
        "with the hidden symmetries of the space allowing the construction of a conserved vector operator "
        "analogous to the Runge-Lenz vector of the Kepler problem. This operator is written down "
        "pointing out "
        "its algebraic properties.",
        "Constructs Dirac-type operators from Killing-Yano tensors in self-dual Taub-NUT space, yielding a "
        "conserved Runge-Lenz-like vector operator for fermions and describing its algebra.",
    ),
    (
        "Curved BPS domain walls and RG flow in five dimensions",
        "We determine, in the context of five-dimensional ${\\cal N}=2$ gauged supergravity with vector and "
        "hypermultiplets, the conditions under which curved (non Ricci flat) supersymmetric domain wall "
        "solutions may exist. These curved BPS domain wall solutions may, in general, be supported by "
        "non-constant vector and hyper scalar fields. We establish our results by a careful analysis of the "
        "BPS equations as well as of the associated integrability conditions and the equations of motion. We "
        "construct an example of a curved BPS solution in a gauged supergravity model with one "
        "hypermultiplet. "
        "We also discuss the dual description of curved BPS domain walls in terms of RG flows.",
        "Analyzes when curved, non-Ricci-flat BPS domain walls exist in 5D N=2 gauged supergravity "
        "with vector "
        "and hypermultiplets, builds an example, and discusses their RG-flow duals.",
    ),
]


def pairs() -> list[tuple[str, str]]:
    """(candidate, reference) pairs as evaluation and training validation score them."""
    out = []
    for title, abstract, tldr in PAPERS:
        lead = lead_summary(abstract)
        out += [(lead, tldr), (lead, title), (abstract, tldr), (tldr, title), ("", title)]
    return out


def test_tokens_are_rouge_scores_own():
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    for title, abstract, tldr in PAPERS:
        for text in (title, abstract, tldr):
            assert rouge_tokens(text) == scorer._tokenizer.tokenize(text)


def test_mean_f_equals_rouge_score_mean():
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    candidates, references = zip(*pairs(), strict=True)
    scores = [scorer.score(r, c) for c, r in zip(candidates, references, strict=True)]
    expected = {
        k: 100 * sum(s[k].fmeasure for s in scores) / len(scores) for k in ("rouge1", "rouge2", "rougeL")
    }
    assert rouge_f(list(candidates), list(references)) == pytest.approx(expected, abs=1e-9)
    assert rouge_f([], []) == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


def test_summarizer_training_signal_is_unchanged():
    # summary_target over rouge-score's own tokens: the value the summarizer was tuned with before the move.
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    title, abstract, _ = PAPERS[0]
    units = units_split(abstract)
    texts = [u.text for u in units]
    got = summary_target(texts[0], rouge_tokens(title), texts[1:])
    again = summary_target(texts[0], scorer._tokenizer.tokenize(title), texts[1:])
    assert got == again and got > 0
