"""Make physlit's Chinese -> English physics glossary (physlit/text/data/glossary-zh.tsv; docs/glossary.md).

    # 1. mine the English terms: document frequency of words and 2-3 word phrases over titles + abstracts
    .venv/bin/python bench/glossary.py terms --out /tmp/gl --chunks 7
    # 2. translate each /tmp/gl/chunkK.txt into /tmp/gl/outK.tsv (english<TAB>chinese|chinese|...),
    #    one translator per chunk, from the term alone (docs/glossary.md says who and how)
    # 3. assemble: check each translation lines up with its chunk, order by corpus frequency, write the file
    .venv/bin/python bench/glossary.py assemble --out /tmp/gl

Terms: single words in at least --min-word papers (plural forms folded into the singular), phrases of two
words in at least --min-pair and of three in at least --min-triple papers, none starting or ending with a
function word, TeX math removed. A second, rarer batch (--batch more: words in 5..min-word papers, pairs in
25..min-pair) was made the same way. Reads the snapshot in ../shared/data (PHYSLIT_SHARED_DIR).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

from harness import ROOT, SHARED, parser_make

GLOSSARY = ROOT / "physlit" / "text" / "data" / "glossary-zh.tsv"
STOP = set(
    """a an the of in on for to and or with by from at as is are was were be been being this that these those
we our us it its their they them which who whom whose what when where how why than then there here such via
into onto upon over under between among within without about above below after before during through also both
either neither not no nor but if so can may might must shall should will would could do does did done has have
had having i ii iii iv one two three four five six first second third new using used use based show shows
shown find found paper study studies present presents presented results result obtain obtained investigate
investigated consider considered propose proposed discuss discussed derive derived well very more most less
least much many some any all each other same different various several further thus hence therefore however
while whereas although even only just e g i e et al cf vs respectively""".split()
)
WORD = re.compile(r"[a-z][a-z\-']*[a-z]|[a-z]")
# Words ending in s that are not plurals of another listed word.
NOT_PLURAL = re.compile(r".*(ss|us|is|ys)$")


def document_frequencies(path: Path) -> list[Counter]:
    df: list[Counter] = [Counter() for _ in range(4)]
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            text = re.sub(r"\$[^$]*\$", " . ", (record["title"] + " . " + record["abstract"]).lower())
            seen: list[set] = [set() for _ in range(4)]
            for chunk in re.split(r"[.,;:()\[\]{}!?\"]|\s-\s", text):
                tokens = WORD.findall(chunk)
                for n in (1, 2, 3):
                    for i in range(len(tokens) - n + 1):
                        gram = tokens[i : i + n]
                        if gram[0] in STOP or gram[-1] in STOP or (n == 1 and len(gram[0]) < 3):
                            continue
                        seen[n].add(" ".join(gram))
            for n in (1, 2, 3):
                df[n].update(seen[n])
    return df


def terms_pick(counter: Counter, low: int, high: int, keep: set[str]) -> list[str]:
    items = [t for t, c in counter.most_common() if low <= c < high and "'" not in t]
    listed = set(items) | keep
    return [t for t in items if not (t.endswith("s") and t[:-1] in listed and not NOT_PLURAL.match(t))]


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("step", choices=("terms", "assemble"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/gl"), help="working folder")
    parser.add_argument("--snapshot", type=Path, default=SHARED / "data" / "arxiv-physics-83k.jsonl.gz")
    parser.add_argument("--chunks", type=int, default=7)
    parser.add_argument("--batch", choices=("first", "more"), default="first")
    parser.add_argument("--min-word", type=int, default=14)
    parser.add_argument("--min-pair", type=int, default=40)
    parser.add_argument("--min-triple", type=int, default=30)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    counts = args.out / "df.json"
    if args.step == "terms":
        df = document_frequencies(args.snapshot)
        counts.write_text(json.dumps([dict(c) for c in df]))
        big = 10**9
        if args.batch == "first":
            terms = (
                terms_pick(df[1], args.min_word, big, set())
                + terms_pick(df[2], args.min_pair, big, set())[:5000]
                + terms_pick(df[3], args.min_triple, big, set())[:1500]
            )
            prefix = "chunk"
        else:
            done = set(terms_pick(df[1], args.min_word, big, set()))
            words = [t for t in terms_pick(df[1], 5, args.min_word, done) if len(t) >= 4]
            terms = words + terms_pick(df[2], 25, args.min_pair, set())[:2000]
            prefix = "more"
        for k in range(args.chunks):
            (args.out / f"{prefix}{k}.txt").write_text("\n".join(terms[k :: args.chunks]) + "\n")
        print(f"{len(terms):,} terms in {args.chunks} files {args.out}/{prefix}K.txt")
        return
    df = [Counter(c) for c in json.loads(counts.read_text())]
    rows: dict[str, list[str]] = {}
    for source in sorted(args.out.glob("*.txt")):
        translated = source.with_name(source.stem.replace("chunk", "out").replace("more", "moreout") + ".tsv")
        if source.stem == "extra":
            translated = source.with_suffix(".tsv")
        if not translated.exists():
            continue
        terms, lines = source.read_text().splitlines(), translated.read_text(encoding="utf-8").splitlines()
        if len(terms) != len(lines):
            raise SystemExit(f"{translated}: {len(lines)} lines for {len(terms)} terms")
        for term, line in zip(terms, lines):
            english, _, chinese = line.partition("\t")
            if english.strip() != term:
                raise SystemExit(f"{translated}: {english!r} where {term!r} was asked")
            variants: list[str] = []
            for variant in (v.strip() for v in chinese.split("|")):
                chinese_term = variant and "…" not in variant and re.search(r"[\u4e00-\u9fff]", variant)
                if chinese_term and variant not in variants:
                    variants.append(variant)
            if variants:
                rows[term] = variants
    order = sorted(rows, key=lambda t: (-df[len(t.split())].get(t, 0), t))
    with GLOSSARY.open("w", encoding="utf-8") as out:
        out.write("# physlit's Chinese -> English physics glossary: english<TAB>chinese|chinese|... ")
        out.write("(docs/glossary.md).\n")
        out.write("# Terms mined from the corpus's titles and abstracts, most frequent first.\n")
        for term in order:
            out.write(f"{term}\t{'|'.join(rows[term])}\n")
    print(f"{GLOSSARY}: {len(order):,} terms, {sum(map(len, rows.values())):,} Chinese forms")


if __name__ == "__main__":
    main()
