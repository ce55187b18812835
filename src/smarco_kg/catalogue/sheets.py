"""Workbooks in and out: .xlsx (openpyxl), .ods (odfpy) and .csv, as plain tables of cells.

A workbook here is a list of sheets, each a header row and data rows; writing adds a note to each header cell and
a drop-down list to the cells of a column with a code list. CSV has one sheet, so it holds both tables one after
the other: the courses' header and rows, then the outcomes' header (its first cell ``course``) and rows. CSV is
read as Excel writes it in Europe: UTF-8 with or without a byte-order mark, fields separated by ``;`` or ``,``
(whichever the header line uses), decimal commas in numbers (read by the columns that take numbers).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from smarco_kg.errors import BadRequest

Cell = str | int | float | bool | None
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
CSV = "text/csv"
MEDIA_TYPES = {"xlsx": XLSX, "ods": ODS, "csv": CSV}
LISTS = "lists"  # the hidden sheet holding the drop-downs' labels
_MAX_ROWS = 1000  # rows a drop-down is offered on, below the header


class NotASpreadsheet(BadRequest):
    """The file is no workbook of a kind this service reads."""

    title = "the file is not a spreadsheet"


@dataclass
class Sheet:
    """One table: its name, headers (with notes and drop-downs when written) and rows of cells."""

    name: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    lists: dict[str, tuple[list[str], bool]] = field(default_factory=dict)  # header -> (labels, strict)
    row_numbers: list[int] = field(default_factory=list)  # each row's number in the file, as people see it

    def records(self) -> list[tuple[int, dict[str, Cell]]]:
        """(row number, header -> cell) for every row with something in it."""
        found = []
        for index, row in enumerate(self.rows):
            if all(_blank(v) for v in row):
                continue
            number = self.row_numbers[index] if index < len(self.row_numbers) else index + 2
            found.append((number, {h: (row[i] if i < len(row) else None) for i, h in enumerate(self.headers) if h}))
        return found


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- writing --------------------------------------------------------------------------------------------------


def write(sheets: Sequence[Sheet], kind: str) -> bytes:
    if kind == "xlsx":
        return _write_xlsx(sheets)
    if kind == "ods":
        return _write_ods(sheets)
    if kind == "csv":
        return _write_csv(sheets)
    raise ValueError(f"no writer for {kind}")


def _write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    # Imported here, as odfpy is: openpyxl is 20 MiB in every process that imports this module (the server, each
    # page reader), and only a workbook's import or export uses it.
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    lists = book.active
    assert lists is not None  # a new workbook has one sheet
    lists.title = LISTS
    lists.sheet_state = "hidden"
    list_column = 0
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        ws.append(sheet.headers)
        for row in sheet.rows:
            ws.append(list(row))
        for index, header in enumerate(sheet.headers, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(12, min(40, len(header) + 4))
            note = sheet.notes.get(header)
            if note:
                ws.cell(row=1, column=index).comment = Comment(note, "SMARCO", width=320, height=160)
            if header in sheet.lists:
                labels, strict = sheet.lists[header]
                list_column += 1
                column = get_column_letter(list_column)
                lists.cell(row=1, column=list_column, value=f"{sheet.name}.{header}")
                for offset, label in enumerate(labels, start=2):
                    lists.cell(row=offset, column=list_column, value=label)
                validation = DataValidation(
                    type="list",
                    formula1=f"{LISTS}!${column}$2:${column}${len(labels) + 1}",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorStyle="stop" if strict else "warning",
                    error="Choose a value from the list." if strict else "Not in the list: type a known name or code.",
                )
                ws.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}{_MAX_ROWS + 1}")
        ws.freeze_panes = "A2"
    if list_column:
        book.move_sheet(LISTS, offset=len(sheets))
    else:  # a report, not a template: no drop-downs, so no hidden sheet of their labels
        book.remove(lists)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_ods(sheets: Sequence[Sheet]) -> bytes:
    # odfpy: the OpenDocument library pandas reads and writes .ods with; it gives every ODF element, so notes
    # (office:annotation) and drop-downs (table:content-validation) can be written, which the smaller wrappers
    # (pyexcel-ods3, ezodf: unreleased since 2017) do not offer.
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import ContentValidation, ContentValidations, Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    validations = ContentValidations()
    named: dict[tuple[str, str], str] = {}
    for sheet in sheets:
        for header, (labels, _strict) in sheet.lists.items():  # ODF lists have no warning-only style
            name = f"list{len(named) + 1}"
            named[(sheet.name, header)] = name
            listed = ";".join('"' + label.replace('"', '""') + '"' for label in labels)
            validations.addElement(
                ContentValidation(
                    name=name,
                    condition=f"of:cell-content-is-in-list({listed})",
                    allowemptycell="true",
                    displaylist="unsorted",
                )
            )
    if named:
        document.spreadsheet.addElement(validations)
    for sheet in sheets:
        table = Table(name=sheet.name)
        head = TableRow()
        for header in sheet.headers:
            cell = TableCell(valuetype="string")
            note = sheet.notes.get(header)
            if note:
                annotation = Annotation()
                annotation.addElement(P(text=note))
                cell.addElement(annotation)
            cell.addElement(P(text=header))
            head.addElement(cell)
        table.addElement(head)
        rows = list(sheet.rows) or [[None] * len(sheet.headers)]
        for row in rows:
            line = TableRow()
            for index, header in enumerate(sheet.headers):
                value = row[index] if index < len(row) else None
                options: dict[str, Any] = {}
                if (sheet.name, header) in named:
                    options["contentvalidationname"] = named[(sheet.name, header)]
                if isinstance(value, bool):
                    cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower(), **options)
                    cell.addElement(P(text=str(value).upper()))
                elif isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value, **options)
                    cell.addElement(P(text=str(value)))
                elif value is None or value == "":
                    cell = TableCell(**options)
                else:
                    cell = TableCell(valuetype="string", **options)
                    cell.addElement(P(text=str(value)))
                line.addElement(cell)
            table.addElement(line)
        document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _write_csv(sheets: Sequence[Sheet]) -> bytes:
    """UTF-8 with a byte-order mark, ``;`` between fields and decimal commas: what Excel in Europe opens as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for index, sheet in enumerate(sheets):
        if index:
            writer.writerow([])
        writer.writerow(sheet.headers)
        for row in sheet.rows:
            writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)).replace(".", ",")
    return str(value)


# -- reading --------------------------------------------------------------------------------------------------


def kind_of(data: bytes, filename: str = "", content_type: str = "") -> str:
    """xlsx, ods or csv: from the file's first bytes (a zip names its kind inside), else its name or media type."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == ODS.encode():
                    return "ods"
                if "[Content_Types].xml" in names:
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        raise NotASpreadsheet("a zip archive that is neither an .xlsx nor an .ods workbook")
    lowered = filename.lower()
    if lowered.endswith((".xlsx", ".ods")) or content_type in (XLSX, ODS):
        raise NotASpreadsheet(f"{filename or 'the file'} is named as a workbook but is not one (not a zip archive)")
    return "csv"


def read(data: bytes, kind: str, names: Sequence[str]) -> list[Sheet]:
    """The sheets of a workbook; ``names``: the sheets expected, in order (CSV: its sections, in that order)."""
    if kind == "xlsx":
        return _read_xlsx(data)
    if kind == "ods":
        return _read_ods(data)
    return _read_csv(data, names)


def _read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook  # here, not above: see ``_write_xlsx``
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise NotASpreadsheet(f"the .xlsx workbook cannot be read: {error}") from error
    sheets = []
    for ws in book.worksheets:
        rows = [list(row) for row in ws.iter_rows(values_only=True)]
        if not rows:
            continue
        headers = [str(h).strip() if h is not None else "" for h in rows[0]]
        body = [[_cell(v) for v in row] for row in rows[1:]]
        sheets.append(Sheet(ws.title, headers, body, row_numbers=list(range(2, len(body) + 2))))
    book.close()
    return sheets


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # dates and times: as text


def _read_ods(data: bytes) -> list[Sheet]:
    from odf import teletype
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    try:
        document = load(io.BytesIO(data))
    except Exception as error:  # odfpy raises what the XML and zip readers raise
        raise NotASpreadsheet(f"the .ods workbook cannot be read: {error}") from error
    sheets = []
    for table in document.spreadsheet.getElementsByType(Table):
        rows: list[list[Cell]] = []
        numbers: list[int] = []
        number = 0
        for row in table.getElementsByType(TableRow):
            repeat = int(row.attributes.get((TABLENS, "number-rows-repeated"), "1"))
            cells: list[Cell] = []
            for cell in row.childNodes:
                if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                times = int(cell.attributes.get((TABLENS, "number-columns-repeated"), "1"))
                value = _ods_value(cell, teletype, OFFICENS, TableCell)
                cells.extend([value] * min(times, 512))
            while cells and _blank(cells[-1]):
                cells.pop()
            for _ in range(min(repeat, 1) if not cells else repeat):
                number += 1
                rows.append(list(cells))
                numbers.append(number)
        if not rows:
            continue
        headers = [str(h).strip() if h is not None else "" for h in rows[0]]
        sheets.append(Sheet(str(table.getAttribute("name")), headers, rows[1:], row_numbers=numbers[1:]))
    return sheets


def _ods_value(cell: Any, teletype: Any, officens: str, table_cell: Any) -> Cell:
    kind = cell.attributes.get((officens, "value-type"))
    if kind in ("float", "percentage", "currency"):
        text = cell.attributes.get((officens, "value"), "")
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        return cell.attributes.get((officens, "boolean-value")) == "true"
    paragraphs = [child for child in cell.childNodes if child.qname[1] == "p"]
    text = "\n".join(teletype.extractText(p) for p in paragraphs)
    return text or None


def _read_csv(data: bytes, names: Sequence[str]) -> list[Sheet]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotASpreadsheet(
            "the CSV file is not UTF-8; save it as 'CSV UTF-8' (Excel) or 'Text CSV, UTF-8' (LibreOffice)"
        ) from error
    if "\x00" in text:
        raise NotASpreadsheet("the file holds binary data: send an .xlsx, .ods or .csv file")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    sheets: list[Sheet] = []
    for number, line in enumerate(lines, start=1):
        values: list[Cell] = [v if v.strip() else None for v in line]
        if all(v is None for v in values):
            continue
        starts = not sheets or (len(sheets) < len(names) and line and line[0].strip() == _section_start(names, sheets))
        if starts:
            sheets.append(Sheet(names[len(sheets)] if len(sheets) < len(names) else "", [v.strip() for v in line]))
            continue
        sheets[-1].rows.append(values)
        sheets[-1].row_numbers.append(number)
    return sheets


def _section_start(names: Sequence[str], found: list[Sheet]) -> str:
    """The first header of the next section: the outcomes' table starts with its ``course`` column."""
    return "course" if len(found) >= 1 else ""
