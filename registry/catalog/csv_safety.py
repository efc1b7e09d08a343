"""Cells of the CSV files the registry writes, kept from being read as spreadsheet formulas.

A spreadsheet program treats a cell that starts with `=`, `+`, `-` or `@` (and, in some
programs, a tab or a carriage return before one of those) as a formula, which can run
commands or send the sheet's contents elsewhere when the file is opened (CSV injection,
OWASP). Every CSV the registry writes (the catalogue export on pages, API and background
jobs, and the import row-error report) passes each cell through `csv_safe_cell`, which puts
an apostrophe in front of such a cell: spreadsheets show the text as it is, without the
apostrophe, and never evaluate it.

The catalogue CSV is also read back by the importer, so the protection must be undone
exactly: `csv_cell_value` removes the apostrophe that `csv_safe_cell` added, and nothing else.
To keep the two exact inverses, a value that already starts with apostrophes followed by a
dangerous character gets one more apostrophe on the way out (`'=x` is written `''=x`), and
only a cell of that shape loses one on the way in. Every other cell, an apostrophe in front
included (`'quoted'`), is read as it is written.

`csv_text` writes a whole file that way: lines end with a line feed, and a cell holding a
carriage return is quoted like one holding a line feed (Python's writer quotes only the
characters of its line terminator, so a lone carriage return would otherwise end the row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from itertools import chain

# What a spreadsheet may read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _is_guarded_shape(text: str) -> bool:
    """Apostrophes (none or more), then a character that starts a formula."""
    return text.lstrip(GUARD).startswith(FORMULA_STARTS)


def csv_safe_cell(value: str) -> str:
    """`value` as a CSV cell that no spreadsheet evaluates (see the module docstring)."""
    return GUARD + value if _is_guarded_shape(value) else value


def csv_cell_value(cell: str) -> str:
    """The value that `csv_safe_cell` wrote as `cell`: the inverse, for importing an export.

    A cell written by hand by someone who added the apostrophe themselves (`'=1+1`) is read
    the same way, as the text `=1+1`."""
    if cell.startswith(GUARD) and _is_guarded_shape(cell[1:]):
        return cell[1:]
    return cell


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A CSV file of `header` and `rows` (text cells), every cell through `csv_safe_cell`."""
    out = io.StringIO()
    line = io.StringIO()
    # "\r\n" makes the writer quote any cell holding either character; each line is then
    # ended with "\n" alone, the line ending the registry's CSV files have always had.
    writer = csv.writer(line, lineterminator="\r\n")
    for cells in chain([header], rows):
        line.seek(0)
        line.truncate()
        writer.writerow([csv_safe_cell(cell) for cell in cells])
        out.write(line.getvalue().removesuffix("\r\n") + "\n")
    return out.getvalue()
