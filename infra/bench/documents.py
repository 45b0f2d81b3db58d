"""Figure set `documents` (issue 12): how the local reader (tesseract) reads the synthetic
corpus's zones, how fast, and what the cloud's reading (Textract) costs per 1,000 documents."""

from __future__ import annotations

import dataclasses
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field

from chalicelib.adapters.tesseract_reader import read_bytes
from tests.documents import corpus

# List prices, eu-central-1, as of November 2026 (assumed, see docs/performance.md): Textract
# DetectDocumentText per page (first million pages a month), Lambda per GB-second (x86) and
# per request.
TEXTRACT_USD_PER_PAGE = 1.50 / 1000
LAMBDA_USD_PER_GB_SECOND = 0.0000166667
LAMBDA_USD_PER_REQUEST = 0.20 / 1_000_000
LAMBDA_MEMORY_GB = 0.5
LAMBDA_SECONDS_PER_READ = 2.0  # the reading Lambda waits on Textract about this long
# The read rate is shown per kind of document and per degradation.
BREAKDOWN = (*corpus.ZONE_KINDS, *sorted(corpus.READABLE))


@dataclass
class DocumentReading:
    """What the reader made of the corpus: per kind and per degradation, the readable
    documents and how many were read right; every false match; the time of each document."""

    readable: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    read: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_matches: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    documents: int = 0
    heavy_read: int = 0

    def rate(self, key: str = "all") -> float:
        return self.read[key] / self.readable[key] if self.readable[key] else 0.0

    def seconds_percentile(self, percent: int) -> float:
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[percent - 1]


def measure_reading(n: int, seed: int = 12) -> DocumentReading:
    """Reads `corpus.fixed_corpus(n, seed)` one document after the other."""
    result = DocumentReading()
    for document in corpus.fixed_corpus(n, seed):
        started = time.perf_counter()
        zone = read_bytes(document.data, document.content_type, corpus.TODAY)
        result.seconds.append(time.perf_counter() - started)
        result.documents += 1
        truth = None if document.truth is None else dataclasses.asdict(document.truth)
        right = zone is not None and dataclasses.asdict(zone) == truth
        if zone is not None and not right:
            result.false_matches.append(f"{document.kind}/{document.degradation}")
        if document.readable:
            for key in ("all", document.kind, document.degradation):
                result.readable[key] += 1
                result.read[key] += right
        elif right:
            result.heavy_read += 1
    return result


def peak_rss_mb() -> float:
    """The peak resident memory of this process (Python, OpenCV, the decoded pages)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tesseract_peak_rss_mb() -> float:
    """The peak resident memory of one tesseract run on a whole passport page (larger than
    what the reader shows it), started from a small process of its own: a child forked from
    this large one would count this one's pages."""
    document = corpus.generate(0, "passport", "clean")
    script = (
        "import resource, subprocess, sys\n"
        "subprocess.run(['tesseract', sys.argv[1], 'stdout', '--psm', '6'],"
        " capture_output=True, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    with tempfile.NamedTemporaryFile(suffix=".png") as image:
        image.write(document.data)
        image.flush()
        measured = subprocess.run(
            [sys.executable, "-c", script, image.name],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    return int(measured.stdout) / 1024


def cloud_usd_per_1000() -> float:
    """Textract's page and the Lambda that waits on it, per 1,000 one-page documents."""
    lambda_usd = LAMBDA_MEMORY_GB * LAMBDA_SECONDS_PER_READ * LAMBDA_USD_PER_GB_SECOND
    return 1000 * (TEXTRACT_USD_PER_PAGE + lambda_usd + LAMBDA_USD_PER_REQUEST)
