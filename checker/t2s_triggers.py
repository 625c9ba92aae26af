"""Which characters can make OpenCC's t2s conversion change a text: a turn with none is left as it is.

OpenCC converts by longest match against its dictionaries (TSPhrases, then TSCharactersExt and
TSCharacters, after CJK_Compatibility_Ideographs); a stretch of text changes only where a
dictionary key that maps to something else occurs. So a set of characters holding at least one
character of every such key decides it: a text with none of them cannot change. Nearly every key
holds a traditional character that converts on its own; the few phrases that do not (深沈 → 深沉,
回覆 → 回复) add their rarest character (by jieba's dictionary). Simplified text almost never holds
one (0 of 90,000 synthetic turns, 0.6 % of the real chat corpus), so the audit converts only the
turns that do (`normalise._normalise_call_numpy`), where OpenCC was ~5 % of an audit.

The set is derived from the installed OpenCC's dictionaries and shipped in `data/t2s_triggers.txt`
with their SHA-256 digests; when the installed dictionaries differ from those it was derived from,
`trigger_chars` returns None and every text is converted, as before. Regenerate it with
`python -m checker.t2s_triggers` (needs the `opencc_dict` tool of the opencc wheel).
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

__all__ = ["trigger_chars", "derive", "DICTIONARIES", "TRIGGERS_FILE"]

CONFIG = "t2s.json"
# The dictionaries t2s.json chains (normalisation first), as OpenCC 1.1–1.4 ship them.
DICTIONARIES = ("CJK_Compatibility_Ideographs.ocd2", "TSPhrases.ocd2", "TSCharactersExt.ocd2", "TSCharacters.ocd2")
TRIGGERS_FILE = Path(__file__).parent / "data" / "t2s_triggers.txt"


def share_dir() -> Path | None:
    """Where the installed opencc package keeps its configurations and dictionaries."""
    try:
        import opencc
    except ImportError:
        return None
    folder = Path(getattr(opencc, "_opencc_share_dir", Path(opencc.__file__).parent / "clib" / "share" / "opencc"))
    return folder if folder.is_dir() else None


def digests(folder: Path) -> dict[str, str] | None:
    """SHA-256 of the configuration and each dictionary; None when one is missing."""
    out = {}
    for name in (CONFIG, *DICTIONARIES):
        path = folder / name
        if not path.is_file():
            return None
        out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@functools.lru_cache(maxsize=1)
def trigger_chars() -> frozenset[str] | None:
    """The characters of `TRIGGERS_FILE`, or None when they may not hold for the installed OpenCC
    (its dictionaries differ from those they were derived from, or the file is missing)."""
    try:
        lines = TRIGGERS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    recorded = {}
    chars = ""
    for line in lines:
        if line.startswith("# sha256 "):
            name, digest = line[len("# sha256 ") :].split()
            recorded[name] = digest
        elif line and not line.startswith("#"):
            chars += line
    folder = share_dir()
    if not chars or folder is None or digests(folder) != recorded:
        return None
    return frozenset(chars)


def derive(folder: Path) -> str:
    """The trigger characters of the dictionaries in `folder` (sorted, one string)."""
    single: set[str] = set()
    phrases: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in DICTIONARIES:
            for key, value in _entries(folder / name, Path(tmp) / (name + ".txt")):
                if value == key:
                    continue  # a key that maps to itself changes nothing
                (single.add(key) if len(key) == 1 else phrases.append(key))
    triggers = set(single)
    frequency = _char_frequency()
    for key in phrases:
        if triggers.isdisjoint(key):
            triggers.add(min(key, key=lambda ch: (frequency.get(ch, 0), ch)))
    return "".join(sorted(triggers))


def _entries(ocd2: Path, out: Path):
    """(key, first value) of an .ocd2 dictionary, through OpenCC's own `opencc_dict` converter."""
    import opencc

    folder = Path(opencc.__file__).parent / "clib"
    tool = folder / "bin" / "opencc_dict"
    env = {
        **os.environ,
        "LD_LIBRARY_PATH": os.pathsep.join(
            p for p in (str(folder / "lib64"), str(folder / "lib"), os.environ.get("LD_LIBRARY_PATH", "")) if p
        ),
    }
    subprocess.run(
        [str(tool), "-i", str(ocd2), "-o", str(out), "-f", "ocd2", "-t", "text"],
        check=True,
        env=env,
        capture_output=True,
    )
    for line in out.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if key:
            yield key, values.split(" ")[0]


def _char_frequency() -> Counter:
    """How often each character occurs in jieba's dictionary words, weighted by word frequency."""
    import jieba

    counts: Counter = Counter()
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2:
                for ch in parts[0]:
                    counts[ch] += int(parts[1])
    return counts


def render(folder: Path) -> str:
    """The text of `TRIGGERS_FILE` for the dictionaries in `folder`."""
    import opencc

    found = digests(folder)
    if found is None:
        raise SystemExit(f"{folder}: OpenCC's t2s configuration or one of its dictionaries is missing")
    chars = derive(folder)
    head = [
        "# Characters one of which every OpenCC t2s key that converts holds (see checker/t2s_triggers.py).",
        f"# Derived from OpenCC {opencc.__version__}; regenerate with `python -m checker.t2s_triggers`.",
        *(f"# sha256 {name} {digest}" for name, digest in found.items()),
    ]
    body = [chars[i : i + 64] for i in range(0, len(chars), 64)]
    return "\n".join(head + body) + "\n"


def main() -> None:
    import opencc  # noqa: F401  (the tool's location comes from the package)

    folder = share_dir()
    if folder is None:
        raise SystemExit("opencc is not installed")
    TRIGGERS_FILE.parent.mkdir(exist_ok=True)
    tmp = TRIGGERS_FILE.with_suffix(".part")
    tmp.write_text(render(folder), encoding="utf-8")
    os.replace(tmp, TRIGGERS_FILE)
    print(f"wrote {TRIGGERS_FILE} ({len(trigger_chars.__wrapped__() or ())} characters)")


if __name__ == "__main__":
    main()
