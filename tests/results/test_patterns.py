"""The pattern extractor of reported results (physlit.results.patterns): what it takes, what it leaves."""

import pytest

from physlit.results.patterns import KINDS, Found, quantity_before, quantity_key, results_find, value_number


def one(abstract: str) -> Found:
    found = results_find(abstract)
    assert len(found) == 1, found
    return found[0]


def values(abstract: str) -> list[str]:
    return [f.value for f in results_find(abstract)]


def test_upper_bound_sign_sets_kind_and_stays_out_of_value():
    f = one(r"We obtain the bound m_g < 1.2\times10^{-22} eV on the graviton mass.")
    assert (f.value, f.unit, f.kind) == (r"1.2\times10^{-22}", "eV", "upper_bound")
    assert f.quantity == "m_g"
    assert f.number == pytest.approx(1.2e-22) and f.error is None


def test_dust_mass_upper_limit_in_tex():
    f = one(r"We place a dust mass upper limit of $\lesssim 10^6 M_\odot$ on the remnant.")
    assert "dust mass" in f.quantity
    assert (f.value, f.unit, f.kind, f.number) == ("10^6", r"M_\odot", "upper_bound", 1e6)


def test_lower_bound_words_and_signs():
    assert one(r"We find $m_a \gtrsim 0.1$ GeV from the combined fit.").kind == "lower_bound"
    f = one("The remnant black hole receives a recoil kick exceeding 1000 km/s in our simulations.")
    assert (f.value, f.unit, f.kind) == ("1000", "km/s", "lower_bound")


def test_tex_asymmetric_errors_parse():
    f = one(r"We find $\sigma_8 = 0.824^{+0.015}_{-0.015}$ from the combined data.")
    assert (f.quantity, f.value, f.kind) == (r"\sigma_8", "0.824^{+0.015}_{-0.015}", "measurement")
    assert f.number == pytest.approx(0.824) and f.error == pytest.approx(0.015)
    assert value_number("67.4^{+1.1}_{-0.9}") == (pytest.approx(67.4), pytest.approx(1.0))


def test_value_number_reads_tex_and_plain_forms():
    assert value_number("10^6") == (1e6, None)
    assert value_number(r"1.2\times10^{-22}")[0] == pytest.approx(1.2e-22)
    number, error = value_number(r"(4.9 $\pm$ 1.5) $\times$ 10$^{7}")
    assert number == pytest.approx(4.9e7) and error == pytest.approx(1.5e7)
    assert value_number("1.2345(6)") == (pytest.approx(1.2345), pytest.approx(0.0006))
    assert value_number("12,766") == (12766.0, None)
    assert value_number("10-20") == (15.0, None)
    assert value_number("12.1 +- 0.3") == (pytest.approx(12.1), pytest.approx(0.3))
    assert value_number("no number") == (None, None)


def test_measurement_with_uncertainty_and_compound_unit():
    abstract = r"We measure $H_0 = 67.4 \pm 0.5$ km s$^{-1}$ Mpc$^{-1}$ from the distance ladder."
    f = one(abstract)
    assert (f.quantity, f.value, f.kind) == ("H_0", r"67.4 \pm 0.5", "measurement")
    assert f.unit == "km s$^{-1}$ Mpc$^{-1}"  # verbatim, so the $ inside stays
    assert (f.number, f.error) == (pytest.approx(67.4), pytest.approx(0.5))


def test_names_like_gw150914_and_su3_are_not_results():
    abstract = (
        "We study SU(3) gauge theory and N=4 SYM in 3D, compare with GW150914 and Planck 2018, "
        "and follow Section 4 and Eq. (12) at two-loop order in d=4 and AdS_5."
    )
    assert results_find(abstract) == []


def test_sample_size_is_not_a_result():
    abstract = (
        "Using 1,000 galaxies from SDSS DR7 observed with 40 qubits, we analyse 35 known dwarf galaxies "
        "on a 512^3 grid and consider three datasets."
    )
    assert results_find(abstract) == []


def test_redshift_and_energy_studied_are_not_results():
    abstract = (
        r"We study galaxies at $z \sim 2$ and proton collisions at $\sqrt{s} = 13$ TeV with 139 fb$^{-1}$ "
        "of data, at a temperature of 10 mK."
    )
    assert results_find(abstract) == []


def test_confidence_levels_are_qualifiers_not_results():
    f = one("The upper limit on the tensor-to-scalar ratio is r < 0.036 at 95% C.L.")
    assert (f.quantity, f.value, f.kind) == ("r", "0.036", "upper_bound")


def test_detection_significance_is_a_result_with_sigma_unit():
    f = one("We detect the signal at 5.2σ in the stacked spectra.")
    assert (f.value, f.unit, f.quantity, f.kind) == ("5.2", "σ", "significance", "measurement")


def test_fraction_found_is_a_result():
    f = one("We achieve a two-qubit gate fidelity of 99.5% on the device.")
    assert (f.value, f.unit, f.kind) == ("99.5", "%", "measurement")
    assert "fidelity" in f.quantity


def test_count_that_is_the_finding_is_a_result():
    f = one("We discover 12 new pulsars in the survey data.")
    assert (f.value, f.unit, f.kind) == ("12", "", "measurement")
    assert "pulsars" in f.quantity


def test_prediction_verbs_set_kind():
    f = one("Future surveys will reach a sensitivity of 0.01 eV on the neutrino mass sum.")
    assert (f.value, f.unit, f.kind) == ("0.01", "eV", "prediction")
    assert one("We forecast a precision of 2.6% on the BAO dilation parameter.").kind == "prediction"
    # "as predicted" describes a measurement that agrees with theory, not a forecast
    assert one("We measure a payoff of 0.72(2), as predicted.").kind == "measurement"


def test_conditions_of_the_study_are_not_results():
    assert values("For dark matter masses below about 50 GeV, the sensitivity improves.") == []
    assert values("The mirrors are kept at cryogenic temperatures of 10-15 K to reduce noise.") == []
    assert values(r"Halos in the range $10^8 < M/M_\odot < 10^{11}$ are studied.") == []


def test_kinds_are_the_four():
    assert KINDS == ("measurement", "upper_bound", "lower_bound", "prediction")


ABSTRACTS = [
    r"We infer an enclosed mass for And VI of M(r < r$_{\rm{h}}$) = (4.9 $\pm$ 1.5) $\times$ 10$^{7}$ "
    r"M$_{\odot}$, corresponding to a mass-to-light ratio of $[M/L]_{r_{\rm{h}}}$ = (27.1 $\pm$ 8.2) "
    r"M$_{\odot}$/L$_{\odot}$.",
    r"The data yield a total neutrino mass of $\sum m_\nu = 0.098^{+0.016}_{-0.037}\,\mathrm{eV}$, "
    r"a preference for a positive mass at the $2.7\sigma$ level.",
    "UGC 694 exhibits a heliocentric velocity of 12683 +/- 34 km/s, placing it at a distance of "
    "approximately 188 Mpc.",
    r"The bond is compressible (k = 3.3(3)x10^{-3} GPa^{-1}) and the gap exceeds $10^{17} \,{\rm cm}^{-2}$.",
    r"We obtain $g = (2.45^{+1.53}_{-1.28}) \times 10^{-3}$ and $\chi_1=0.9^{+0.10}_{-0.19}$.",
]


@pytest.mark.parametrize("abstract", ABSTRACTS)
def test_value_spans_are_verbatim(abstract):
    found = results_find(abstract)
    assert found
    assert [f.start for f in found] == sorted(f.start for f in found)
    for f in found:
        assert abstract[f.start : f.end] == f.value
        assert not f.value.startswith("$") and not f.value.endswith("$")
        assert f.value in f.text and f.text in abstract
        assert f.unit in abstract and f.kind in KINDS
        assert f.number is not None


def test_symbol_arguments_are_not_values():
    abstract = r"We find $\rho_{\rm DM}$(150 pc) = (1.4 $\pm$ 0.5) $\times$ 10$^{8}$ M$_{\odot}$ kpc$^{-3}$."
    assert values(abstract) == [r"(1.4 $\pm$ 0.5) $\times$ 10$^{8}"]


@pytest.mark.parametrize(
    "spelling",
    [
        "H_0",
        "H0",
        "$H_0$",
        "H_{0}",
        "Hubble constant",
        "the Hubble constant",
        "Hubble parameter",
        "the Hubble parameter H_0",
        "Hubble constants",
    ],
)
def test_quantity_key_unifies_hubble_constant_spellings(spelling):
    assert quantity_key(spelling) == "hubble constant"


def test_quantity_key_unifies_other_well_known_quantities():
    assert quantity_key(r"\sigma_8") == quantity_key("σ8") == quantity_key("σ_8") == "sigma8"
    assert quantity_key("S_8") == "s8"
    assert quantity_key("tensor-to-scalar ratio r") == "tensor-to-scalar ratio"
    assert quantity_key("r") == "r"  # alone, r is as often a radius or a distance
    assert quantity_key("critical temperature T_c") == quantity_key("T_c") == "critical temperature"
    assert quantity_key("spectral index n_s") == quantity_key("n_s") == "spectral index"
    assert quantity_key("graviton mass") == quantity_key("m_g") == "graviton mass"
    assert quantity_key(r"$\sum m_\nu$") == quantity_key("neutrino mass sum") == "neutrino mass sum"
    assert quantity_key("dust masses") == "dust mass"
    assert quantity_key("") == ""


def test_a_power_of_ten_beyond_a_float_gives_no_number_instead_of_failing():
    assert value_number("10^{1000}") == (None, None)
    assert value_number("2\\times10^{-400}") == (None, None)


def test_quantity_before_reads_the_name_back_from_a_value():
    abstract = "We measure the Hubble constant H_0 = 73.2 \\pm 1.3 km/s/Mpc from lensed quasars."
    assert quantity_before(abstract, abstract.index("73.2")) == "Hubble constant H_0"
    assert quantity_key(quantity_before(abstract, abstract.index("73.2"))) == "hubble constant"


def test_a_superscript_is_not_a_subscript_in_quantity_keys():
    assert quantity_key("H^0") != quantity_key("H_0") == "hubble constant"


def test_a_bare_symbol_keeps_the_name_written_before_it():
    abstract = "We constrain the tensor-to-scalar ratio r < 0.036 and the radius r = 5 km."
    assert quantity_before(abstract, abstract.index("0.036")) == "tensor-to-scalar ratio r"
    assert quantity_key(quantity_before(abstract, abstract.index("0.036"))) == "tensor-to-scalar ratio"
    assert quantity_key(quantity_before(abstract, abstract.index("5 km"))) == "radius r"


def test_a_well_known_name_inside_a_longer_phrase_is_that_quantity():
    assert quantity_key("the minimum tensor-to-scalar ratio r") == "tensor-to-scalar ratio"
    assert quantity_key("upper limit on the Hubble constant") == "hubble constant"
    assert quantity_key("limit r") == "limit r"  # a symbol inside a phrase may be anything
