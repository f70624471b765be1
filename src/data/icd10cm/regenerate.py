#!/usr/bin/env python3
"""Rebuild icd10cm.tsv.gz (ICD-10-CM FY2026 code table) from a pinned PyPI package.

Usage
-----
    # 1. fetch the pinned package (any one of these works):
    pip download --no-deps -d /tmp/sicm simple-icd-10-cm==1.5.0          # wheel
    pip download --no-deps --no-binary :all: -d /tmp/sicm simple-icd-10-cm==1.5.0   # sdist
    pip install simple-icd-10-cm==1.5.0                                  # installed copy

    # 2. rebuild (writes icd10cm.tsv.gz next to this script by default):
    python3 regenerate.py /tmp/sicm
    python3 regenerate.py /tmp/sicm/simple_icd_10_cm-1.5.0-py3-none-any.whl
    python3 regenerate.py "$(python3 -c 'import site; print(site.getsitepackages()[0])')"

    # verify the committed file instead of writing it (exit 1 on mismatch):
    python3 regenerate.py /tmp/sicm --check

SOURCE may be: the wheel or the sdist file, a directory holding one of them
(e.g. a `pip download` directory), or a directory that contains an installed
`simple_icd_10_cm/` package (site-packages, or the package directory itself).
The sha256 of the wheel/sdist is verified when one is read, and the sha256 of
the two data files inside is always verified, so every route yields the same
bytes.

Needs: Python >= 3.8 (standard library only) and GNU `gzip` on PATH (the output
is `gzip -n -9`, i.e. no file name and no timestamp, so it is deterministic).

Output format (UTF-8 TSV, no header, sorted by code in plain byte order):
    code <TAB> billable <TAB> description
  code        ICD-10-CM code with the dot (`F33.2`, `F33`, `S72.001A`, `T07.XXXA`)
  billable    1 = valid billable full-length code, 0 = category/subcategory header
  description official title from the CDC tabular list; for codes that take a
              7th character it is "<title of the 6-char code>, <7th-char title>",
              which is how the CDC builds the long titles of those codes.
              Tabs/CR/LF are replaced by spaces. UTF-8 (a few titles carry
              diacritics, e.g. "Sjögren").
Chapters ("5") and blocks ("F30-F39") are not codes and are not emitted.

How the table is derived from the package's data files
-------------------------------------------------------
* icd10c-tabular-April-1-2026.xml (the CDC/NCHS ICD-10-CM tabular list XML):
  every <diag> gives a code and its <desc>.
* A <diag> with child <diag>s is a header (0).
* A leaf <diag> with no <sevenChrDef> on itself or an ancestor is billable (1).
* A leaf <diag> under a <sevenChrDef> (nearest one wins) is a header (0); its
  7-character codes are formed by padding with the placeholder "X" to 6
  characters and appending each defined 7th character, keeping only those
  listed in code-list-April-2026.txt (the package's list of all valid codes,
  which encodes the few exclusions that the XML cannot express). <note>
  elements inside <sevenChrDef> are inclusion terms and are ignored.
* Cross-check: the emitted code set must equal the code list (minus chapters
  and blocks) exactly, and the pinned counts below must hold.
"""

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
import zipfile

PACKAGE = "simple-icd-10-cm"
VERSION = "1.5.0"
WHEEL_NAME = "simple_icd_10_cm-1.5.0-py3-none-any.whl"
WHEEL_SHA256 = "6d461d71dc26aedc530ae65f02cfb578a154e49507c32e8241e75f701d4b7e42"
SDIST_NAME = "simple_icd_10_cm-1.5.0.tar.gz"
SDIST_SHA256 = "95a58fbb935d21a93618a470c76fae9997d0f270e204b60a5c2b7cd3a7691c0c"

XML_NAME = "icd10c-tabular-April-1-2026.xml"
XML_SHA256 = "f161f8182aff3ce3a2a78e202f8259c08eaee2c670a9e45b0072445c52302935"
LIST_NAME = "code-list-April-2026.txt"
LIST_SHA256 = "df54d9743a3499f4a4fc12882edb7ce0d975b44ada5a2a25597aa56d0c2ac1c4"

EXPECTED_TOTAL = 98186
EXPECTED_BILLABLE = 74719

SPOT_CHECKS = {
    # code: (billable, substring of description)
    "F33": ("0", "Major depressive disorder, recurrent"),
    "F33.2": ("1", "Major depressive disorder, recurrent severe without psychotic features"),
    "F32.9": ("1", "Major depressive disorder, single episode, unspecified"),
    "F32.A": ("1", "Depression, unspecified"),
    "F43.1": ("0", "Post-traumatic stress disorder"),
    "F43.12": ("1", "Post-traumatic stress disorder, chronic"),
    "G90.5": ("0", "Complex regional pain syndrome I"),
    "G90.50": ("1", "Complex regional pain syndrome I, unspecified"),
    "G90.511": ("1", "Complex regional pain syndrome I of right upper limb"),
    "R45.851": ("1", "Suicidal ideations"),
    "M79.7": ("1", "Fibromyalgia"),
    "S72.001A": ("1", "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"),
    "T07.XXXA": ("1", "Unspecified multiple injuries, initial encounter"),
}

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "icd10cm.tsv.gz")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def die(msg):
    sys.exit("regenerate.py: error: " + msg)


def check_hash(what, data, expected):
    got = sha256(data)
    if got != expected:
        die("%s: sha256 %s, expected %s (not %s %s?)" % (what, got, expected, PACKAGE, VERSION))


def read_archive(path):
    """Return {data file name: bytes} from the wheel or sdist at path."""
    with open(path, "rb") as f:
        blob = f.read()
    want = (XML_NAME, LIST_NAME)
    found = {}
    if path.endswith(".whl"):
        check_hash(path, blob, WHEEL_SHA256)
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            for n in want:
                found[n] = z.read("simple_icd_10_cm/data/" + n)
    elif path.endswith(".tar.gz"):
        check_hash(path, blob, SDIST_SHA256)
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as t:
            for n in want:
                found[n] = t.extractfile("simple_icd_10_cm-%s/simple_icd_10_cm/data/%s" % (VERSION, n)).read()
    else:
        die("%s: expected a .whl or .tar.gz" % path)
    return found


def read_source(src):
    if os.path.isfile(src):
        files = read_archive(src)
    elif os.path.isdir(src):
        files = None
        for name in (WHEEL_NAME, SDIST_NAME):
            p = os.path.join(src, name)
            if os.path.isfile(p):
                files = read_archive(p)
                break
        if files is None:
            for d in (os.path.join(src, "simple_icd_10_cm", "data"), os.path.join(src, "data"), src):
                if os.path.isfile(os.path.join(d, XML_NAME)):
                    files = {}
                    for n in (XML_NAME, LIST_NAME):
                        with open(os.path.join(d, n), "rb") as f:
                            files[n] = f.read()
                    break
        if files is None:
            die("%s: found neither %s, %s nor an installed simple_icd_10_cm/data/%s"
                % (src, WHEEL_NAME, SDIST_NAME, XML_NAME))
    else:
        die("%s: no such file or directory" % src)
    check_hash(XML_NAME, files[XML_NAME], XML_SHA256)
    check_hash(LIST_NAME, files[LIST_NAME], LIST_SHA256)
    return files


def clean(text):
    return (text or "").replace("\t", " ").replace("\r", " ").replace("\n", " ")


def build_rows(xml_bytes, list_bytes):
    valid = set()
    for line in list_bytes.decode("utf-8").splitlines():
        line = line.strip()
        if line:
            valid.add(line)
    root = ET.fromstring(xml_bytes)
    if root.findtext("version") != "2026":
        die("tabular XML <version> is %r, expected '2026'" % root.findtext("version"))

    rows = {}

    def add(code, billable, desc):
        if code in rows:
            die("duplicate code %s" % code)
        rows[code] = (billable, clean(desc))

    def walk(node, seven):
        own = node.find("sevenChrDef")
        if own is not None:
            seven = [(e.get("char"), e.text or "") for e in own if e.tag == "extension"]
        code = node.findtext("name")
        desc = node.findtext("desc")
        kids = node.findall("diag")
        if kids:
            add(code, "0", desc)
            for k in kids:
                walk(k, seven)
        elif seven is None:
            add(code, "1", desc)
        else:
            base = (code if len(code) > 3 else code + ".").ljust(7, "X")
            n = 0
            for ch, title in seven:
                full = base + ch
                if full.replace(".", "") in valid:
                    add(full, "1", desc + ", " + title)
                    n += 1
            if n == 0:
                die("%s takes a 7th character but none is in the code list" % code)
            add(code, "0", desc)

    for chapter in root.findall("chapter"):
        for section in chapter.findall("section"):
            for diag in section.findall("diag"):
                walk(diag, None)

    # Cross-check against the package's list of all codes (chapters are
    # numbers, blocks contain '-'; neither is a code).
    listed = {c for c in valid if not c.isdigit() and "-" not in c}
    emitted = {c.replace(".", "") for c in rows}
    if listed != emitted:
        die("code set mismatch: %d only in code list (%s), %d only in XML (%s)"
            % (len(listed - emitted), sorted(listed - emitted)[:5],
               len(emitted - listed), sorted(emitted - listed)[:5]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", help="wheel/sdist, pip download dir, or dir with installed simple_icd_10_cm/")
    ap.add_argument("-o", "--out", default=DEFAULT_OUT, help="output path (default: %(default)s)")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = ap.parse_args()

    files = read_source(args.source)
    rows = build_rows(files[XML_NAME], files[LIST_NAME])

    total = len(rows)
    billable = sum(1 for b, _ in rows.values() if b == "1")
    if (total, billable) != (EXPECTED_TOTAL, EXPECTED_BILLABLE):
        die("counts %d total / %d billable, expected %d / %d"
            % (total, billable, EXPECTED_TOTAL, EXPECTED_BILLABLE))
    for code, (b, text) in SPOT_CHECKS.items():
        got = rows.get(code)
        if got is None or got[0] != b or text not in got[1]:
            die("spot check failed for %s: %r" % (code, got))

    codes = sorted(rows, key=lambda c: c.encode("utf-8"))
    tsv = "".join("%s\t%s\t%s\n" % (c, rows[c][0], rows[c][1]) for c in codes).encode("utf-8")
    gz = subprocess.run(["gzip", "-n", "-9", "-c"], input=tsv, stdout=subprocess.PIPE, check=True).stdout

    print("rows %d  billable %d  headers %d" % (total, billable, total - billable))
    print("tsv  %d bytes  sha256 %s" % (len(tsv), sha256(tsv)))
    print("gz   %d bytes  sha256 %s" % (len(gz), sha256(gz)))

    if args.check:
        try:
            with open(args.out, "rb") as f:
                current = f.read()
        except OSError as e:
            die(str(e))
        if current != gz:
            die("%s differs from the regenerated file (sha256 %s)" % (args.out, sha256(current)))
        print("%s is up to date" % args.out)
        return
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)), prefix=".icd10cm.")
    with os.fdopen(fd, "wb") as f:
        f.write(gz)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.out)
    print("wrote %s" % args.out)


if __name__ == "__main__":
    main()
