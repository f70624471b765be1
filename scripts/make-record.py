#!/usr/bin/env python3
# Writes a synthetic clinical record as a small PDF from a plain-text source,
# for the sample intakes' records/ folders. Pure Python 3, standard library only.
#
# Usage:
#
#   python3 scripts/make-record.py SOURCE.txt OUT.pdf
#   python3 scripts/make-record.py - OUT.pdf < SOURCE.txt      (source on stdin)
#
# The sources of the records it has written are kept in scripts/records/, e.g.:
#
#   python3 scripts/make-record.py scripts/records/ketamine-iv-offlabel-progress-note-2026-11-05.txt \
#       samples/ketamine-iv-offlabel/records/progress-note-2026-11-05.pdf
#   python3 scripts/make-record.py scripts/records/ketamine-iv-chronic-pain-pain-consultation-2026-11-09.txt \
#       samples/ketamine-iv-chronic-pain/records/pain-consultation-2026-11-09.pdf
#
# The page: US letter, 54 pt margins, the built-in Helvetica and Helvetica-Bold
# (nothing embedded, WinAnsiEncoding). Every page starts with the grey banner
# "SYNTHETIC SAMPLE - NOT A REAL PATIENT", then the letterhead lines if any, and
# ends with the footer "<title> - SYNTHETIC SAMPLE - NOT A REAL PATIENT" and
# "Page N of M". Text is word-wrapped; pages are added as needed.
#
# The output is deterministic: the same source gives the same bytes (no dates, no
# random document ID; /Producer is "authpack sample generator").
#
# Source syntax (UTF-8; every character must exist in WinAnsiEncoding, i.e. ASCII,
# Latin-1 and the few cp1252 extras such as en dash and curly quotes):
#
#   @title: TEXT     the PDF's /Title and the name in the footer. Default: the
#                    "## " title.
#   @header: TEXT    a letterhead line in small type under the banner on every
#                    page (repeat for more lines).
#   @page            start a new page here.
#   ## TEXT          the document title, in bold.
#   # TEXT           a section heading, in bold; kept with the line after it.
#   A | B | C        a table row: cells separated by "|" (a leading and a trailing
#                    "|" are optional). Consecutive rows form one table; its first
#                    row is the header, in bold, repeated if the table runs onto a
#                    new page. Columns are as wide as their widest cell; when the
#                    table is too wide, the widest columns are narrowed and their
#                    cells wrapped. A row of only "-", ":", "|" and spaces (a
#                    Markdown separator) is ignored.
#   (blank line)     a small vertical gap between paragraphs.
#   % TEXT           a comment, not printed.
#   any other line   body text. Each source line starts a new line in the PDF and is
#                    wrapped at the margin; lines are not joined, so write a
#                    paragraph on one source line.
#   \TEXT            body text taken literally (to start a line with #, @, %, | or \).
#                    Write "\|" for a literal "|" inside a body line or a cell.
#
# Leading and trailing spaces of a line are dropped; a tab counts as a space; runs of
# spaces inside a body line are kept (to space out fields on one line).

import sys

PAGE_W, PAGE_H = 612, 792
LEFT, RIGHT = 54, 558
WIDTH = RIGHT - LEFT
BOTTOM = 60  # the lowest baseline for body text; the footer sits at 36

BANNER = "SYNTHETIC SAMPLE - NOT A REAL PATIENT"
PRODUCER = "authpack sample generator"

BODY_SIZE, BODY_LEAD = 9.5, 12.5
TITLE_SIZE, TITLE_AFTER = 13, 20
HEAD_SIZE, HEAD_BEFORE, HEAD_AFTER = 10.5, 7, 14
TABLE_SIZE, TABLE_LEAD, CELL_GAP = 9, 12, 10
HEADER_SIZE, HEADER_LEAD = 8, 10
FOOTER_SIZE = 8
PARA_GAP = 4

# Advance widths (1/1000 em) of WinAnsiEncoding codes 32..255, from the standard
# Adobe Helvetica and Helvetica-Bold metrics; 0 where the code has no glyph.
_REGULAR = """
278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556
556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778
667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556
556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584 0
556 0 222 556 333 1000 556 556 333 1000 667 333 1000 0 611 0 0 222 222 333 333 350 556 1000 333
1000 500 333 944 0 500 667 278 333 556 556 556 556 260 556 333 737 370 556 584 333 737 333 400
584 333 333 333 578 537 278 333 333 365 556 834 834 834 611 667 667 667 667 667 667 1000 722 667
667 667 667 278 278 278 278 722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 556
556 556 556 556 556 889 500 556 556 556 556 278 278 278 278 556 556 556 556 556 556 556 584 611
556 556 556 556 500 556 500
"""
_BOLD = """
278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556
556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778
667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611
611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584 0
556 0 278 556 500 1000 556 556 333 1000 667 333 1000 0 611 0 0 278 278 500 500 350 556 1000 333
1000 556 333 944 0 500 667 278 333 556 556 556 556 280 556 333 737 370 556 584 333 737 333 400
584 333 333 333 611 556 278 333 333 365 556 834 834 834 611 722 722 722 722 722 722 1000 722 667
667 667 667 278 278 278 278 722 722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 556
556 556 556 556 556 889 556 556 556 556 556 278 278 278 278 611 611 611 611 611 611 611 584 611
611 611 611 611 556 611 556
"""
WIDTHS = {"F1": [int(w) for w in _REGULAR.split()], "F2": [int(w) for w in _BOLD.split()]}
assert all(len(w) == 224 for w in WIDTHS.values())
FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold"}


class SourceError(Exception):
    pass


def encode(text):
    """The WinAnsi bytes of `text`; raises ValueError on a character outside it."""
    data = text.encode("cp1252")
    for b in data:
        if b < 32 or b == 127 or (b >= 128 and WIDTHS["F1"][b - 32] == 0):
            raise ValueError(f"character {bytes([b])!r} cannot be printed")
    return data


def width(text, font, size):
    return sum(WIDTHS[font][b - 32] for b in encode(text)) * size / 1000.0


def pdf_string(text):
    out = ["("]
    for b in encode(text):
        if b in (0x28, 0x29, 0x5C):
            out.append("\\" + chr(b))
        elif b < 128:
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    out.append(")")
    return "".join(out)


def num(x):
    """A number for the content stream: at most two decimals, no trailing zeros."""
    s = ("%.2f" % x).rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


# ---------------------------------------------------------------- wrapping


def _split_long(word, font, size, limit):
    """Pieces of a word too wide for a line: at a hyphen between letters if one
    fits, else at the last character that fits."""
    pieces = []
    while width(word, font, size) > limit:
        cut = 0
        for i in range(1, len(word) - 1):
            if word[i] == "-" and word[i - 1].isalpha() and word[i + 1].isalpha():
                if width(word[: i + 1], font, size) <= limit:
                    cut = i + 1
        if not cut:
            cut = 1
            while cut < len(word) and width(word[: cut + 1], font, size) <= limit:
                cut += 1
        pieces.append(word[:cut])
        word = word[cut:]
    pieces.append(word)
    return pieces


def wrap(text, font, size, limit):
    """Lines of `text` no wider than `limit` points. A word that does not fit on
    the rest of a line may be broken after a hyphen between letters."""
    words = text.strip(" ").split(" ")  # runs of spaces inside a line are kept
    if not text.strip(" "):
        return [""]
    lines, line = [], ""
    space = width(" ", font, size)
    i = 0
    while i < len(words):
        word = words[i]
        if not line and not word:  # no spaces at the start of a wrapped line
            i += 1
            continue
        trial = word if not line else line + " " + word
        if width(trial, font, size) <= limit:
            line = trial
            i += 1
            continue
        # Try to put the head of a hyphenated word on this line.
        room = limit - (width(line, font, size) + space if line else 0)
        head = None
        for j in range(len(word) - 2, 0, -1):
            if word[j] == "-" and word[j - 1].isalpha() and word[j + 1].isalpha():
                if width(word[: j + 1], font, size) <= room:
                    head = j + 1
                    break
        if head is not None and (line or width(word, font, size) > limit):
            lines.append(((line + " " if line else "") + word[:head]).rstrip(" "))
            words[i] = word[head:]
            line = ""
            continue
        if line:
            lines.append(line.rstrip(" "))
            line = ""
            continue
        # A single word wider than the whole line.
        pieces = _split_long(word, font, size, limit)
        lines.extend(pieces[:-1])
        words[i] = pieces[-1]
        if width(pieces[-1], font, size) <= limit:
            line = pieces[-1]
            i += 1
    if line:
        lines.append(line.rstrip(" "))
    return lines


# ---------------------------------------------------------------- parsing


def unescape_cells(line):
    """Cells of a table row, honouring "\\|" as a literal bar."""
    cells, cur, i = [], [], 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line) and line[i + 1] == "|":
            cur.append("|")
            i += 2
            continue
        if c == "|":
            cells.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    cells.append("".join(cur))
    if line.startswith("|"):
        cells = cells[1:]
    if line.endswith("|") and not line.endswith("\\|") and cells:
        cells = cells[:-1]
    return [" ".join(c.split()) for c in cells]


def has_bar(line):
    return "|" in line.replace("\\|", "")


def parse(text):
    """The source as (meta, blocks). Blocks: ("title", s), ("head", s),
    ("text", s), ("gap",), ("page",), ("table", rows)."""
    meta = {"title": None, "header": []}
    blocks = []
    table = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.replace("\t", " ").strip()
        try:
            encode(line)
        except (UnicodeEncodeError, ValueError) as e:
            bad = next((c for c in line if not _printable(c)), "?")
            raise SourceError(f"line {n}: {bad!r} (U+{ord(bad):04X}) is not in WinAnsiEncoding") from e
        literal = line.startswith("\\") and not line.startswith("\\|")
        if table is not None and (literal or not has_bar(line) or line.startswith("%")):
            blocks.append(("table", table))
            table = None
        if literal:
            blocks.append(("text", line[1:].replace("\\|", "|")))
        elif not line:
            blocks.append(("gap",))
        elif line.startswith("%"):
            continue
        elif line.startswith("@"):
            key, _, value = line[1:].partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "title":
                meta["title"] = value
            elif key == "header":
                meta["header"].append(value)
            elif key == "page" and not value:
                blocks.append(("page",))
            else:
                raise SourceError(f"line {n}: unknown directive @{key} (known: @title, @header, @page)")
        elif line.startswith("## "):
            blocks.append(("title", line[3:].strip()))
        elif line.startswith("# "):
            blocks.append(("head", line[2:].strip()))
        elif has_bar(line):
            if set(line) <= set("-:| "):
                continue
            if table is None:
                table = []
            table.append(unescape_cells(line))
        else:
            blocks.append(("text", line.replace("\\|", "|")))
    if table is not None:
        blocks.append(("table", table))
    if meta["title"] is None:
        meta["title"] = next((b[1] for b in blocks if b[0] == "title"), "Record")
    return meta, blocks


def _printable(c):
    try:
        encode(c)
        return True
    except (UnicodeEncodeError, ValueError):
        return False


# ---------------------------------------------------------------- layout


def column_widths(rows):
    """Column widths (points, gap included) for a table of `rows`."""
    ncol = max(len(r) for r in rows)
    natural = [0.0] * ncol
    for k, row in enumerate(rows):
        font = "F2" if k == 0 else "F1"
        for c, cell in enumerate(row):
            natural[c] = max(natural[c], width(cell, font, TABLE_SIZE) + CELL_GAP)
    if sum(natural) <= WIDTH:
        widths = natural[:]
        widths[-1] = WIDTH - sum(natural[:-1])  # the last column runs to the margin
        return widths
    # Too wide: cap the widest columns at a common width (water-filling).
    lo, hi = 0.0, max(natural)
    for _ in range(60):
        mid = (lo + hi) / 2
        if sum(min(w, mid) for w in natural) > WIDTH:
            hi = mid
        else:
            lo = mid
    widths = [min(w, lo) for w in natural]
    widths[-1] += WIDTH - sum(widths)
    return widths


class Layout:
    def __init__(self, meta):
        self.meta = meta
        self.pages = []  # lists of content-stream operators
        self.y = None
        self.gap = 0.0  # vertical space owed before the next block
        self.after = None  # the lead owed after a title or heading, for the next line
        self.new_page()

    def top(self):
        header = self.meta["header"]
        if header:
            return 736 - HEADER_LEAD * (len(header) - 1) - 6 - 18
        return 744 - 14

    def new_page(self):
        self.pages.append([])
        self.y = self.top() + BODY_LEAD  # the first block's baseline is top()
        self.first = True
        self.gap = 0.0

    def room(self, height):
        """Whether `height` more points of lines fit below the current line."""
        return self.y - self.gap - height >= BOTTOM

    def advance(self, lead):
        if self.first:
            self.y = self.top()
            self.first = False
        else:
            self.y -= lead + self.gap
        self.gap = 0.0

    def text(self, s, font, size, x=LEFT):
        self.pages[-1].append(f"BT /{font} {num(size)} Tf {num(x)} {num(self.y)} Td {pdf_string(s)} Tj ET")

    def need(self, lead, lines):
        """Starts a new page unless `lines` lines of `lead` fit."""
        if not self.first and not self.room(lead * lines):
            self.new_page()

    def title(self, s):
        lines = wrap(s, "F2", TITLE_SIZE, WIDTH)
        self.need(TITLE_AFTER, len(lines) + 1)
        for k, line in enumerate(lines):
            self.advance(TITLE_AFTER if k == 0 else TITLE_SIZE + 3)
            self.text(line, "F2", TITLE_SIZE)
        self.after = TITLE_AFTER

    def heading(self, s, next_lines=1):
        lines = wrap(s, "F2", HEAD_SIZE, WIDTH)
        self.gap = max(self.gap, HEAD_BEFORE)
        # Keep the heading with at least one line after it.
        self.need(BODY_LEAD, len(lines) + next_lines)
        for k, line in enumerate(lines):
            self.advance(self.take_after(BODY_LEAD) if k == 0 else HEAD_SIZE + 3)
            self.text(line, "F2", HEAD_SIZE)
        self.after = HEAD_AFTER

    def table(self, rows):
        widths = column_widths(rows)
        xs = [LEFT]
        for w in widths[:-1]:
            xs.append(xs[-1] + w)

        def cells(row, font):
            return [wrap(row[c] if c < len(row) else "", font, TABLE_SIZE, widths[c] - CELL_GAP)
                    for c in range(len(widths))]

        header = cells(rows[0], "F2")

        def draw(wrapped, font, lead):
            height = max(len(w) for w in wrapped)
            for k in range(height):
                self.advance(lead if k == 0 else TABLE_LEAD)
                for c, w in enumerate(wrapped):
                    if k < len(w) and w[k]:
                        self.text(w[k], font, TABLE_SIZE, xs[c])

        hrows = max(len(w) for w in header)
        first_body = cells(rows[1], "F1") if len(rows) > 1 else None
        need = hrows + (max(len(w) for w in first_body) if first_body else 0)
        self.need(TABLE_LEAD, need)
        draw(header, "F2", self.take_after(BODY_LEAD))
        for row in rows[1:]:
            wrapped = cells(row, "F1")
            height = max(len(w) for w in wrapped)
            if not self.room(TABLE_LEAD * height):
                self.new_page()
                draw(header, "F2", BODY_LEAD)
            draw(wrapped, "F1", TABLE_LEAD)
        self.after = BODY_LEAD

    def take_after(self, default):
        lead = self.after or default
        self.after = None
        return lead


def lay_out(meta, blocks):
    lay = Layout(meta)
    for i, block in enumerate(blocks):
        kind = block[0]
        if kind == "gap":
            if not lay.first:
                lay.gap = max(lay.gap, PARA_GAP)
        elif kind == "page":
            if not lay.first or any(lay.pages[-1]):
                lay.new_page()
        elif kind == "title":
            lay.title(block[1])
        elif kind == "head":
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            lay.heading(block[1], 2 if nxt and nxt[0] == "table" else 1)
        elif kind == "text":
            lines = wrap(block[1], "F1", BODY_SIZE, WIDTH)
            for k, line in enumerate(lines):
                lead = lay.take_after(BODY_LEAD) if k == 0 else BODY_LEAD
                lay.need(lead, 1)
                lay.advance(lead)
                lay.text(line, "F1", BODY_SIZE)
        elif kind == "table":
            lay.table(block[1])
    return lay.pages


# ---------------------------------------------------------------- the PDF


def furniture(meta, n, total):
    """The banner, letterhead and footer of page n of total."""
    ops = [
        "0.85 g",
        f"{LEFT} 750 {WIDTH} 22 re f",
        "0 g",
        f"BT /F2 11 Tf 62 757 Td {pdf_string(BANNER)} Tj ET",
    ]
    header = meta["header"]
    y = 736
    for line in header:
        size = HEADER_SIZE
        while width(line, "F1", size) > WIDTH and size > 5:
            size -= 0.5
        ops.append(f"BT /F1 {num(size)} Tf {LEFT} {y} Td {pdf_string(line)} Tj ET")
        y -= HEADER_LEAD
    if header:
        ops.append(f"0.5 w {LEFT} {y + HEADER_LEAD - 6} m {RIGHT} {y + HEADER_LEAD - 6} l S")
    left = f"{meta['title']} - {BANNER}"
    right = f"Page {n} of {total}"
    rw = width(right, "F1", FOOTER_SIZE)
    if width(left, "F1", FOOTER_SIZE) + 12 + rw > WIDTH:
        ops.append(f"BT /F1 {FOOTER_SIZE} Tf {LEFT} 36 Td {pdf_string(left + '    ' + right)} Tj ET")
    else:
        ops.append(f"BT /F1 {FOOTER_SIZE} Tf {LEFT} 36 Td {pdf_string(left)} Tj ET")
        ops.append(f"BT /F1 {FOOTER_SIZE} Tf {num(RIGHT - rw)} 36 Td {pdf_string(right)} Tj ET")
    return ops


def build(text):
    meta, blocks = parse(text)
    pages = lay_out(meta, blocks)
    total = npages = len(pages)
    # Objects: 1 catalog, 2 pages, 3 F1, 4 F2, 5 info, then (page, contents) pairs.
    objs = {}
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(npages))
    objs[1] = "<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = f"<< /Type /Pages /Kids [{kids}] /Count {npages} >>"
    for num_, f in ((3, "F1"), (4, "F2")):
        objs[num_] = f"<< /Type /Font /Subtype /Type1 /BaseFont /{FONTS[f]} /Encoding /WinAnsiEncoding >>"
    objs[5] = f"<< /Title {pdf_string(meta['title'])} /Producer {pdf_string(PRODUCER)} >>"
    streams = {}
    for i, body in enumerate(pages):
        page, contents = 6 + 2 * i, 7 + 2 * i
        objs[page] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {contents} 0 R >>"
        )
        ops = furniture(meta, i + 1, total) + body
        streams[contents] = ("\n".join(ops) + "\n").encode("latin-1")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    count = 5 + 2 * npages
    for k in range(1, count + 1):
        offsets[k] = len(out)
        if k in streams:
            data = streams[k]
            out += f"{k} 0 obj\n<< /Length {len(data)} >>\nstream\n".encode("ascii")
            out += data
            out += b"endstream\nendobj\n"
        else:
            out += f"{k} 0 obj\n{objs[k]}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {count + 1}\n".encode("ascii")
    out += b"0000000000 65535 f \n"
    for k in range(1, count + 1):
        out += f"{offsets[k]:010d} 00000 n \n".encode("ascii")
    out += f"trailer\n<< /Size {count + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out), total


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: make-record.py SOURCE.txt|- OUT.pdf")
    src, dst = argv[1], argv[2]
    try:
        if src == "-":
            text = sys.stdin.buffer.read().decode("utf-8")
        else:
            with open(src, "rb") as f:
                text = f.read().decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        data, pages = build(text)
    except UnicodeDecodeError as e:
        sys.exit(f"make-record: {src}: not UTF-8 ({e})")
    except SourceError as e:
        sys.exit(f"make-record: {src}: {e}")
    with open(dst, "wb") as f:
        f.write(data)
    print(f"{dst}: {pages} page{'s' if pages != 1 else ''}, {len(data)} bytes")


if __name__ == "__main__":
    main(sys.argv)
