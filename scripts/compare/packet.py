#!/usr/bin/env python3
# COMPARISON BASELINE FOR BENCHMARKING ONLY -- NOT A PRODUCT.
#
# This script does roughly the Markdown part of `authpack build --format md`, written
# the plain way (PyYAML + Jinja2 + hashlib + zipfile), so that scripts/bench.sh can
# compare authpack's whole-process time against a fair interpreted baseline:
#
#   read the intake YAML -> compute a simple context (patient, request, antidepressant
#   trials with weeks at dose, baseline and latest score per instrument) -> render five
#   Markdown documents from scripts/compare/templates/*.md.j2 (cover sheet, letter of
#   medical necessity, criteria checklist, treatment history, next steps) -> SHA-256
#   each file -> write manifest.json -> zip it all with the intake's attachments
#   (ZIP_DEFLATED).
#
# It does NO validation (a malformed intake gives a Python error or a wrong document),
# NO policy evaluation (the checklist lists facts, never met / not met), NO drug or
# ICD-10 catalogue look-ups, NO appeal-deadline arithmetic and NO PDF typesetting.
# Its output is not meant to be sent to anyone.
#
# Usage: python3 scripts/compare/packet.py INTAKE OUT.zip
#   PACKET_JINJA_CACHE=DIR  keep Jinja2's compiled templates in DIR between runs
#                           (off by default: a plain script compiles them every run)
import datetime as dt
import hashlib
import json
import math
import os
import sys
import zipfile

import jinja2
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

THERAPIES = {
    "esketamine-nasal": "esketamine nasal spray (Spravato)",
    "ketamine-iv": "intravenous ketamine",
    "ketamine-im": "intramuscular ketamine",
}
INDICATIONS = {
    "trd": "treatment-resistant major depressive disorder",
    "mdsi": "major depressive disorder with acute suicidal ideation or behavior",
    "depression": "major depressive disorder",
    "ptsd": "post-traumatic stress disorder",
    "chronic-pain": "chronic pain",
    "other": "the condition described below",
}
# id: (name, [(min, max, band)], remission_max, response_drop_percent)
INSTRUMENTS = {
    "phq-9": ("Patient Health Questionnaire-9",
              [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 19, "moderately-severe"), (20, 27, "severe")], 4, 50),
    "madrs": ("Montgomery-Asberg Depression Rating Scale",
              [(0, 6, "normal"), (7, 19, "mild"), (20, 34, "moderate"), (35, 60, "severe")], 10, 50),
    "ham-d-17": ("Hamilton Rating Scale for Depression, 17-item",
                 [(0, 7, "none"), (8, 16, "mild"), (17, 23, "moderate"), (24, 52, "severe")], 7, 50),
    "qids-sr-16": ("Quick Inventory of Depressive Symptomatology, Self-Report, 16-item",
                   [(0, 5, "none"), (6, 10, "mild"), (11, 15, "moderate"), (16, 20, "severe"), (21, 27, "very-severe")], 5, 50),
    "bdi-ii": ("Beck Depression Inventory-II", [(0, 13, "minimal"), (14, 19, "mild"), (20, 28, "moderate"), (29, 63, "severe")], None, 50),
    "gad-7": ("Generalized Anxiety Disorder-7", [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")], None, None),
    "pcl-5": ("PTSD Checklist for DSM-5", [], None, None),
}
DRUG_CLASSES = {
    "sertraline": "ssri", "escitalopram": "ssri", "citalopram": "ssri", "fluoxetine": "ssri",
    "paroxetine": "ssri", "fluvoxamine": "ssri", "venlafaxine": "snri", "desvenlafaxine": "snri",
    "duloxetine": "snri", "levomilnacipran": "snri", "bupropion": "ndri", "mirtazapine": "nassa",
    "vortioxetine": "multimodal", "vilazodone": "multimodal", "trazodone": "sari",
    "nortriptyline": "tca", "amitriptyline": "tca", "imipramine": "tca", "phenelzine": "maoi",
}
OUTCOMES = {
    "no-response": "no response", "partial-response": "partial response",
    "intolerance": "stopped for intolerance", "relapse": "relapse", "response": "response",
}
MEDIA_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".md": "text/markdown; charset=utf-8", ".json": "application/json"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DOCUMENTS = [
    ("cover-sheet", "Fax cover sheet"),
    ("letter-of-medical-necessity", "Letter of medical necessity"),
    ("criteria-checklist", "Criteria checklist"),
    ("treatment-history", "Treatment history summary"),
    ("next-steps", "What happens next (for the patient; not sent)"),
]
MD_SPECIAL = set("\\`*[]<>|~#&!")


def escape_markdown(text):
    """Backslash-escape characters that can open Markdown markup (simplified authpack rule)."""
    out = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append("\n")
        line = line.lstrip()
        n = len(line)
        for k, c in enumerate(line):
            if c in MD_SPECIAL:
                out.append("\\")
            elif c == "_" and not (0 < k < n - 1 and line[k - 1].isalnum() and line[k + 1].isalnum()):
                out.append("\\")
            elif c in "-+" and k == 0 and (n == 1 or line[1].isspace()):
                out.append("\\")
            out.append(c)
    return "".join(out)


def escaped(value):
    """A deep copy of the intake with every string escaped for Markdown output."""
    if isinstance(value, str):
        return escape_markdown(value)
    if isinstance(value, dict):
        return {k: escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escaped(v) for v in value]
    return value


def as_date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def long_date(value):
    d = as_date(value)
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}" if d else "-"


def words(value):
    return "-" if value is None else str(value).replace("-", " ")


def cell(value):
    return "-" if value is None else " ".join(str(value).split()) if isinstance(value, str) else value


def pluralize(n):
    return "" if n == 1 else "s"


def tidy(text):
    """Drop trailing spaces and runs of blank lines left by template control lines."""
    out, blank = [], 0
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            blank += 1
            if blank > 1:
                continue
        else:
            blank = 0
        out.append(line + "\n")
    return "".join(out).lstrip("\n")


def weeks_text(days):
    w = math.floor(days / 7 * 10) / 10
    return str(int(w)) if w == int(w) else f"{w:.1f}"


def band_of(bands, score):
    for lo, hi, label in bands:
        if lo <= score <= hi:
            return label
    return None


def context(intake, raw_dir):
    req = intake["request"]
    pat = intake["patient"]
    presc = intake["prescriber"]
    req_date = as_date(req["date"])
    dob = as_date(pat["date_of_birth"])
    age = req_date.year - dob.year - ((req_date.month, req_date.day) < (dob.month, dob.day))
    episode = intake.get("current_episode") or {}
    episode_start = as_date(episode.get("start"))
    history = intake.get("treatment_history") or {}

    trials = []
    for t in history.get("antidepressants") or []:
        start, end = as_date(t["start"]), as_date(t.get("end"))
        from_ = as_date(t.get("adequate_dose_from")) or start
        days = max(0, ((end or req_date) - from_).days)
        cls = DRUG_CLASSES.get(str(t["drug"]).lower())
        trials.append({
            "drug": t["drug"], "generic": t["drug"], "class": cls,
            "max_dose_mg": t.get("max_dose_mg"), "min_adequate_mg": None,
            "start": start, "end": end, "weeks": days / 7, "weeks_at_adequate_dose": weeks_text(days),
            "in_current_episode": (None if episode_start is None else (end or req_date) >= episode_start),
            "outcome": t.get("outcome"), "outcome_label": OUTCOMES.get(t.get("outcome"), words(t.get("outcome"))),
            "improvement_percent": t.get("improvement_percent"), "adherence": t.get("adherence"),
        })

    by_instrument, suicide_risk = {}, None
    for a in sorted(intake.get("assessments") or [], key=lambda a: as_date(a["date"])):
        if a["instrument"] == "c-ssrs":
            suicide_risk = a.get("risk")
            continue
        by_instrument.setdefault(a["instrument"], []).append(a)
    scales = []
    for inst, results in by_instrument.items():
        name, bands, remission_max, response_drop = INSTRUMENTS.get(inst, (inst, [], None, None))
        in_episode = [r for r in results if episode_start is None or as_date(r["date"]) >= episode_start]
        base, last = (in_episode or results)[0], results[-1]
        s = {"id": inst, "name": name,
             "latest": {"score": last["score"], "date": last["date"], "band": band_of(bands, last["score"])},
             "baseline": {"score": base["score"], "date": base["date"], "band": band_of(bands, base["score"])}}
        if base is not last and base["score"]:
            s["change"] = last["score"] - base["score"]
            s["percent_change"] = round(100 * s["change"] / base["score"])
            s["response"] = response_drop is not None and -s["percent_change"] >= response_drop
            s["remission"] = remission_max is not None and last["score"] <= remission_max
        scales.append(s)
    order = list(INSTRUMENTS)
    scales.sort(key=lambda s: order.index(s["id"]) if s["id"] in order else len(order))

    facts = {"age": age, "episode_start": episode_start, "scales": scales, "suicide_risk": suicide_risk,
             "hospitalizations": len(history.get("hospitalizations") or [])}

    safety = intake.get("safety") or {}
    regimen = req.get("regimen") or {}
    checks = [
        ("Age on the request date", [f"age {age} on {req_date} (born {dob})"]),
        ("Diagnoses", [f"{d['code']}{', primary' if d.get('primary') else ''}" for d in intake.get("diagnoses") or []]
         + [f"psychotic features in the current episode: {'yes' if episode.get('psychotic_features') else 'no'}"]),
        ("Antidepressant trials", [f"{t['drug']}{' (' + t['class'].upper() + ')' if t['class'] else ''}, "
                                   f"{t['weeks_at_adequate_dose']} weeks, {t['outcome_label']}" for t in trials]),
        ("Latest rating-scale scores", [f"{s['id']} {s['latest']['score']} on {s['latest']['date']}" for s in scales]),
        ("REMS", [f"site REMS-certified: {'yes' if (intake.get('site') or {}).get('rems_certified') else 'no'}",
                  f"patient REMS-enrolled: {'yes' if pat.get('rems_enrolled') else 'no'}"]),
        ("Contraindications", [f"{k.replace('_', ' ')}: {'yes' if v else 'no'}"
                               for k, v in (safety.get("contraindications") or {}).items()]),
        ("PDMP check", [f"PDMP checked {safety['pdmp_checked_on']}"] if safety.get("pdmp_checked_on") else []),
        ("Prescriber", [f"prescriber specialty: {presc.get('specialty') or '-'}"]),
        ("Regimen", [f"{k.replace('_', ' ')}: {v}" for k, v in regimen.items() if v is not None]),
    ]
    checks = [{"text": t, "evidence": [escape_markdown(e) for e in ev]} for t, ev in checks]

    enclosures = [{"number": i + 1, "title": escape_markdown(a.get("title") or a["file"]), "file": a["file"]}
                  for i, a in enumerate(intake.get("attachments") or [])]
    documents = [{"name": n, "title": t} for n, t in DOCUMENTS]
    return {
        "intake": escaped(intake),
        "patient_name": escape_markdown(f"{pat['first_name']} {pat['last_name']}"),
        "prescriber_name": escape_markdown(f"{presc['first_name']} {presc['last_name']}"
                                           + (f", {presc['credentials']}" if presc.get("credentials") else "")),
        "kind": req["kind"],
        "therapy": THERAPIES.get(req["therapy"], req["therapy"]),
        "indication": INDICATIONS.get(req["indication"], req["indication"]),
        "diagnoses": escaped(intake.get("diagnoses") or []),
        "facts": facts,
        "trials": escaped(trials),
        "checks": checks,
        "documents": documents,
        "fax_documents": documents[:4],
        "enclosures": enclosures,
        "voice": "patient" if (intake.get("signature") or {}).get("signer") == "patient" else "provider",
    }


def media_type(path):
    return MEDIA_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: packet.py INTAKE OUT.zip")
    intake_path, out_path = argv[1], argv[2]
    with open(intake_path, "rb") as f:
        raw = f.read()
    # libyaml's C loader when PyYAML has it (what a performance-minded script would use).
    intake = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    base_dir = os.path.dirname(os.path.abspath(intake_path))

    # Templates are compiled on every run, as a plain script does; most of the run time
    # is that compilation. PACKET_JINJA_CACHE=DIR turns on Jinja2's bytecode cache instead.
    cache_dir = os.environ.get("PACKET_JINJA_CACHE")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
                             keep_trailing_newline=True, undefined=jinja2.Undefined,
                             bytecode_cache=jinja2.FileSystemBytecodeCache(cache_dir) if cache_dir else None)
    env.filters.update(long_date=long_date, words=words, cell=cell, pluralize=pluralize)
    ctx = context(intake, base_dir)

    files = []  # (arcname, bytes or source path, size, sha256)
    for name, _title in DOCUMENTS:
        text = tidy(env.get_template(f"{name}.md.j2").render(ctx)).encode("utf-8")
        files.append((f"{name}.md", text, len(text), hashlib.sha256(text).hexdigest()))
    for e in ctx["enclosures"]:
        src = os.path.join(base_dir, e["file"])
        h, size = hashlib.sha256(), 0
        with open(src, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
        files.append((f"attachments/{e['number']:02d}-{os.path.basename(e['file'])}", src, size, h.hexdigest()))
    files.sort(key=lambda f: f[0])

    req = intake["request"]
    manifest = {
        "format_version": 1,
        "tool": {"name": "packet.py (comparison baseline)", "version": "0"},
        "intake_sha256": hashlib.sha256(raw).hexdigest(),
        "request": {k: str(req.get(k)) for k in ("kind", "therapy", "indication", "date")},
        "files": [{"path": p, "size": s, "sha256": h, "media_type": media_type(p)} for p, _, s, h in files],
    }
    manifest_bytes = json.dumps(manifest, indent=2).encode("utf-8")

    stamp = as_date(req["date"])
    stamp = (stamp.year, stamp.month, stamp.day, 0, 0, 0)
    tmp = out_path + ".part"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data, size, _ in files + [("manifest.json", manifest_bytes, len(manifest_bytes), None)]:
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(data, bytes):
                zf.writestr(info, data)
            else:
                info.file_size = size
                with open(data, "rb") as src, zf.open(info, "w", force_zip64=size > 0x7FFFFFFF) as dst:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        dst.write(chunk)
    os.replace(tmp, out_path)
    print(f"wrote {out_path} ({len(files) + 1} files)")


if __name__ == "__main__":
    main(sys.argv)
