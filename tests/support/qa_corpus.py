"""The QA tests' corpus: multi-sentence abstracts the reader trains on (fixtures `qa_indexed` and `qa_reader`
in tests/conftest.py index it and train on it)."""

from datetime import date

QA_CORPUS = [
    (
        "1901.00001",
        "gr-qc",
        ["gr-qc", "astro-ph.HE"],
        date(2019, 1, 3),
        ["A. Finn"],
        "Bounds on the graviton mass from binary pulsar timing",
        "Massive gravity modifies the orbital decay of binary pulsars. Using the timing of the Hulse-Taylor "
        "pulsar and the double pulsar we bound the graviton mass below 7.6e-20 eV. The bound follows from "
        "the absence of dipole radiation in the orbital period derivative.",
    ),
    (
        "1901.00002",
        "gr-qc",
        ["gr-qc"],
        date(2019, 2, 3),
        ["B. Will"],
        "Graviton mass constraints from gravitational wave observations",
        "Gravitational waves from binary black hole mergers observed by LIGO constrain the dispersion of "
        "gravitational waves. The observed signals bound the graviton mass below 1.2e-22 eV. This limit is "
        "stronger than solar system tests of the Yukawa potential.",
    ),
    (
        "1901.00003",
        "cond-mat.supr-con",
        ["cond-mat.supr-con"],
        date(2019, 3, 3),
        ["C. Onnes"],
        "Superconductivity in niobium nitride thin films",
        "We grow niobium nitride films by sputtering on sapphire substrates. Transport measurements show a "
        "superconducting transition temperature of 16 K in the thickest films. Thinner films show a "
        "suppressed transition due to disorder.",
    ),
    (
        "1901.00004",
        "quant-ph",
        ["quant-ph"],
        date(2019, 4, 3),
        ["D. Shor"],
        "Surface code thresholds under biased noise",
        "We study the surface code under noise biased towards dephasing. Tailored decoders reach a threshold "
        "of 4.3 percent for pure dephasing noise. The threshold drops for depolarizing noise.",
    ),
    (
        "1901.00005",
        "astro-ph.CO",
        ["astro-ph.CO"],
        date(2019, 5, 3),
        ["E. Hubble"],
        "The Hubble constant from strongly lensed quasars",
        "Time delays between images of strongly lensed quasars measure the Hubble constant. Six lenses give "
        "a Hubble constant of 73.3 km/s/Mpc with 2.4 percent precision. The value is in tension with the "
        "cosmic microwave background.",
    ),
    (
        "1901.00006",
        "hep-ph",
        ["hep-ph"],
        date(2019, 6, 3),
        ["F. Peccei"],
        "Axion dark matter and the QCD phase transition",
        "Axions produced by the misalignment mechanism can make up all of the dark matter. Lattice QCD "
        "determines the axion mass near 25 micro-eV for the observed dark matter density. Haloscope "
        "searches with microwave cavities can test this mass range.",
    ),
    (
        "1901.00007",
        "cond-mat.str-el",
        ["cond-mat.str-el"],
        date(2019, 7, 3),
        ["G. Kitaev"],
        "Spin liquid ground state of a honeycomb iridate",
        "Neutron scattering on a honeycomb iridate reveals no magnetic order down to 50 mK. The excitation "
        "spectrum shows a continuum characteristic of Majorana fermions. We conclude that the ground state "
        "is a Kitaev quantum spin liquid.",
    ),
    (
        "1901.00008",
        "nucl-th",
        ["nucl-th"],
        date(2019, 8, 3),
        ["H. Bethe"],
        "Neutron skin thickness of lead from parity violation",
        "Parity-violating electron scattering measures the weak charge radius of lead-208. The extracted "
        "neutron skin thickness is 0.28 fm. This favours a stiff symmetry energy in neutron star matter.",
    ),
]
