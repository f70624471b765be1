#!/usr/bin/env python3
# Writes an intake with one very large enclosure, for the memory / wall-time benchmark:
#
#   OUTDIR/intake.yaml          samples/esketamine-trd-initial/intake.yaml plus one more
#                               attachment entry (file, title, kind, as in
#                               shared/intake-reference.yaml)
#   OUTDIR/records/...          the sample's records, copied
#   OUTDIR/records/large-enclosure-<SIZE>mb.pdf
#                               a valid one-page PDF of exactly SIZE_MB MiB
#
# The PDF is written as a stream, never held in memory: a catalog, a page tree, one
# page with a short text content stream and a Helvetica font, then one large stream
# object that nothing references (its bytes are the filler), then a classic xref table
# whose offsets are counted while writing. Readers that follow the xref never touch the
# filler; anything that reads or copies the whole file does.
#
# --fill zeros   (default) NUL bytes: cheapest to write, deflates to almost nothing
# --fill text    a repeated ASCII comment line: also highly compressible
# --fill random  a fixed 8 MiB pseudo-random block, repeated: incompressible for
#                deflate (its 32 KiB window never sees the repeat), like a scanned record
#
# Usage: python3 scripts/gen-large-enclosure.py OUTDIR [SIZE_MB] [--fill zeros|text|random]
import os
import random
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE_DIR = os.path.join(ROOT, "samples", "esketamine-trd-initial")
CHUNK = 8 << 20


def filler_block(kind):
    if kind == "zeros":
        return bytes(CHUNK)
    if kind == "text":
        line = b"% authpack benchmark filler: this stream is not referenced by any page.\n"
        return (line * (CHUNK // len(line) + 1))[:CHUNK]
    if kind == "random":
        return random.Random(1024).randbytes(CHUNK)
    sys.exit(f"unknown --fill {kind!r}: zeros, text or random")


def write_pdf(path, total_bytes, fill):
    """Writes a valid one-page PDF of exactly total_bytes bytes (if total_bytes is large enough)."""
    text = b"BT /F1 14 Tf 72 720 Td (Synthetic large enclosure for authpack benchmarks.) Tj ET\n" \
           b"BT /F1 11 Tf 72 700 Td (The rest of this file is an unreferenced filler stream.) Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets, pos, parts = [], len(head), [head]
    for i, body in enumerate(objects, start=1):
        offsets.append(pos)
        obj = b"%d 0 obj\n" % i + body + b"\nendobj\n"
        parts.append(obj)
        pos += len(obj)
    big_num = len(objects) + 1
    # Everything after the filler has a known size once the big object's offset is known,
    # except the /Length digits; pad the dictionary so its size does not depend on them.
    n_objs = big_num + 1  # including object 0
    xref_len = len(b"xref\n0 %d\n" % n_objs) + 20 * n_objs
    big_head_fixed = b"%d 0 obj\n<< /Length " % big_num
    big_tail = b"\nendstream\nendobj\n"
    length_field = 20  # /Length value, right-padded with spaces to a fixed width
    after_dict = b" >>\nstream\n"
    prefix_len = pos + len(big_head_fixed) + length_field + len(after_dict)
    xref_pos = prefix_len  # adjusted below once the filler size is known
    # startxref value digits depend on xref_pos; solve by iterating (converges at once).
    filler = 0
    for _ in range(3):
        trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n_objs, xref_pos)
        filler = max(0, total_bytes - prefix_len - len(big_tail) - xref_len - len(trailer))
        xref_pos = prefix_len + filler + len(big_tail)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n_objs, xref_pos)
    offsets.append(pos)

    block = filler_block(fill)
    with open(path, "wb") as f:
        for p in parts:
            f.write(p)
        f.write(big_head_fixed + (b"%d" % filler).ljust(length_field) + after_dict)
        left = filler
        while left:
            n = min(left, len(block))
            f.write(block if n == len(block) else block[:n])
            left -= n
        f.write(big_tail)
        assert f.tell() == xref_pos, (f.tell(), xref_pos)
        f.write(b"xref\n0 %d\n" % n_objs)
        f.write(b"0000000000 65535 f \n")
        for off in offsets:
            f.write(b"%010d 00000 n \n" % off)
        f.write(trailer)
        return f.tell()


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--fill")]
    fill = "zeros"
    for i, a in enumerate(argv):
        if a.startswith("--fill="):
            fill = a.split("=", 1)[1]
        elif a == "--fill" and i + 1 < len(argv):
            fill = argv[i + 1]
            args.remove(fill)
    if not 1 <= len(args) <= 2 or (len(args) == 2 and not args[1].isdigit()):
        sys.exit("usage: gen-large-enclosure.py OUTDIR [SIZE_MB] [--fill zeros|text|random]")
    out = args[0]
    size_mb = int(args[1]) if len(args) == 2 else 1024

    os.makedirs(out, exist_ok=True)
    records = os.path.join(out, "records")
    if not os.path.isdir(records):
        shutil.copytree(os.path.join(SAMPLE_DIR, "records"), records)
    name = f"large-enclosure-{size_mb}mb.pdf"
    size = write_pdf(os.path.join(records, name), size_mb << 20, fill)

    # Add the attachment entry at the end of the `attachments:` list, keeping the
    # sample's comments and layout: the list is followed by the top-level `signature:`.
    with open(os.path.join(SAMPLE_DIR, "intake.yaml"), encoding="utf-8") as f:
        text = f.read()
    entry = (f"  - file: records/{name}\n"
             f"    title: Scanned chart archive ({size_mb} MB synthetic benchmark enclosure)\n"
             f"    kind: other\n")
    marker = "\nsignature:"
    at = text.index(marker)
    before = text[:at].rstrip("\n") + "\n"
    text = before + entry + "\n" + text[at + 1:]
    count = len(yaml.safe_load(text)["attachments"])
    with open(os.path.join(out, "intake.yaml"), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {out}/intake.yaml ({count} attachments) and records/{name} ({size} bytes, fill {fill})")


if __name__ == "__main__":
    main(sys.argv)
