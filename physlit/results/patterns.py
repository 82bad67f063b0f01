"""Stage: results. Hand-written patterns that read an abstract in and hand back the quantitative results it
reports (quantity, value, unit, kind, sentence); the task is defined in docs/results-labelling.md."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from physlit.text.sentences import sentence_spans

KINDS = ("measurement", "upper_bound", "lower_bound", "prediction")


@dataclass(frozen=True)
class Found:
    quantity: str  # verbatim name from the abstract ("" if none found)
    value: str  # verbatim number with uncertainty (no relation sign, no $)
    unit: str  # verbatim unit or ""
    kind: str  # one of KINDS
    text: str  # verbatim sentence containing value
    start: int  # abstract[start:end] == value
    end: int
    number: float | None  # central value as a float, None if unparseable
    error: float | None  # the stated uncertainty (mean of +/- when asymmetric), None if none


# ---------------------------------------------------------------------------------------------------------
# The view: patterns run on the abstract with every "$" removed, so that "(4.9 $\pm$ 1.5) $\times$ 10$^{7}$"
# and "M$_{\odot}$" read as one piece of TeX; a map takes every view offset back to the abstract.


def _view(text: str) -> tuple[str, list[int]]:
    chars, where = [], []
    for i, ch in enumerate(text):
        if ch != "$":
            chars.append(ch)
            where.append(i)
    where.append(len(text))
    return "".join(chars), where


# ---------------------------------------------------------------------------------------------------------
# Numbers. `_SP` is TeX-aware white space (\, \; \! and braces that only wrap a number).
_SP = r"(?:\s|\\[,;:! ]|\\quad)*"
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?|\.\d+)"  # 1,000 groups only in threes
_SIGNED = rf"(?:[-−+]{_SP})?{_NUM}"
_MINUS = r"(?:-|−|–)"
# 10^{-22}, 10^6, 10^{−5}; the exponent may itself be wrapped in \rm or braces
_TEN = rf"10{_SP}\^{_SP}(?:\{{{_SP}{_MINUS}?{_SP}\d+(?:\.\d+)?{_SP}\}}|{_MINUS}?\d+)"
_TIMES = r"(?:\\times|×|\\cdot|·|x)"
# symmetric uncertainty: \pm 0.015, ± 0.3, +/- 2 (several, e.g. stat and syst)
_PM = r"(?:\\pm|±|\+/-|\+-|\\mp|∓)"
_ERR_LABEL = r"(?:{_SP}\(?{_SP}(?:\\(?:rm|mathrm|text)\s*\{?)?\s*(?:stat|syst?|theo|th|exp|sys)\.?\s*\}?\)?)?"
_ERR_LABEL = _ERR_LABEL.replace("{_SP}", _SP)
_SYM_ERR = rf"{_SP}{_PM}{_SP}{_NUM}(?:{_SP}\\%|{_SP}%)?{_ERR_LABEL}"
# asymmetric: ^{+1.1}_{-0.9}, _{-0.9}^{+1.1}, \substack{+0.4 \\ -0.3}, ^{+1.1}_{-0.9} without braces
_UP = rf"\^{_SP}(?:\{{{_SP}\+{_SP}{_NUM}{_SP}\}}|\+{_NUM})"
_DOWN = rf"_{_SP}(?:\{{{_SP}{_MINUS}{_SP}{_NUM}{_SP}\}}|{_MINUS}{_NUM})"
_ASYM_ERR = (
    rf"(?:{_SP}(?:{_UP}{_SP}{_DOWN}|{_DOWN}{_SP}{_UP}"
    rf"|\\substack{_SP}\{{{_SP}\+{_SP}{_NUM}{_SP}\\\\{_SP}{_MINUS}{_SP}{_NUM}{_SP}\}}){_ERR_LABEL})"
)
_PAREN_ERR = r"(?:\(\d+(?:\.\d+)?\))"  # 1.2345(6): the error in the last digits
_MANTISSA = (  # a percent sign may sit before the error: 27\% \pm 8\%
    rf"{_SIGNED}(?:[eE][-−+]?\d+)?{_PAREN_ERR}{{0,2}}(?:{_SP}\\?%(?={_SYM_ERR}))?(?:{_SYM_ERR}|{_ASYM_ERR})*"
)
_CORE = (
    rf"{_TEN}(?:{_SYM_ERR}|{_ASYM_ERR})*"  # 10^6 alone (before the mantissa, which would take "10")
    rf"|(?:\({_SP}{_NUM}{_SP}(?:-|–|--){_SP}{_NUM}{_SP}\)(?={_SP}{_TIMES}{_SP}10)"  # (0.6 - 17) x 10^-8
    rf"|\({_SP}{_MANTISSA}{_SP}\)|\[{_SP}{_MANTISSA}{_SP}\]"  # (4.9 \pm 1.5) \times 10^{7}
    rf"|{_MANTISSA})"  # 0.824^{+0.015}_{-0.015}, 1.2345(6), 67.4 \pm 0.5
    rf"(?:{_SP}{_TIMES}{_SP}{_TEN}(?:{_SYM_ERR}|{_ASYM_ERR})*)?"  # ... \times 10^{7}
)
_VALUE = re.compile(_CORE)
# a range found as one value: "10-20", "10 to 20", "between 10 and 20"
_RANGE_JOIN = re.compile(rf"{_SP}(?:--|-|–|—|\\text\{{--\}}|to|and){_SP}(?={_NUM}|10\^)")

# ---------------------------------------------------------------------------------------------------------
# Units: a lexicon of atoms, each optionally wrapped in \rm / \mathrm{} / \text{} and raised to a power,
# joined by spaces, "/", \, or \cdot ("km s^{-1} Mpc^{-1}", "erg/s", "M_\odot kpc^{-3}").
_SUN = r"(?:\\odot|⊙|\\sun|sun|\\oplus|⊕|E|\\rm\s*E|J|Jup|\\rm\s*J)"
_ASTRO = (
    rf"(?:\{{?\s*(?:\\rm\s*|\\mathrm\s*\{{\s*)?[MLR]\s*\}}?\s*_\s*\{{?\s*(?:\\rm\s*|\\mathrm\{{)?\s*{_SUN}\s*\}}?\}}?"
    r"|[MLR](?:⊙|☉|⊕)|\\[Mm]sun|\\[Ll]sun|\\[Rr]sun|\\Mearth"
    r"|(?:solar|Earth|Jupiter)[ -]?(?:mass(?:es)?|radii|radius|luminosit(?:y|ies)))"
)
_MICRO = r"(?:μ|µ|\\mu\s*|u)"
_ATOMS = [
    _ASTRO,
    r"(?:[kMGTPm]|" + _MICRO + r")?eV(?:\s*/\s*c\^?\{?2\}?)?",
    r"(?:[kMGT]|" + _MICRO + r"|m)?Hz",
    r"(?:[mn]|" + _MICRO + r")?K",
    r"(?:[kMG]|m)?pc",
    r"(?:[kMG]yr|yrs?|years?|days?|hours?|hrs?|minutes?|mins?|seconds?|sec)",
    r"(?:[munpf]|" + _MICRO + r"|k)?s",
    r"(?:[kcmnp]|" + _MICRO + r")?m",
    r"(?:AU|au|ly|lyr|Å|\\AA|\\r\s*\{?A\}?|\\mathring\s*\{?A\}?)",
    r"(?:arcsec|arcmin|mas|μas|deg|degrees?|rad|mrad|sr|\^\s*\{?\s*\\circ\s*\}?|°|'')",
    r"(?:erg|J|kJ|MJ|eV|cal|[mkMGT]?W|dBm|dB|dex|mag)",
    r"(?:[mμµ]?Jy)",
    r"(?:[mμµn]?G|kG|[mμµn]?T|Oe)",
    r"(?:[fpnμµm]b|barn)",
    r"(?:[kMG]?Pa|k?bar|atm|Torr)",
    r"(?:[mkμµ]?V|[mμµnk]?A|Ω|\\Omega|ohm)",
    r"(?:k?g|mol|ppm|ppb|ppt)",
    r"(?:\\sigma|σ|sigma)",
    r"(?:\\%|%|per\s?cent)",
    r"(?:c)",  # a speed in units of c: 0.3c
]
_POWER = r"(?:\s*\^\s*(?:\{\s*[-−]?\s*\d+(?:/\d+)?\s*\}|[-−]?\d))?"
_WRAP_OPEN = r"(?:\{\s*)?(?:\\(?:rm|mathrm|text|textrm|textup|mbox|mathrm|unit)\s*\{?\s*)?"
_ATOM = rf"{_WRAP_OPEN}(?:{'|'.join(_ATOMS)})\s*\}}*{_POWER}(?![A-Za-z0-9α-ωΑ-Ω])"
_UNIT = re.compile(rf"{_SP}~?{_SP}(?P<unit>{_ATOM}(?:(?:{_SP}(?:/|\\cdot|·)?{_SP}){_ATOM})*)")
# a trailing unit atom that is an ordinary word in a sentence ("3 m" fine, "3 s and" fine, "at" never)
_PERCENT = re.compile(r"^(?:\\%|%|per\s?cent)$")
_SIGMA = re.compile(r"^(?:\\sigma|σ|sigma)$")
_LUMINOSITY = re.compile(r"^[fpna]b\s*\^\s*\{?\s*[-−]1\s*\}?$")  # fb^{-1}: the data set, not a result
_CL_AFTER = re.compile(r"^\s*(?:\\?\))?\s*(?:C\.?\s?L\.?|CL\b|confidence|credib|probability|c\.l\.)", re.I)
_CL_PAREN_AFTER = re.compile(r"^\s*(?:C\.?\s?L\.?|CL)\b", re.I)

# ---------------------------------------------------------------------------------------------------------
# Just before the value: a relation sign, whose kind it sets (the sign stays out of `value`).
_UPPER_SIGN = r"<|\\lt\b|\\lesssim|\\leqslant|\\leq\b|\\le\b|≤|≲|\\la\b|\\lsim|\\simlt|<\s*\\sim|⩽|\\ll\b"
_LOWER_SIGN = r">|\\gt\b|\\gtrsim|\\geqslant|\\geq\b|\\ge\b|≥|≳|\\ga\b|\\gsim|\\simgt|>\s*\\sim|⩾|\\gg\b"
_EQ_SIGN = r"=|\\simeq|\\approx|\\sim\b|\\equiv|≈|∼|~|≃|\\cong|:=|\\thickapprox|\\eqsim"
_REL = re.compile(
    rf"(?:(?P<upper>{_UPPER_SIGN})|(?P<lower>{_LOWER_SIGN})|(?P<eq>{_EQ_SIGN}))"
    r"(?:\s*\{\s*\})?\s*(?:\\,|\\;|\\!|\s|\\rm\b|\\mathrm\s*\{?)*$"
)
# Bound words in the clause before the value.
_UPPER_WORDS = re.compile(
    r"\b(?:upper\s+(?:limits?|bounds?)|(?<!lower\s)limits?\s+(?:of|is|on|to|at)\b|at\s+most|less\s+than|smaller\s+than|lower\s+than|below|"
    r"not\s+(?:\w+ly\s+)?(?:to\s+)?exceed(?:ing|s)?|no\s+(?:more|larger|greater)\s+than|as\s+(?:low|small)\s+as)"
    r"[^.;]{0,60}$",
    re.I,
)
_LOWER_WORDS = re.compile(
    r"\b(?:lower\s+(?:limits?|bounds?)|at\s+least|greater\s+than|larger\s+than|more\s+than|higher\s+than|"
    r"(?<!not\s)(?<!ly\s)exceed(?:s|ing)?|in\s+excess\s+of|above|as\s+(?:high|large)\s+as)\b[^.;]{0,60}$",
    re.I,
)
# "up to", "above", "below" often describe the set-up ("up to 40 spins", "energies above 100 GeV"): only a
# bound when the clause also speaks of limits or constraints.
_WEAK_BOUND = re.compile(
    r"\b(?:below|above|up\s+to|down\s+to|over|under)(?:\s+(?:a|an|the))?(?:\s+[\w-]+){0,2}?(?:\s+of)?\s*$",
    re.I,
)
_LIMIT_TALK = re.compile(r"\b(?:limit|bound|constrain|exclud|rule[sd]?\s+out|disfavou?r)", re.I)

# Outcome verbs and nouns: the sentence says what the paper found.
_OUTCOME = re.compile(
    r"\b(?:find|finds|found|measur\w*|obtain\w*|constrain\w*|constraint\w*|deriv\w*|infer\w*|detect\w*|"
    r"reach\w*|achiev\w*|yield\w*|estimat\w*|determin\w*|place[sd]?|placing|set|sets|setting|report\w*|"
    r"predict\w*|show\w*|shown|reveal\w*|give[sn]?|giving|observed|observe|exhibit\w*|demonstrat\w*|"
    r"attain\w*|extract\w*|fitt?\w*|limits?|bounds?|exclud\w*|improv\w*|reduc\w*|increas\w*|enhanc\w*|"
    r"suppress\w*|decreas\w*|result(?:s|ing)?|leads?\s+to|implies|implying|favou?r\w*|prefer\w*|"
    r"confirm\w*|discover\w*|identif\w*|record\w*|realiz\w*|realis\w*|produc\w*|exceed\w*|"
    r"outperform\w*|calculat\w*|comput\w*|evaluat\w*|established?|amounts?\s+to|corresponds?\s+to|"
    r"best[- ]fit|consistent\s+with|agree\w*|value\s+of|is\s+about|are\s+about|of\s+about|tension|"
    r"accuracy|precision|sensitivity|significance|ranges?|rang\w*)\b",
    re.I,
)
_OUTCOME_VERB = re.compile(
    r"\b(?:we|this\s+work|our\s+\w+)\s+(?:\w+\s+)?(?:find|found|measur|obtain|constrain|deriv|infer|detect|"
    r"report|determin|estimat|place|set|achiev|reach|predict|show|demonstrat|confirm|discover|identif)",
    re.I,
)
_PREDICTION = re.compile(
    r"\b(?:(?<!as\s)(?<!than\s)predict(?:s|ing|ions?)?\b(?!\s+by)|predicted\s+(?:to|values?|an?|the|for)\b|"
    r"forecast\w*|will|project(?:ed|ions?)|expected\s+(?:to|sensitivit\w*)|"
    r"could\s+(?:reach|achieve|probe|detect|constrain|measure)|future|upcoming|next[- ]generation|"
    r"anticipated|should\s+be\s+able|can\s+be\s+(?:reached|achieved)|prospects?)\b",
    re.I,
)
# A number restated from other work or assumed as input is not this paper's result.
_INPUT = re.compile(
    r"\b(?:assum\w*|adopt\w*|fix(?:ed|ing)|chosen|choose|choosing|taken|we\s+take|prior|input|"
    r"fiducial|benchmark|canonical|conventional|standard|previous\w*|earlier|literature|reported\s+by|local\s+value|"
    r"initial(?:ly)?|injected|simulated|mock|design(?:ed)?|nominal|target(?:ed|ing)?|"
    r"trained|training|sampled\s+at|"
    r"applied|irradiat\w*|illuminat\w*|pumped|driven|operat\w*|cooled|annealed|grown|deposited|doped|"
    r"exposure|resolution|band|bandwidth|frequency\s+of|wavelength\s+of|field\s+of\s+view|aperture|"
    r"collected|recorded\s+by|using|we\s+use|uses|used|employ\w*|consider\w*|analy[sz]\w*|"
    r"span\w*|scales?\s+of|sample|catalog\w*|survey|data\s*set|dataset|observations?\s+of|"
    r"rapidity|pseudorapidity|kinematic\w*|luminosity\s+of|integrated\s+luminosity|collisions?|"
    r"cent(?:er|re)[- ]of[- ]mass)\b",
    re.I,
)
# The preposition just before the value (or its symbol) that makes it a condition of the study.
_SETUP_PREP = re.compile(
    r"\b(?:at|with|using|for|from|in|within|over|of\s+up\s+to|up\s+to|via|under|after|during|"
    r"across|between|beyond|around|near|per|on|into|through|to\s+the|by\s+a|having|containing|"
    r"comprising|including|spanning|among|each|every)\s*(?:about|approximately|roughly|nearly|"
    r"only|almost|just|a|the|an)?\s*$",
    re.I,
)
# Right before the number: references and names, never results.
_NAME_BEFORE = re.compile(
    r"(?:\b(?:Sections?|Sec|Secs|Eqs?|Equations?|Figs?|Figures?|Tables?|Refs?|Chapters?|Appendix|"
    r"Planck|Run|DR|Data\s+Release|version|v|arXiv|Phase|Type|type|Class|Stage|Paper|Model|Case|"
    r"Gen|No|Nos|Vol|pp|Part|Step|Cycle|Year|GW|GRB|FRB|SN|PSR|NGC|IC|HD|HIP|KIC|TIC|TOI|WASP|HAT|"
    r"Kepler|K2|CoRoT|Gaia|SDSS|2MASS|WISE|LHC|Abell|Messier|M|SU|SO|U|Sp|SL|GL|O|E|Spin|spin)"
    r"\.?\s*\(?\s*(?:-|–|\\#|#)?\s*$)",
)
# Integer assignments that name the theory or the set-up: N=4, d=4, D = 11, L = 64, n = 3, \mathcal{N}=2
_SETUP_SYMBOL = re.compile(
    r"(?:^|[^\\\w])(?:\\mathcal\s*\{?\s*N\s*\}?|N|n|d|D|L|l|\\ell|k|j|J|s|p|q|g|M|m|N_\w+|N_\{[^{}]*\}|"
    r"N_f|N_c|n_f|l_\{?max\}?|\\ell_\{?max\}?|\\Lambda|Z|A|S|spin)\s*$"
)
_REDSHIFT_SYMBOL = re.compile(
    r"(?:^|[^\\\w])(?:z|z_\{?\w+\}?|\\sqrt\s*\{?\s*s(?:_\{?NN\}?)?\s*\}?|√\s*s\w*)\s*$"
)
# A symbol just before the relation sign: H_0, \sigma_8, m_g, M(r < r_h), \Omega_{\rm m} h^2, [M/L]_{r_h}
_BRACED = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"
_SCRIPT = rf"(?:[_^]\s*(?:{_BRACED}|\\[A-Za-z]+|[A-Za-z0-9*+α-ωΑ-Ω-]))"
# one symbol: |y|, {\rm M}, \mathrm{...}, \sigma, H, σ, [M/L]
_SYM_BASE = (
    r"(?:\|[^|]{1,12}\||\{\\rm\s*[^{}]*\}"
    r"|\\(?:mathrm|rm|mathcal|mathbf|bar|hat|tilde|overline|text|sqrt|log|ln)\s*\{[^{}]*\}"
    r"|\\[A-Za-z]+|[A-Za-z]|[α-ωΑ-Ω]|\[[^\[\]]{1,20}\])"
)
_SYMBOL_AT_END = re.compile(
    rf"(?<![A-Za-z])(?P<sym>(?:\\(?:sum|Sigma|Delta|delta|log|ln|mathrm|rm)\s*)?{_SYM_BASE}(?:\s*{_SCRIPT}|\s*'){{0,4}}"
    rf"(?:\s*\([^()]{{0,30}}\))?(?:\s*/?\s*{_SYM_BASE}(?:\s*{_SCRIPT}){{0,3}}){{0,2}})\s*$"
)
_COUNT_CUE = re.compile(
    r"\b(?:discover\w*|identif\w*|detect\w*|find|finds|found|uncover\w*|confirm\w*|report\w*|reveal\w*)"
    r"\s+(?:a\s+total\s+of\s+|at\s+least\s+|only\s+|exactly\s+)?$",
    re.I,
)
# Dimensionless numbers need a quantity that is plainly a measured one.
_MEASURED_NOUN = re.compile(
    r"\b(?:fidelit\w*|ratio|efficienc\w*|index|indices|fraction|exponents?|coefficients?|factor|"
    r"probabilit\w*|rates?|significance|accuracy|precision|contrast|visibilit\w*|purit\w*|correlation|"
    r"parameters?|value|constant|redshift|slope|amplitude|yield|asymmetry|branching|multiplicit\w*|"
    r"concordance|overlap|error|figure\s+of\s+merit|Q|quality\s+factor|coupling|mixing|"
    r"eccentricity|albedo|spin|metallicity|number|density|width|mass|radius|temperature|"
    r"AUC|F1|score|entropy|gap|order\s+parameter|Hubble|tension|deviation)\b",
    re.I,
)
# words that end a quantity phrase when read backwards from the value
_STOP = frozenset(
    "we our us i it they this that these those which who find found finds obtain obtained measure "
    "measured measures derive derived infer inferred constrain constrained place placed set report "
    "reported determine determined estimate estimated yield yields give gives and or but with for at in "
    "on by from to as is are was were be been of a an the its their has have had show shows than then "
    "reach reaches achieve achieves achieved reached predict predicts predicted detect detected while "
    "whereas where when also both new first provide provides forecast exceed exceeds retains retain "
    "before after since if unless whether implying giving leading resulting corresponding indicating "
    "between into per about approximately around roughly nearly only up can could may will would should "
    "must do does not no here".split()
)
_CONNECT = re.compile(
    r"(?:\s*\b(?:of|is|are|was|were|be|been|being|to\s+be|as|equal\s+to|equals|reaching|reaches|reach|"
    r"about|approximately|approx\.?|roughly|nearly|around|only|just|almost|up\s+to|down\s+to|some|"
    r"as\s+(?:high|low|large|small|much)\s+as|order|on\s+the\s+order\s+of|a\s+factor\s+of|a\s+few|"
    r"at\s+most|at\s+least|less\s+than|more\s+than|greater\s+than|smaller\s+than|larger\s+than|below|"
    r"above|exceeding|exceeds|in\s+excess\s+of|lower\s+than|higher\s+than|of\s+order|by|to|with|at)\b\s*"
    r"|\s*(?:=|\\sim|~|∼|≈|\\simeq|\\approx|<|>|\\lesssim|\\gtrsim|\\leq|\\geq|≤|≥|≲|≳|\\lt|\\gt|\\le|\\ge)\s*)+$",
    re.I,
)
_BOUND_TAIL = re.compile(r"\s*\b(?:upper|lower)\s+(?:limits?|bounds?)(?:\s+(?:on|of|for))?\s*$", re.I)


def _sentence(spans: list[tuple[int, int]], at: int, length: int) -> tuple[int, int]:
    for s, e in spans:
        if s <= at < e:
            return s, e
    return 0, length


def _clause_start(left: str) -> int:
    """Where the clause holding the value starts, inside the sentence text `left` that precedes it: after
    the last ';' or ', ' that is not inside parentheses or math braces."""
    depth = 0
    for i in range(len(left) - 1, -1, -1):
        ch = left[i]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch == ";" or (ch == "," and left[i + 1 : i + 2] == " ")):
            return i + 1
    return 0


def _quantity(left: str) -> tuple[str, bool]:
    """The quantity's name at the end of `left` (the clause up to the value, relation sign removed) and
    whether it is a symbol written with a relation sign ("H_0 = ")."""
    stripped = left.rstrip()
    match = _SYMBOL_AT_END.search(stripped)
    if match and stripped.endswith(match.group("sym")) and len(match.group("sym").strip()) <= 40:
        sym = match.group("sym").strip()
        # chained bases may have swallowed words: "is r", "and \sigma_8"
        tokens = sym.split(" ")
        while len(tokens) > 1 and (tokens[0].lower() in _STOP or re.fullmatch(r"[A-Za-z]{2,}", tokens[0])):
            tokens.pop(0)
        sym = " ".join(tokens)
        # a lone English word is not a symbol ("of", "is", "a")
        if (
            not re.fullmatch(r"[A-Za-z]{2,}", sym) or re.fullmatch(r"[A-Z]{2,6}", sym)
        ) and sym.lower() not in _STOP:
            return sym, True
    text = _CONNECT.sub("", stripped)
    text = _BOUND_TAIL.sub("", text)
    words = text.split()
    taken: list[str] = []
    for word in reversed(words):
        bare = word.strip(",;:()[]\"'").lower()
        if not bare or bare in _STOP or word.endswith((",", ";", ":")) or len(taken) >= 5:
            break
        if re.search(r"\d", bare) and not re.search(r"[_^\\]", bare):
            break
        if word.startswith("(") and not word.endswith(")") or bare.endswith("ly") and len(taken) == 0:
            break
        taken.append(word.strip(",;:\"'"))
    return " ".join(reversed(taken)).strip("()[] "), False


def _unit_at(view: str, pos: int) -> tuple[str, int]:
    """The unit that follows the value at `pos` in the view, and where it ends."""
    match = _UNIT.match(view, pos)
    if not match:
        return "", pos
    unit = match.group("unit")
    # braces opened elsewhere stay out: trim unbalanced closing braces and trailing spaces
    end = match.end("unit")
    while unit.endswith("}") and unit.count("}") > unit.count("{"):
        unit, end = unit[:-1].rstrip(), end - 1 - (len(unit[:-1]) - len(unit[:-1].rstrip()))
    unit_clean = unit.rstrip()
    return unit_clean, match.start("unit") + len(unit_clean)


# Greek letters that are never units (\mu and \sigma may be), as TeX commands
_GREEK_COMMANDS = (
    "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|kappa|lambda|nu|xi|pi|rho|tau|"
    "phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Pi|Phi|Psi|Omega|hbar|ell|partial|nabla"
)


def _in_script(view: str, start: int) -> bool:
    """Whether `start` lies inside the braces of a sub- or superscript: ^{1/2}, _{10}."""
    depth = 0
    for i in range(start - 1, max(-1, start - 40), -1):
        if view[i] == "}":
            depth += 1
        elif view[i] == "{":
            if depth == 0:
                return i > 0 and view[i - 1] in "^_"
            depth -= 1
        elif view[i] in "$;" or (view[i] == " " and depth == 0 and view[i - 1 : i] in ".,"):
            return False
    return False


def _is_name(view: str, start: int, end: int, value: str) -> bool:
    """A number that is part of a name or reference: GW150914, SU(3), 3D, 2nd, two-loop's digit form,
    Sec. 4, Planck 2018, a year."""
    before = view[max(0, start - 30) : start]
    after = view[end : end + 12]
    prev = view[start - 1] if start else " "
    if prev.isalnum() or prev in "_^'\\]" or (prev == "{" and view[max(0, start - 2) : start - 1] in "_^"):
        return True
    if prev in "([" and re.search(r"(?<![A-Za-z])[A-Za-z]{1,4}[(\[]$", before):  # SU(3), O(10), U(1), SO(10)
        return True
    if prev in "-‐" and re.search(r"[A-Za-z]\s*[-‐]$", before):  # PandaX-4T, Run-2, LIGO-O3
        return True
    if re.fullmatch(r"\(\s*\d+(?:\.\d+)?\s*\)", value):  # (1), (2): enumerations; (2104.06852): a citation
        return True
    if re.fullmatch(r"\d{4}\.\d{4,5}", value):  # an arXiv identifier
        return True
    descending = re.fullmatch(r"(\d+)\s*(?:--|-|–)\s*(\d+)", value)
    if descending and int(descending.group(1)) > int(descending.group(2)):
        return True  # a transition: CS 7--6, CO(3-2)
    if _in_script(view, start):  # C_\ell^{1/2}, \Omega_{\rm 0}
        return True
    if re.match(r"[A-Za-z]", after) and not _UNIT.match(view, end) or re.match(r"(?:st|nd|rd|th)\b", after):
        return True
    if re.match(r"\s*[-‐]\s*[A-Za-z]", after) and not _UNIT.match(view, end):  # 3-loop, 2-qubit, 4-point
        return True
    if _NAME_BEFORE.search(before):
        return True
    if re.match(r"\s*[:/.]\d", after):  # 1:2 ratios, 3/2, dates, version numbers
        return True
    if re.search(r"[/*+-]\s*\($", before) or re.fullmatch(r"\d+\(\s*(?:19|20)\d\d\s*\)", value):
        return True  # (2A-1) inside a formula; "494(2009)": a page and year
    if prev == "/" or re.search(r"(?:->|\\to|\\rightarrow|→|\\gg|\\ll|≫|≪)\s*$", before):
        return True  # n/2; the limit d\Lambda -> 0; the regime x \gg 1
    if re.match(rf"\s*\\(?:{_GREEK_COMMANDS})\b|\s*[α-λν-ρτ-ωΑ-Ω]", after):
        return True  # a coefficient in an expression: 3.5 \omega, 2\pi
    if re.fullmatch(r"(?:19|20)\d\d", value) and not re.match(r"\s*(?:\\pm|±)", after):
        return True
    return False


def _candidates(view: str):
    """Every number expression of the view, ranges joined: (view start, view end, its text)."""
    taken_until = 0
    for match in _VALUE.finditer(view):
        vs, ve = match.start(), match.end()
        if vs < taken_until:
            continue
        value_view = match.group(0)
        # a leading sign belongs to the number only when it is not a hyphen between words ("10-20")
        if value_view[0] in "+-−" and vs and (view[vs - 1].isalnum() or view[vs - 1] in ")}"):
            vs += 1
            value_view = view[vs:ve]
            while value_view and value_view[0] in " \\,":
                vs += 1
                value_view = view[vs:ve]
            if not value_view or not value_view[0].isdigit():
                continue
        # ranges: "10-20 GeV", "between 10 and 20 M_⊙"
        joined = _RANGE_JOIN.match(view, ve)
        if joined:
            second = _VALUE.match(view, joined.end())
            if second and not _unit_at(view, ve)[0]:
                is_and = joined.group(0).strip() == "and"
                if not is_and or re.search(r"\bbetween\s*$", view[max(0, vs - 12) : vs]):
                    ve = second.end()
                    value_view = view[vs:ve]
        taken_until = ve
        yield vs, ve, value_view


def results_find(abstract: str) -> list[Found]:
    """The quantitative results `abstract` reports, in order of their value's start."""
    view, where = _view(abstract)
    sentences = sentence_spans(abstract) or [(0, len(abstract))]
    found: list[Found] = []
    for vs, ve, value_view in _candidates(view):
        result = _judge(abstract, view, where, sentences, vs, ve, value_view)
        if result:
            found.append(result)
    return found


def _clause_before(abstract: str, start: int) -> str:
    """The view's text of the clause that leads up to the value starting at `start`."""
    view, where = _view(abstract)
    vs = next((i for i, w in enumerate(where) if w >= start), len(view))
    sentences = sentence_spans(abstract) or [(0, len(abstract))]
    s_start, _ = _sentence(sentences, start, len(abstract))
    v_sent = next((i for i in range(len(where)) if where[i] >= s_start), 0)
    left_all = view[v_sent:vs]
    return left_all[_clause_start(left_all) :]


def quantity_before(abstract: str, start: int) -> str:
    """The name of the quantity whose value starts at `start`, read back from the value through its clause
    (a relation sign skipped) as results_find reads it: "we measure H_0 = " -> "H_0"; "" when none."""
    clause = _clause_before(abstract, start)
    rel = _REL.search(clause)
    before = clause[: rel.start()] if rel else clause
    quantity = _quantity(before)[0].strip()
    if quantity and len(quantity) <= 3:  # a bare symbol: keep the name written before it, if any
        words = before.rstrip()[: -len(quantity)].split()
        named: list[str] = []
        while words and len(named) < 3 and re.fullmatch(r"[A-Za-z][A-Za-z-]*", words[-1]):
            if words[-1].lower() in _STOP:
                break
            named.insert(0, words.pop())
        if named:
            quantity = " ".join([*named, quantity])
    return quantity


def bound_before(abstract: str, start: int) -> str | None:
    """ "upper_bound" or "lower_bound" when a relation sign right before the value says so ("< 1.2",
    "\\gtrsim 10^6"), else None: the sign decides a value's kind (docs/results-labelling.md)."""
    rel = _REL.search(_clause_before(abstract, start))
    if rel is None:
        return None
    return "upper_bound" if rel.group("upper") else "lower_bound" if rel.group("lower") else None


def value_candidates(abstract: str) -> list[tuple[int, int, str]]:
    """Every number expression of `abstract`, result or not, as (start, end, unit): abstract[start:end] is
    the verbatim value (uncertainties and a "\\times 10^n" included, no "$" at its ends), `unit` the
    verbatim unit after it or "". The tagger decides which of them are results; these give the spans."""
    view, where = _view(abstract)
    out = []
    for vs, ve, _ in _candidates(view):
        start, end = where[vs], where[ve - 1] + 1
        while end > start and abstract[end - 1] in "$ ":
            end -= 1
        unit, _ = _unit_at(view, ve)
        unit_verbatim = ""
        if unit:
            us = _unit_start(view, ve)
            unit_verbatim = abstract[where[us] : where[us + len(unit) - 1] + 1].strip("$ ")
        out.append((start, end, unit_verbatim))
    return out


def _judge(
    abstract: str,
    view: str,
    where: list[int],
    sentences: list[tuple[int, int]],
    vs: int,
    ve: int,
    value_view: str,
) -> Found | None:
    """One candidate number (view span vs:ve): a Found when it reads as a result, else None."""
    if _is_name(view, vs, ve, value_view.strip()):
        return None
    start, end = where[vs], where[ve - 1] + 1
    s_start, s_end = _sentence(sentences, start, len(abstract))
    v_sent = next(i for i in range(len(where)) if where[i] >= s_start)  # the sentence in view offsets
    v_sent_end = next((i for i in range(ve, len(where)) if where[i] >= s_end), len(view))
    left_all = view[v_sent:vs]
    clause_left = left_all[_clause_start(left_all) :]
    sentence_view = view[v_sent:v_sent_end]

    unit, unit_end = _unit_at(view, ve)
    after_unit = view[unit_end : unit_end + 40]
    has_error = bool(re.search(rf"{_PM}|\\substack|\^\s*\{{?\s*\+|\(\d+(?:\.\d+)?\)", value_view))
    is_range = bool(re.search(r"\d\s*(?:--|-|–|—|to|and)\s*\d", value_view))
    integer = bool(re.fullmatch(r"[-−+]?\d{1,3}(?:,\d{3})*|[-−+]?\d+", value_view.strip()))
    if _is_qualifier(view, vs, unit, unit_end, sentence_view, clause_left):
        return None
    if _is_label(view, vs, value_view, unit, after_unit):
        return None

    # the relation sign, then the quantity before it
    rel = _REL.search(clause_left)
    kind = "measurement"
    before_value = clause_left
    if rel:
        before_value = clause_left[: rel.start()]
        if rel.group("upper"):
            kind = "upper_bound"
        elif rel.group("lower"):
            kind = "lower_bound"
    quantity, symbolic = _quantity(before_value)
    limit_talk = bool(_LIMIT_TALK.search(clause_left))
    if kind == "measurement":
        window = clause_left[-80:]
        if _WEAK_BOUND.search(before_value) and not limit_talk:
            return None  # "energies above 100 GeV", "up to 40 spins": the set-up
        if _UPPER_WORDS.search(window) and not _LOWER_WORDS.search(window[-20:]):
            kind = "upper_bound"
        elif _LOWER_WORDS.search(window):
            kind = "lower_bound"

    # ---- set-up numbers: what the study was run at, with or for
    if rel and not has_error and not unit and re.fullmatch(r"0(?:\.0+)?", value_view.strip()):
        return None  # a sign condition, c > 0, Q_PB < 0: a case distinguished, not a value found
    if symbolic and rel and not has_error:
        if re.search(
            r"\b(?:where|whose|when|if|unless|which|provided)\s*$", before_value.rstrip()[: -len(quantity)]
        ):
            return None  # "minihalos whose T_vir < 10^4 K", "where D > 0.08 pc": a condition
        if _REDSHIFT_SYMBOL.search(" " + quantity):
            return None  # the redshift or energy studied: z ~ 2, \sqrt{s} = 13 TeV
        if _SETUP_SYMBOL.search(" " + quantity) and (integer or re.match(r"N\b|N_", quantity)):
            return None  # N = 4, d = 4, L = 64, N = 1.8 \times 10^6
    if _DOUBLE_INEQUALITY.search(clause_left) or _OPENS_DOUBLE.match(view, unit_end):
        return None  # 10^8 < M/M_\odot < 10^9: the range studied or selected
    if re.search(r"\\sqrt\s*\{?\s*s|√\s*s", clause_left[-25:]):
        return None
    if (
        unit
        and re.fullmatch(r"(?:[kMGT]?eV)", unit)
        and re.search(r"\bat\s*$", before_value)
        and not has_error
    ):
        return None  # "collisions at 13 TeV"
    setup = _is_setup(before_value, quantity, symbolic, unit, kind, has_error, clause_left)
    if not has_error and re.search(
        r"\bfrom\s+~?\s*[\d.]+\s*[^\s\d]{0,12}\s+to\s*$|\b(?:inner|outer|central|first|last|within)\s*~?\s*$",
        before_value,
    ):
        setup = True  # "ages from 20 Myr to 14 Gyr": the span studied; "the inner ~60 pc": a region
    opening = before_value.rstrip()[: -len(quantity) or None] if symbolic else before_value
    if (
        rel
        and not has_error
        and (
            re.search(r"\(\s*(?:[A-Za-z]\w*\s*)?$", opening.rstrip())
            or (kind != "measurement" and re.search(r"\([^()]{0,25}$", before_value))
        )
    ):
        # "metal-poor ($Z/Z_\odot \leq 0.01$) clouds", "the most massive ($\log M > 14.1$) groups": a
        # parenthesis that defines the objects studied
        setup = True
    if setup and unit and _SIGMA.match(unit) and _SIGNIFICANCE_AFTER.match(after_unit):
        setup = False  # "in 4.2σ tension with", "at 3σ significance"

    outcome = bool(_OUTCOME.search(sentence_view))
    inputs = bool(_INPUT.search(clause_left[-90:])) or _in_setup_parentheses(view, v_sent, vs, ve, v_sent_end)
    prediction = bool(_PREDICTION.search(sentence_view))
    if unit and _PERCENT.match(unit) and not quantity:
        named = re.match(
            r"\s+(?:of\s+)?(?:the\s+)?([\w-]+(?:\s+(?!and\b|or\b|for\b|of\b|in\b|at\b|with\b)[\w-]+)?)",
            after_unit,
        )
        if (
            named
            and _MEASURED_NOUN.search(named.group(1))
            or named
            and re.match(
                r"(?:purity|completeness|reduction|improvement|increase|decrease|success|agreement|recall)",
                named.group(1),
            )
        ):
            quantity = named.group(1)

    accept = False
    if has_error:
        accept = not (inputs and not outcome) and not (setup and not outcome)
    elif kind in ("upper_bound", "lower_bound"):
        accept = (bool(unit) or bool(quantity)) and not setup
        accept = accept and not (inputs and not _LIMIT_TALK.search(sentence_view))
    elif setup:
        accept = False
    elif unit:
        if _SIGMA.match(unit):
            accept = outcome or bool(
                re.search(r"signific|evidence|detect|excess|tension|deviat|discrepan", sentence_view, re.I)
            )
            if "signific" not in quantity.lower():
                quantity = "significance"
        else:
            accept = outcome and not inputs and bool(quantity or rel)
            if accept and re.fullmatch(r"c|m|s|A|T|G|J|V|K|g|d", unit) and not rel and not quantity:
                accept = False
    elif symbolic and rel:
        accept = outcome and not inputs and not integer
    elif integer and not is_range and _COUNT_CUE.search(before_value):
        counted = re.match(
            r"\s+((?:(?:new|candidate|distinct|additional|previously\s+unknown)\s+)?[A-Za-z][\w-]*)",
            view[ve:],
        )
        accept = bool(counted) and not _INPUT.search(clause_left[-60:])
        quantity = counted.group(1) if counted else quantity  # "12 new pulsars": the count of new pulsars
    elif quantity and _MEASURED_NOUN.search(quantity) and not integer:
        linked = re.search(r"\b(?:of|is|are|was|were|be|to|reach\w*)\s*$", before_value)
        accept = outcome and not inputs and bool(linked or rel)
    if not accept:
        return None

    if prediction and kind == "measurement":
        kind = "prediction"

    value = abstract[start:end]
    while value and value[-1] in "$ ":  # "(4.9 $\pm$ 1.5) $\times$ 10$^{7}$": verbatim, no $ at the ends
        end -= 1
        value = abstract[start:end]
    unit_verbatim = ""
    if unit:
        us = _unit_start(view, ve)
        unit_verbatim = abstract[where[us] : where[us + len(unit) - 1] + 1].strip("$ ")
    number, error = value_number(value)
    quantity = re.sub(r"^\\begin\{\w+\*?\}\s*|\s*&$", "", quantity.strip()).strip()
    return Found(
        quantity=quantity,
        value=value,
        unit=unit_verbatim,
        kind=kind,
        text=abstract[s_start:s_end].strip(),
        start=start,
        end=end,
        number=number,
        error=error,
    )


_ANY_BOUND_SIGN = rf"(?:{_UPPER_SIGN}|{_LOWER_SIGN})"
_DOUBLE_INEQUALITY = re.compile(
    rf"(?:\d|\}})[^<>=,;≤≥≲≳]{{0,20}}?{_ANY_BOUND_SIGN}\s*[^<>=,;≤≥≲≳]{{1,50}}?{_ANY_BOUND_SIGN}\s*$"
)
# the value opens a double inequality: 10^3 \lesssim M_c/M_\odot \lesssim 10^9
_OPENS_DOUBLE = re.compile(rf"\s*{_ANY_BOUND_SIGN}\s*[^<>=,;≤≥≲≳$]{{1,40}}?{_ANY_BOUND_SIGN}")
_SIGNIFICANCE_AFTER = re.compile(
    r"\s*(?:[-‐]\s*)?(?:tension|deviation|discrepancy|evidence|significance|excess|detection|preference|"
    r"signal|hint|anomaly|effect)\b",
    re.I,
)


def _is_qualifier(view: str, vs: int, unit: str, unit_end: int, sentence: str, clause_left: str) -> bool:
    """Confidence levels and the sigma level of a bound qualify a result, they are not one: "95% C.L.",
    "(68%)", "at 2σ", "(1σ)"."""
    if not unit or not (_PERCENT.match(unit) or _SIGMA.match(unit)):
        return False
    rest = view[unit_end:]
    in_parens = bool(re.search(r"\(\s*$", view[max(0, vs - 3) : vs]))
    if _CL_AFTER.match(rest):
        return True
    if _PERCENT.match(unit) and in_parens and (_CL_PAREN_AFTER.match(rest) or re.match(r"\s*\)", rest)):
        return True
    if _SIGMA.match(unit):
        if in_parens or re.match(r"\s*(?:level|C\.?L)", rest):
            if _LIMIT_TALK.search(sentence) or re.match(r"\s*\)", rest):
                return True
        if re.search(r"\bat\s+(?:the\s+)?$", clause_left) and _LIMIT_TALK.search(clause_left):
            return True
    return False


# After the number or its unit: it names a band, a line, a data set or a cut ("30 GHz data", "21 cm line",
# "a > 0.075 threshold"), not a result.
_LABEL_AFTER = re.compile(
    r"^\s*[-‐]?\s*(?:data|maps?|bands?|channels?|observations?|images?|imaging|surveys?|samples?|spectr\w*|"
    r"continuum|emission|line|lines|filters?|telescopes?|array|receivers?|detectors?|pixels?|intensity|"
    r"threshold|cut|criterion|selection|window|bin|bins|run|runs|beam|mode|modes|cavity|"
    r"cm\b|transition|absorption|radio|flux|luminosit\w*|sources?|galaxies|"
    r"level\s+of\s+confidence|confidence|credib\w*)\b",
    re.I,
)


def _is_label(view: str, vs: int, value: str, unit: str, after_unit: str) -> bool:
    if re.search(r"\d\s*(?:[A-Za-zμ]{1,3})?\s*(?:x|×|\\times)\s*$", view[max(0, vs - 12) : vs]):
        return True  # 2.18 x 2.24 km: a size written as a product
    if value.strip() == "21" and re.fullmatch(r"c?m", unit or "cm"):
        return True  # the 21 cm line
    # the argument of a symbol: \rho(150 pc) = ..., \Phi_\gamma(E_\gamma > 10^{19} eV) < ...
    opened = view.rfind("(", max(0, vs - 40), vs)
    if opened > 0 and ")" not in view[opened:vs] and re.match(r"[A-Za-z}α-ωΑ-Ω]", view[opened - 1]):
        closing = re.match(
            r"[^()]{0,30}\)\s*(?:=|\\sim|<|>|\\simeq|\\approx|\\lesssim|\\gtrsim|\\le|\\ge)", view[vs:]
        )
        if closing:
            return True
    return bool(unit and _LABEL_AFTER.match(after_unit)) or bool(
        not unit and re.match(r"\s*(?:threshold|cut)\b", after_unit)
    )


# Nouns that name what was measured even after "at"/"with": "with a precision of 2.6%", "at a distance of".
_RESULT_NOUN = (
    r"(?:significance|confidence|fidelit\w*|precision|accuracy|sensitivit\w*|rate|efficienc\w*|level|distance|"
    r"velocit\w*|speed|resolution\s+of\s+\w+ed|probabilit\w*|purit\w*|success|error|uncertaint\w*)"
)
# A clause that opens with a condition: "With an effective coupling scale of 20-100 TeV, ..."
_CONDITION_OPENING = re.compile(
    r"^\s*(?:With|For|Using|Assuming|Adopting|Taking|Given|Considering|At|Under|Setting|Choosing|In)\b"
)
_PREP_THEN_NOUN = re.compile(
    r"\b(?:at|for|with|in|using|from|within|over|of\s+up\s+to)\s+(?:(?:a|an|the)\s+)?"
    r"(?:(?!of\b|is\b|are\b|was\b|were\b|to\b|as\b|be\b|reach)[\w'-]+\s+){0,2}$",
    re.I,
)


def _is_setup(
    before: str, quantity: str, symbolic: bool, unit: str, kind: str, has_error: bool, clause_left: str
) -> bool:
    """Whether a preposition makes the number a condition of the study: "at 10 K", "for temperatures
    10-22 K", "with mass M > 10^{14} M_\\odot", "at frequencies as low as 3 Hz", "using 40 qubits"."""
    if has_error:
        return False
    text = before.rstrip()
    if _CONDITION_OPENING.match(clause_left) and not _OUTCOME_VERB.search(clause_left):
        return True
    if symbolic:
        text = text[: -len(quantity)].rstrip() if text.endswith(quantity) else text
        if re.search(rf"\b{_RESULT_NOUN}\s+(?:of\s+)?$", text + " ", re.I):
            return False  # "at the level of g <", "a precision of \sigma ="
        return bool(
            _PREP_THEN_NOUN.search(text + " ") or _PREP_THEN_NOUN.search(_CONNECT.sub("", text) + " ")
        )
    if re.search(r"\b(?:by|to)\s*(?:about|approximately|roughly|nearly|only|almost|~)?\s*$", text + " "):
        return False  # "reduces the error by 40%", "improved to 0.99" are outcomes
    if unit and _SIGMA.match(unit) and re.search(r"\bat\s+(?:the\s+)?(?:a\s+)?$", text + " "):
        return False  # "detected at 5.2σ"
    if re.search(
        rf"\b(?:at|with|of|to)\s+(?:a\s+|an\s+|the\s+)?(?:\w+\s+)?{_RESULT_NOUN}\b[^,;]*$",
        clause_left[-50:],
        re.I,
    ):
        return False
    if re.search(r"\bat\s+(?:most|least)\s*$", text):
        return False
    if _SETUP_PREP.search(text + " "):
        return True
    # a preposition, then up to two words before the link or bound words: "at cryogenic temperatures of",
    # "for the axion mass higher than", "for temperatures 10-22 K"
    core = _CONNECT.sub("", text)
    return bool(_PREP_THEN_NOUN.search(core + " "))


def _in_setup_parentheses(view: str, v_sent: int, vs: int, ve: int, v_end: int) -> bool:
    """A value inside parentheses that qualify a set-up word: "resolution of our dataset (3--46 kpc,
    median 18.4 kpc)", "the highest-resolution (~0.3 arcsec, ~1500 au) observations"."""
    depth, open_at = 0, -1
    for i in range(vs - 1, v_sent - 1, -1):
        if view[i] == ")":
            depth += 1
        elif view[i] == "(":
            if depth == 0:
                open_at = i
                break
            depth -= 1
    if open_at < 0:
        return False
    close = view.find(")", ve, v_end)
    before = view[max(v_sent, open_at - 60) : open_at]
    after = view[close + 1 : close + 30] if close >= 0 else ""
    if re.search(r"\b(?:range|regime|window|interval|cases?|limit)\s*$", before):
        return True
    return bool(
        _INPUT.search(before) or re.match(r"\s*(?:observations?|data|imaging|images?|maps?)\b", after)
    )


def _unit_start(view: str, pos: int) -> int:
    match = _UNIT.match(view, pos)
    return match.start("unit") if match else pos


# ---------------------------------------------------------------------------------------------------------
# value_number: the float of a value string.

_FLOAT = r"[-−+]?\s*(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?|\.\d+)(?:[eE][-−+]?\d+)?"


def _float(text: str) -> float | None:
    text = text.replace("−", "-").replace(",", "").replace(" ", "")
    try:
        return float(text)
    except ValueError:
        return None


def _errors(rest: str, central: str) -> list[float]:
    """The uncertainties written after the central value `central`: (6) in the last digits, ± terms and
    an asymmetric ^{+a}_{-b} (its mean)."""
    errors: list[float] = []
    paren = re.match(r"\s*\((\d+(?:\.\d+)?)\)", rest)
    if paren:  # 1.2345(6): the error in the last digits shown
        digits = central.replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits and "." not in paren.group(1) else 0
        errors.append(float(paren.group(1)) * 10.0**-decimals)
    for term in re.findall(rf"(?:\\pm|±|\+/-|\+-|\\mp)\s*({_FLOAT})", rest):
        error = _float(term)
        if error is not None:
            errors.append(abs(error))
    up = re.search(rf"\^\s*\{{?\s*\+\s*({_FLOAT})", rest) or re.search(
        rf"\\substack\s*\{{\s*\+\s*({_FLOAT})", rest
    )
    down = re.search(rf"_\s*\{{?\s*-\s*({_FLOAT})", rest) or re.search(rf"\\{{1,2}}\s*-\s*({_FLOAT})", rest)
    if up and down:
        high, low = _float(up.group(1)), _float(down.group(1))
        if high is not None and low is not None:
            errors.append((abs(high) + abs(low)) / 2)
    return errors


# the power of ten that scales the whole value: "\times 10^{7}" after a mantissa, or a bare leading 10^6
_POWER_OF_TEN = re.compile(
    r"(?:(?:\\times|×|\\cdot|·|x)\s*|^\s*)10\s*\^\s*(?:\{\s*([-+]?\s*\d+(?:\.\d+)?)\s*\}|([-+]?\d+))"
)


def value_number(value: str) -> tuple[float | None, float | None]:
    """(central value, uncertainty) of a value string: "10^6" -> (1e6, None), "1.2\\times10^{-22}" ->
    (1.2e-22, None), "67.4^{+1.1}_{-0.9}" -> (67.4, 1.0), "(4.9 \\pm 1.5) \\times 10^{7}" -> (4.9e7, 1.5e7),
    "1.2345(6)" -> (1.2345, 0.0006); several ± terms (stat, syst) add in quadrature; a range "10-20" gives
    its midpoint and no error."""
    text = value.replace("$", "")
    text = re.sub(r"\\[,;:! ]|\\(?:rm|mathrm|text)\b", " ", text)
    text = text.replace("−", "-").replace("–", "-")
    scale = 1.0
    power = _POWER_OF_TEN.search(text)
    if power:
        exponent = _float(power.group(1) or power.group(2))
        if exponent is None or abs(exponent) > 300:  # beyond a float ("10^{1000}" in a bound on a rate)
            return None, None
        scale = 10.0**exponent
        if power.start() == 0 or not re.search(r"\d", text[: power.start()]):  # a bare 10^6 (± ...)
            errors = _errors(text[power.end() :], "")
            return scale, (math.sqrt(sum(e * e for e in errors)) * scale if errors else None)
        text = text[: power.start()] + " " + text[power.end() :]
    range_match = re.fullmatch(rf"\s*\(?\s*({_FLOAT})\s*(?:--|-|to|and)\s*({_FLOAT})\s*\)?\s*", text)
    if range_match and not re.match(r"\s*-", text):
        low, high = _float(range_match.group(1)), _float(range_match.group(2))
        if low is not None and high is not None:
            return (low + high) / 2 * scale, None
    central = re.search(_FLOAT, text)
    number = _float(central.group(0)) if central else None
    if central is None or number is None:
        return None, None
    errors = _errors(text[central.end() :], central.group(0))
    return number * scale, (math.sqrt(sum(e * e for e in errors)) * scale if errors else None)


# ---------------------------------------------------------------------------------------------------------
# quantity_key: one key per quantity, however it is written.

_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "µ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Ω": "omega",
    "Δ": "delta",
    "Σ": "sigma",
    "Λ": "lambda",
    "Γ": "gamma",
    "Φ": "phi",
    "Ψ": "psi",
    "Θ": "theta",
    "⊙": "sun",
    "∑": "sum",
}
# well-known quantities, keyed by their normalised spelling (symbols lose _ { } and spaces: "h0", "sigma8")
_ALIASES = {
    "h0": "hubble constant",
    "hubble constant": "hubble constant",
    "hubble parameter": "hubble constant",
    "hubble expansion rate": "hubble constant",
    "sigma8": "sigma8",
    "s8": "s8",
    "sum m nu": "neutrino mass sum",
    "summnu": "neutrino mass sum",
    "sum of neutrino mass": "neutrino mass sum",
    "neutrino mass sum": "neutrino mass sum",
    "total neutrino mass": "neutrino mass sum",
    # not a bare "r": radii, ratios and distances are written r too
    "tensor-to-scalar ratio": "tensor-to-scalar ratio",
    "tensor to scalar ratio": "tensor-to-scalar ratio",
    "ns": "spectral index",
    "spectral index": "spectral index",
    "scalar spectral index": "spectral index",
    "mg": "graviton mass",
    "graviton mass": "graviton mass",
    "mass of the graviton": "graviton mass",
    "tc": "critical temperature",
    "critical temperature": "critical temperature",
    "dark matter mass": "dark matter mass",
    "dark matter particle mass": "dark matter mass",
    "mass of dark matter": "dark matter mass",
    "omegam": "matter density",
    "neff": "effective number of neutrino species",
}
_ARTICLE = re.compile(r"^(?:the|a|an|our|its|their)\s+")


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[:-2].endswith(("ss", "sh", "ch", "x")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ys")):
        return word[:-1]
    return word


def quantity_key(quantity: str) -> str:
    """A grouping key for a quantity's name: lower case, TeX and Unicode symbols spelt alike, articles and
    plurals gone, and a few well-known quantities under one name ("H_0", "$H_0$", "Hubble constant",
    "the Hubble parameter H_0" -> "hubble constant"; "\\sigma_8", "σ8" -> "sigma8")."""
    text = unicodedata.normalize("NFKC", quantity)
    text = "".join(_GREEK.get(ch, ch) for ch in text)
    text = text.replace("$", " ")
    text = re.sub(r"\\(?:mathrm|rm|text|textrm|mathit|mathcal|mathbf|rm|it|bf|left|right|,|;|!)\b", " ", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)  # \sigma -> sigma, \sum -> sum
    text = text.lower().replace("-", "-")
    # symbols: H_0, H_{0}, sigma_8 -> h0, sigma8 (joined to the letters before the subscript); a superscript
    # stays marked: H^0 (neutral hydrogen) is not H_0
    text = re.sub(r"\s*_\s*\{?\s*([a-z0-9,]+)\s*\}?", r"\1", text)
    text = re.sub(r"\s*\^\s*\{?\s*([a-z0-9,+-]+)\s*\}?", r"^\1", text)
    text = re.sub(r"[{}()\[\]\"'`]", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .,;:")
    text = _ARTICLE.sub("", text)
    words = [_singular(w) if not re.search(r"\d", w) else w for w in text.split()]
    text = " ".join(words)
    if not text:
        return ""
    if text in _ALIASES:
        return _ALIASES[text]
    # "hubble parameter h0", "tensor-to-scalar ratio r", "critical temperature tc": name then symbol
    if len(words) > 1:
        head, tail = " ".join(words[:-1]), words[-1]
        if head in _ALIASES:
            return _ALIASES[head]
        if tail in _ALIASES and len(tail) > 1 and tail not in ("r",):
            return _ALIASES[tail]
        joined = "".join(words)
        if joined in _ALIASES and len(joined) <= 8:
            return _ALIASES[joined]
        # a well-known name inside a longer phrase: "the minimum tensor-to-scalar ratio", "limit on the
        # Hubble constant" (names of several words only: a symbol inside a phrase may be anything)
        inside = [a for a in _ALIASES if " " in a and re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", text)]
        if inside:
            return _ALIASES[max(inside, key=len)]
    return text
