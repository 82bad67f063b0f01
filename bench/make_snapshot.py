"""Bench helper: write a gzipped Kaggle-format snapshot `copies` times the size of a source one.

Copy 0 keeps the source ids; later copies get new unique, valid arXiv ids ("9k01.NNNNN") arXiv never issued.
"""

import gzip
import json
import re
from pathlib import Path

from harness import parser_make

_ID_FIELD = re.compile(rb'^\{"id": ?"([^"]*)"')


def _open(path: Path):
    with open(path, "rb") as f:
        is_gzip = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if is_gzip else open(path, "rb")


def _with_id(line: bytes, new_id: str) -> bytes:
    # Kaggle lines start with the id, so a byte substitution avoids re-encoding 800k objects.
    replaced, n = _ID_FIELD.subn(b'{"id": "' + new_id.encode() + b'"', line, count=1)
    if n:
        return replaced
    obj = json.loads(line)
    obj["id"] = new_id
    return json.dumps(obj).encode() + b"\n"


def snapshot_scale(source: Path, dest: Path, copies: int = 10) -> int:
    """Write `copies` passes over `source` to `dest` (gzip); returns the number of lines written."""
    if not 1 <= copies <= 10:
        raise ValueError("copies must be 1..10: the '9k01' id scheme has room for 9 renamed copies")
    written = 0
    with gzip.open(dest, "wb", compresslevel=1) as out:
        for copy in range(copies):
            with _open(source) as src:
                for i, line in enumerate(row for row in src if row.strip()):
                    if copy:
                        line = _with_id(line, f"9{copy}{1 + i // 100000:02d}.{i % 100000:05d}")
                    out.write(line if line.endswith(b"\n") else line + b"\n")
                    written += 1
    return written


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    print(f"{snapshot_scale(args.source, args.dest, args.copies):,} lines written to {args.dest}")


if __name__ == "__main__":
    main()
