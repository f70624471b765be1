//! What the intake's fields say together: an end before its start, a score out
//! of range, what a request kind requires. Errors stop the build; warnings are
//! printed and listed on the worksheet. A check that reads a value which did not
//! load (a placeholder stands in for it) is skipped, so it cannot misfire.

use crate::date::Date;
use crate::diag::Diagnostic;
use crate::intake::{Indication, Instrument, Intake, Loaded, Positions, RequestKind, Therapy, Urgency};
use crate::reference::{self, DrugMatch};

/// Collects diagnostics with positions from the loaded file.
struct Findings<'a> {
    positions: &'a Positions,
    /// Paths holding placeholders for values that did not load.
    placeholders: &'a [String],
    out: Vec<Diagnostic>,
}

impl Findings<'_> {
    fn push(&mut self, d: Diagnostic) {
        let path = d.path.clone();
        self.push_near(d, &path);
    }

    /// Whether a value at `path` did not load, so nothing may be concluded from it.
    fn unread(&self, path: &str) -> bool {
        crate::intake::rests_on(path, self.placeholders)
    }

    /// Pushes `d`, which also reads the values at `reads`, unless one of them did not load.
    fn push_reading(&mut self, d: Diagnostic, reads: &[&str]) {
        if !reads.iter().any(|p| self.unread(p)) {
            self.push(d);
        }
    }

    /// Pushes `d` at its own position, else at `near`'s, else at their nearest ancestor's.
    fn push_near(&mut self, d: Diagnostic, near: &str) {
        if self.unread(&d.path) {
            return;
        }
        if let Some(p) = self.positions.get(&d.path).or_else(|| self.positions.get(near)) {
            let p = *p;
            self.out.push(d.at(Some(p)));
            return;
        }
        let mut path = d.path.as_str();
        let pos = loop {
            if let Some(p) = self.positions.get(path) {
                break Some(*p);
            }
            match path.rfind(['.', '[']) {
                Some(i) => path = &path[..i],
                None => break None,
            }
        };
        self.out.push(d.at(pos));
    }

    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Diagnostic::error(path, message));
    }

    fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Diagnostic::warning(path, message));
    }

    /// `end` must not be before `start`.
    fn order(&mut self, base: &str, start: Option<Date>, end: Option<Date>, names: (&str, &str)) {
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            let first = format!("{base}.{}", names.0);
            self.push_reading(
                Diagnostic::error(format!("{base}.{}", names.1), format!("{} {e} is before {} {s}", names.1, names.0))
                    .hint("swap the dates or correct the one mistyped"),
                &[&first],
            );
        }
    }

    /// A date that cannot be after the request.
    fn not_after_request(&mut self, path: String, date: Option<Date>, request: Date) {
        if let Some(d) = date
            && d > request
        {
            self.push_reading(
                Diagnostic::error(path, format!("{d} is after the request date {request}"))
                    .hint("a past event cannot be dated after the request; check the year"),
                &["request.date"],
            );
        }
    }
}

/// Checks a loaded intake, returning every error and warning that rests on no placeholder.
pub fn check(loaded: &Loaded, placeholders: &[String]) -> Vec<Diagnostic> {
    let mut f = Findings { positions: &loaded.positions, placeholders, out: Vec::new() };
    let intake = &loaded.intake;
    let today = intake.request.date;

    if intake.authpack != 1 {
        f.push(
            Diagnostic::error("authpack", format!("intake format {} is not known", intake.authpack))
                .hint("this version of authpack reads format 1: authpack: 1"),
        );
    }
    request(&mut f, intake);
    people(&mut f, intake, today);
    diagnoses(&mut f, intake, today);
    history(&mut f, intake, today);
    assessments(&mut f, intake, today);
    appeal(&mut f, intake, today);
    for (i, s) in intake.sessions.iter().enumerate() {
        f.not_after_request(format!("sessions[{i}].date"), Some(s.date), today);
        if s.charge.is_some_and(|c| c < 0.0) {
            f.error(format!("sessions[{i}].charge"), "a charge cannot be negative");
        }
    }
    for (i, a) in intake.attachments.iter().enumerate() {
        if a.title.is_none() {
            f.warning(format!("attachments[{i}].title"), "no title; the letter will list the file name");
        }
    }
    crate::diag::sort(&mut f.out);
    f.out
}

fn request(f: &mut Findings<'_>, intake: &Intake) {
    let r = &intake.request;
    if r.urgency == Some(Urgency::Expedited) && r.urgency_reason.as_deref().is_none_or(|s| s.trim().is_empty()) {
        f.push_near(
            Diagnostic::error("request.urgency_reason", "an expedited request needs a reason").hint(
                "say why waiting the standard time could seriously jeopardize the patient's life, health or function",
            ),
            "request.urgency",
        );
    }
    if r.kind == RequestKind::Continuation && intake.safety.as_ref().and_then(|s| s.adverse_events.as_ref()).is_none() {
        f.push_near(
            Diagnostic::warning(
                "safety.adverse_events",
                "a continuation should say what adverse events occurred, or none",
            )
            .hint("add safety.adverse_events: a short description, or \"none\""),
            "safety",
        );
    }
    if r.kind == RequestKind::Continuation && r.prior_authorization_number.is_none() {
        f.warning("request.prior_authorization_number", "a continuation usually cites the authorization it continues");
    }
    if let Some(reg) = &r.regimen {
        f.order("request.regimen", reg.start, reg.end, ("start", "end"));
        let ketamine = matches!(r.therapy, Therapy::KetamineIv | Therapy::KetamineIm);
        if ketamine && reg.dose_mg_per_kg.is_none() && reg.dose_mg.is_none() {
            f.warning("request.regimen.dose_mg_per_kg", "no dose given; ketamine is usually dosed in mg/kg");
        }
        if ketamine && reg.dose_mg_per_kg.is_some() && intake.patient.weight_kg.is_none() {
            f.warning("patient.weight_kg", "a weight-based dose needs the patient's weight");
        }
        if let Some(d) = reg.dose_mg_per_kg
            && !(0.0..=2.0).contains(&d)
        {
            f.error("request.regimen.dose_mg_per_kg", format!("{d} mg/kg is outside 0 to 2"));
        }
        // Esketamine comes in 28 mg devices: whole devices, at most twelve, are possible.
        // Whether a possible dose is within the label is a verdict (the regimen criterion), not an error.
        let device = crate::reference::labels().esketamine.device_mg;
        for (path, dose) in
            [("request.regimen.dose_mg", reg.dose_mg), ("request.regimen.first_dose_mg", reg.first_dose_mg)]
        {
            match dose {
                Some(d) if r.therapy == Therapy::EsketamineNasal && (d <= 0.0 || d > 12.0 * device || (d / device).fract() != 0.0) => f.push(
                    Diagnostic::error(path, format!("{} mg is not a possible dose of esketamine nasal spray", crate::words::num(d)))
                        .hint("a session uses whole 28 mg devices: the label's doses are 56 or 84 mg (28 mg to start at 65 and older)"),
                ),
                Some(d) if ketamine && !(d > 0.0 && d <= 500.0) => f.error(
                    path,
                    format!("{d} mg is outside the possible range for one ketamine session (above 0, at most 500 mg)"),
                ),
                _ => {}
            }
        }
        if reg.sessions == Some(0) {
            f.error("request.regimen.sessions", "a request for no sessions asks for nothing");
        }
    }
    for (i, s) in r.services.iter().enumerate() {
        for (j, m) in s.modifiers.iter().enumerate() {
            if m.len() != 2 || !m.chars().all(|c| c.is_ascii_alphanumeric()) {
                f.push(
                    Diagnostic::error(
                        format!("request.services[{i}].modifiers[{j}]"),
                        format!("'{}' is not a modifier", crate::yaml::preview(m)),
                    )
                    .hint("a HCPCS/CPT modifier is two letters or digits, such as KX or 25"),
                );
            }
        }
    }
    for (i, s) in r.services.iter().enumerate() {
        if matches!(s.code.as_str(), "J0013" | "J3490" | "J3499") && s.ndc.is_none() {
            f.push(
                Diagnostic::warning(
                    format!("request.services[{i}].ndc"),
                    format!("{} is a drug line without its NDC", s.code),
                )
                .hint("plans ask for the 11-digit NDC of the product given on drug lines; add request.services[].ndc"),
            );
        }
    }
    claim(f, intake);
    services_fit(f, intake);
    if r.services.is_empty() && r.kind != RequestKind::Appeal {
        f.warning("request.services", "no billing codes requested; plans need the HCPCS/CPT codes");
    }
    for (i, s) in r.services.iter().enumerate() {
        let path = format!("request.services[{i}].code");
        match reference::procedure(s.code.as_str()) {
            Some(p) if p.status == "wrong" => f.push(
                Diagnostic::error(
                    path,
                    format!(
                        "{} is not a code for this therapy: it is {}",
                        s.code,
                        p.actually.as_deref().unwrap_or("another drug")
                    ),
                )
                .hint("esketamine: G2082/G2083 or J0013; ketamine: J3490 with an administration code"),
            ),
            Some(p) if p.status == "legacy" && p.valid_until.is_some_and(|u| r.date > u) => f.push(
                Diagnostic::warning(
                    path,
                    format!(
                        "{} was retired after {}",
                        s.code,
                        p.valid_until.map(|d| d.to_string()).unwrap_or_default()
                    ),
                )
                .hint(format!("use {}", p.replaced_by.as_deref().unwrap_or("the current code"))),
            ),
            Some(p) if !p.therapies.is_empty() && !p.therapies.contains(&r.therapy) => {
                f.warning(path, format!("{} does not fit {}", s.code, crate::policy::serde_label(&r.therapy)))
            }
            Some(_) => {}
            None => f.warning(path, format!("{} is not a code authpack knows for this therapy; check it", s.code)),
        }
    }
}

/// Warns when the billing lines, taken together, do not fit the therapy (domain.md 3.1).
/// What a claim needs: services given, and what the superbill must name.
fn claim(f: &mut Findings<'_>, intake: &Intake) {
    if intake.request.kind != RequestKind::Claim {
        return;
    }
    if intake.sessions.is_empty() {
        f.push_near(
            Diagnostic::error("sessions", "a claim needs the services given: list each under sessions")
                .hint("each session: date, code, units, charge and, when paid, paid"),
            "request.kind",
        );
    }
    if intake.prescriber.tax_id.is_none() {
        f.push_near(
            Diagnostic::warning("prescriber.tax_id", "the superbill has no tax ID for the rendering provider")
                .hint("plans process member claims with the provider's TIN; add prescriber.tax_id"),
            "prescriber",
        );
    }
    if intake.site.as_ref().is_some_and(|s| s.npi.is_none()) {
        f.push_near(
            Diagnostic::warning("site.npi", "the superbill has no NPI for the facility").hint("add site.npi"),
            "site",
        );
    }
    let contact = intake.payer.claims.as_ref();
    if contact.is_none_or(|c| c.address.is_none() && c.fax.is_none() && c.portal.is_none()) {
        f.push_near(
            Diagnostic::warning("payer.claims", "the intake does not say where the plan takes member claims")
                .hint("add payer.claims with the address, fax or portal on the back of the member card"),
            "payer",
        );
    }
}

/// Warns when the billing lines, taken together, do not fit the therapy or the plan (domain.md 3.1, 9.6).
fn services_fit(f: &mut Findings<'_>, intake: &Intake) {
    let r = &intake.request;
    if r.services.is_empty() {
        return;
    }
    let has = |codes: &[&str]| r.services.iter().any(|s| codes.contains(&s.code.as_str()));
    use crate::intake::PlanType;
    let medicare = matches!(intake.payer.plan_type, Some(PlanType::Medicare | PlanType::MedicareAdvantage));
    if r.therapy == Therapy::EsketamineNasal && intake.payer.plan_type.is_some() {
        if has(&["G2082", "G2083"]) && !medicare {
            f.push(
                Diagnostic::warning("request.services", "G2082 and G2083 are Medicare's esketamine codes")
                    .hint("commercial plans and Medicaid usually take J0013 (1 mg units: 56 or 84 a session) with the visit billed apart"),
            );
        }
        if has(&["J0013", "S0013"]) && medicare {
            f.push(
                Diagnostic::warning(
                    "request.services",
                    "Medicare bills esketamine as G2082 (up to 56 mg) or G2083 (more than 56 mg)",
                )
                .hint(
                    "G2082/G2083 bundle the drug, the visit and the observation; the MAC may ask for the KX modifier",
                ),
            );
        }
    }
    if let (Some(reg), Some(line)) = (&r.regimen, r.services.iter().position(|s| s.code.as_str() == "J0013")) {
        let expected = reg.dose_mg.zip(reg.sessions).map(|(d, n)| {
            let first = reg.first_dose_mg.unwrap_or(d);
            first + d * f64::from(n.saturating_sub(1))
        });
        if let Some(units) = expected.filter(|u| *u != f64::from(r.services[line].units)) {
            f.push(
                Diagnostic::warning(
                    format!("request.services[{line}].units"),
                    format!(
                        "J0013 is billed in 1 mg units: the regimen makes {} units, not {}",
                        crate::words::num(units),
                        r.services[line].units
                    ),
                )
                .hint("units = mg a session x sessions (the first session's dose counted apart)"),
            );
        }
    }
    let (ok, advice) = match r.therapy {
        Therapy::EsketamineNasal => (
            has(&["G2082", "G2083", "J0013", "S0013"]),
            "esketamine is billed with G2082/G2083 (Medicare) or J0013 with a visit code",
        ),
        Therapy::KetamineIv => (
            has(&["J3490"]) && has(&["96365", "96374"]),
            "IV ketamine is billed with J3490 (report the NDC and dose) and an infusion code such as 96365",
        ),
        Therapy::KetamineIm => {
            (has(&["J3490"]) && has(&["96372"]), "IM ketamine is billed with J3490 (report the NDC and dose) and 96372")
        }
    };
    if !ok {
        f.push(
            Diagnostic::warning("request.services", "the billing codes do not make a usual claim for this therapy")
                .hint(advice),
        );
    }
}

fn people(f: &mut Findings<'_>, intake: &Intake, today: Date) {
    for (path, value) in [
        ("patient.first_name", &intake.patient.first_name),
        ("patient.last_name", &intake.patient.last_name),
        ("patient.member_id", &intake.patient.member_id),
        ("payer.name", &intake.payer.name),
        ("prescriber.first_name", &intake.prescriber.first_name),
        ("prescriber.last_name", &intake.prescriber.last_name),
    ] {
        if value.trim().is_empty() {
            f.error(path, "must not be empty");
        }
    }
    let dob = intake.patient.date_of_birth;
    if dob > today {
        f.push_reading(
            Diagnostic::error("patient.date_of_birth", format!("{dob} is after the request date {today}")),
            &["request.date"],
        );
    } else if today.years_since(dob) > 120 {
        f.push_reading(
            Diagnostic::error("patient.date_of_birth", format!("{dob} makes the patient over 120; check the year")),
            &["request.date"],
        );
    }
    if let Some(w) = intake.patient.weight_kg
        && !(2.0..=400.0).contains(&w)
    {
        f.error("patient.weight_kg", format!("{w} kg is outside 2 to 400"));
    }
    if intake.request.therapy == Therapy::EsketamineNasal {
        if intake.patient.rems_enrolled.is_none() {
            f.warning(
                "patient.rems_enrolled",
                "esketamine requires REMS enrollment; say whether the patient is enrolled",
            );
        }
        if intake.site.as_ref().and_then(|s| s.rems_certified).is_none() {
            f.warning(
                "site.rems_certified",
                "esketamine is given only at a REMS-certified site; say whether this one is",
            );
        }
    }
    if let Some(bp) = intake.safety.as_ref().and_then(|s| s.blood_pressure.as_ref()) {
        if !(50..=300).contains(&bp.systolic) || !(20..=200).contains(&bp.diastolic) || bp.diastolic >= bp.systolic {
            f.error(
                "safety.blood_pressure",
                format!("{}/{} is not a plausible blood pressure", bp.systolic, bp.diastolic),
            );
        }
        f.not_after_request("safety.blood_pressure.date".into(), bp.date, today);
    }
    f.not_after_request("safety.pdmp_checked_on".into(), intake.safety.as_ref().and_then(|s| s.pdmp_checked_on), today);
}

fn diagnoses(f: &mut Findings<'_>, intake: &Intake, today: Date) {
    if intake.diagnoses.is_empty() {
        f.push(
            Diagnostic::error("diagnoses", "at least one diagnosis is required")
                .hint("add - code: F33.2 with primary: true"),
        );
    }
    let primaries: Vec<String> = intake
        .diagnoses
        .iter()
        .enumerate()
        .filter(|(_, d)| d.primary == Some(true))
        .map(|(i, d)| format!("{} (diagnoses[{i}])", d.code))
        .collect();
    if primaries.len() > 1 {
        f.push(
            Diagnostic::error("diagnoses", format!("{} are all marked primary", primaries.join(", ")))
                .hint("mark one diagnosis primary: true"),
        );
    } else if primaries.is_empty() && intake.diagnoses.len() > 1 {
        f.warning("diagnoses", "no diagnosis is marked primary; the first is used");
    }
    for (i, d) in intake.diagnoses.iter().enumerate() {
        f.not_after_request(format!("diagnoses[{i}].diagnosed_on"), d.diagnosed_on, today);
        code_set(f, format!("diagnoses[{i}].code"), d.code.as_str());
    }
    for (i, s) in intake.sessions.iter().enumerate() {
        for (j, code) in s.diagnosis_codes.iter().enumerate() {
            code_set(f, format!("sessions[{i}].diagnosis_codes[{j}]"), code.as_str());
        }
    }
    let depression = matches!(intake.request.indication, Indication::Trd | Indication::Mdsi | Indication::Depression);
    let episode_start = intake.current_episode.as_ref().and_then(|e| e.start);
    if depression && episode_start.is_none() {
        f.push(
            Diagnostic::error(
                "current_episode.start",
                "the start of the current episode is required for a depression indication",
            )
            .hint("payers count only trials in the current episode; add current_episode: start: YYYY-MM-DD"),
        );
    }
    f.not_after_request("current_episode.start".into(), episode_start, today);
}

/// A diagnosis code must be a billable code of the FY2026 ICD-10-CM set.
fn code_set(f: &mut Findings<'_>, path: String, code: &str) {
    if let Some((message, offers)) = crate::reference::icd10::problem(code) {
        let mut d = Diagnostic::error(path, message);
        if !offers.is_empty() {
            d = d.hint(format!("valid codes: {}", offers.join("; ")));
        }
        f.push(d);
    }
}

fn history(f: &mut Findings<'_>, intake: &Intake, today: Date) {
    let Some(h) = &intake.treatment_history else {
        if intake.request.indication == Indication::Trd {
            f.warning(
                "treatment_history",
                "no treatment history; a treatment-resistant depression request rests on it",
            );
        }
        return;
    };
    for (i, t) in h.antidepressants.iter().enumerate() {
        let base = format!("treatment_history.antidepressants[{i}]");
        f.order(&base, Some(t.start), t.end, ("start", "end"));
        f.not_after_request(format!("{base}.start"), Some(t.start), today);
        f.not_after_request(format!("{base}.end"), t.end, today);
        if let Some(from) = t.adequate_dose_from {
            f.order(&base, Some(t.start), Some(from), ("start", "adequate_dose_from"));
            f.order(&base, Some(from), t.end, ("adequate_dose_from", "end"));
        }
        if let Some(p) = t.improvement_percent
            && !(-100.0..=100.0).contains(&p)
        {
            f.error(format!("{base}.improvement_percent"), format!("{p} is outside -100 to 100"));
        }
        if t.max_dose_mg.is_some_and(|d| d <= 0.0 || d > 2000.0) {
            f.error(format!("{base}.max_dose_mg"), "a daily dose must be above 0 and at most 2000 mg");
        }
        match reference::find_drug(&t.drug) {
            Some(DrugMatch::Antidepressant(_)) => {}
            Some(DrugMatch::Augmentation(a)) => f.push(
                Diagnostic::warning(
                    format!("{base}.drug"),
                    format!("{} is an augmentation agent, not an antidepressant", a.generic),
                )
                .hint("list it under treatment_history.augmentations"),
            ),
            None => {
                let close = reference::closest_drugs(&t.drug);
                let mut d = Diagnostic::warning(
                    format!("{base}.drug"),
                    format!(
                        "unknown antidepressant '{}'; the trial is counted as not adequate",
                        crate::yaml::preview(&t.drug)
                    ),
                );
                if !close.is_empty() {
                    d = d.hint(format!("did you mean {}?", close.join(", ")));
                }
                f.push(d);
            }
        }
        if t.outcome.is_none() {
            f.warning(format!("{base}.outcome"), "no outcome; a trial without one cannot count as failed");
        }
        if t.max_dose_mg.is_none() {
            f.warning(format!("{base}.max_dose_mg"), "no dose; the trial cannot be shown adequate");
        }
    }
    for (i, a) in h.augmentations.iter().enumerate() {
        let base = format!("treatment_history.augmentations[{i}]");
        f.order(&base, Some(a.start), a.end, ("start", "end"));
        f.not_after_request(format!("{base}.start"), Some(a.start), today);
    }
    for (i, p) in h.psychotherapy.iter().enumerate() {
        f.order(&format!("treatment_history.psychotherapy[{i}]"), p.start, p.end, ("start", "end"));
    }
    for (i, n) in h.neuromodulation.iter().enumerate() {
        f.order(&format!("treatment_history.neuromodulation[{i}]"), n.start, n.end, ("start", "end"));
    }
    for (i, s) in h.hospitalizations.iter().enumerate() {
        let base = format!("treatment_history.hospitalizations[{i}]");
        f.order(&base, Some(s.admitted), s.discharged, ("admitted", "discharged"));
        f.not_after_request(format!("{base}.admitted"), Some(s.admitted), today);
    }
}

fn assessments(f: &mut Findings<'_>, intake: &Intake, today: Date) {
    for (i, a) in intake.assessments.iter().enumerate() {
        let base = format!("assessments[{i}]");
        f.not_after_request(format!("{base}.date"), Some(a.date), today);
        let info = reference::instrument(a.instrument);
        if a.instrument == Instrument::CSsrs {
            if a.score.is_some() {
                f.push(
                    Diagnostic::error(format!("{base}.score"), "c-ssrs has a risk level, not a score")
                        .hint("write risk: low, moderate or high"),
                );
            }
            if a.risk.is_none() {
                f.error(format!("{base}.risk"), "c-ssrs needs its risk level: low, moderate or high");
            }
            continue;
        }
        if a.risk.is_some() {
            f.error(format!("{base}.risk"), format!("{} has a score, not a risk level", a.instrument.id()));
        }
        match (a.score, info.min, info.max) {
            (None, ..) => f.error(format!("{base}.score"), format!("{} needs its total score", a.instrument.id())),
            (Some(s), Some(min), Some(max)) if !(min..=max).contains(&s) => f.push(
                Diagnostic::error(format!("{base}.score"), format!("{s} is outside the {} range", a.instrument.id()))
                    .hint(format!("{} scores run from {min} to {max}", info.name)),
            ),
            _ => {}
        }
    }
    if intake.assessments.windows(2).any(|w| w[1].date < w[0].date) {
        f.warning("assessments", "results are not oldest first; they are read by date");
    }
}

fn appeal(f: &mut Findings<'_>, intake: &Intake, today: Date) {
    match (&intake.appeal, intake.request.kind) {
        (None, RequestKind::Appeal) => f.push_near(
            Diagnostic::error(
                "appeal",
                "request.kind is appeal, but the appeal block describing the denial is missing",
            )
            .hint("add appeal: with level, denial_date, denial_basis and appellant"),
            "request.kind",
        ),
        (Some(_), kind) if kind != RequestKind::Appeal => {
            f.warning("appeal", "an appeal block is given but request.kind is not appeal; it is ignored")
        }
        (Some(a), _) => {
            f.not_after_request("appeal.denial_date".into(), Some(a.denial_date), today);
            f.order("appeal", Some(a.denial_date), a.received_date, ("denial_date", "received_date"));
            if a.denial_reason.is_none() {
                f.warning("appeal.denial_reason", "quote the denial reason exactly as the notice gives it");
            }
            if a.appellant == crate::intake::Appellant::Representative && a.representative.is_none() {
                f.push_near(
                    Diagnostic::error("appeal.representative", "a representative's appeal needs the representative")
                        .hint("add appeal.representative with name, relationship, address and phone"),
                    "appeal.appellant",
                );
            }
        }
        (None, _) => {}
    }
}
