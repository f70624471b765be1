//! What the requested regimen amounts to: esketamine devices per session and in
//! all, the label's start for older adults, and a ketamine dose in milligrams.

use serde::Serialize;

use crate::intake::{Intake, Therapy};
use crate::reference;

/// The regimen, counted.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Dosing {
    /// The patient is at or over the label's older-adult age (65) on the date judged.
    pub older_adult: bool,
    /// Esketamine: the dose a session, mg.
    pub dose_mg: Option<f64>,
    /// Esketamine: the first session's dose, mg (the dose, unless it differs).
    pub first_dose_mg: Option<f64>,
    /// Esketamine: 28 mg devices a session.
    pub devices_per_session: Option<u32>,
    /// Esketamine: devices at the first session.
    pub first_session_devices: Option<u32>,
    /// Esketamine: devices over the sessions requested.
    pub total_devices: Option<u32>,
    /// Esketamine: milligrams over the sessions requested.
    pub total_mg: Option<f64>,
    /// Ketamine: milligrams a session, from mg/kg and the patient's weight.
    pub absolute_dose_mg: Option<f64>,
}

/// Counts the requested regimen for a patient of `age`.
pub fn dosing(intake: &Intake, age: i32) -> Dosing {
    let label = &reference::labels().esketamine;
    let Some(r) = intake.request.regimen.as_ref() else {
        return Dosing { older_adult: age >= label.older_adult_age, ..Dosing::default() };
    };
    let mut d = Dosing { older_adult: age >= label.older_adult_age, ..Dosing::default() };
    match intake.request.therapy {
        Therapy::EsketamineNasal => {
            let devices =
                |mg: f64| (mg > 0.0 && (mg / label.device_mg).fract() == 0.0).then(|| (mg / label.device_mg) as u32);
            d.dose_mg = r.dose_mg;
            d.first_dose_mg = r.first_dose_mg.or(r.dose_mg);
            d.devices_per_session = r.dose_mg.and_then(devices);
            d.first_session_devices = d.first_dose_mg.and_then(devices);
            if let (Some(n), Some(first), Some(each)) = (r.sessions, d.first_session_devices, d.devices_per_session)
                && n > 0
            {
                d.total_devices = Some(first + each * (n - 1));
                d.total_mg = Some(f64::from(first + each * (n - 1)) * label.device_mg);
            }
        }
        Therapy::KetamineIv | Therapy::KetamineIm => {
            d.absolute_dose_mg = match (r.dose_mg, r.dose_mg_per_kg, intake.patient.weight_kg) {
                (Some(mg), _, _) => Some(mg),
                (None, Some(per_kg), Some(kg)) => Some((per_kg * kg * 10.0).round() / 10.0),
                _ => None,
            };
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::load_intake;

    fn sample(therapy: &str) -> Intake {
        let text = match therapy {
            "esketamine" => include_str!("../../samples/esketamine-trd-initial/intake.yaml"),
            _ => include_str!("../../samples/ketamine-iv-offlabel/intake.yaml"),
        };
        load_intake(text).unwrap().intake
    }

    #[test]
    fn devices_count_the_first_session_apart() {
        let mut i = sample("esketamine");
        let r = i.request.regimen.as_mut().unwrap();
        r.dose_mg = Some(56.0);
        r.first_dose_mg = Some(28.0);
        r.sessions = Some(8);
        let d = dosing(&i, 68);
        assert!(d.older_adult);
        assert_eq!((d.first_session_devices, d.devices_per_session, d.total_devices), (Some(1), Some(2), Some(15)));
        assert_eq!(d.total_mg, Some(420.0));
        let r = i.request.regimen.as_mut().unwrap();
        r.first_dose_mg = None;
        r.dose_mg = Some(84.0);
        let d = dosing(&i, 40);
        assert!(!d.older_adult);
        assert_eq!((d.devices_per_session, d.total_devices), (Some(3), Some(24)));
        assert!(!dosing(&i, 64).older_adult && dosing(&i, 65).older_adult, "65 is the label's age");
    }

    #[test]
    fn a_weight_based_ketamine_dose_becomes_milligrams() {
        let mut i = sample("ketamine");
        i.patient.weight_kg = Some(82.0);
        let r = i.request.regimen.as_mut().unwrap();
        r.dose_mg = None;
        r.dose_mg_per_kg = Some(0.5);
        assert_eq!(dosing(&i, 40).absolute_dose_mg, Some(41.0), "0.5 mg/kg x 82 kg (domain.md 9.4)");
        i.patient.weight_kg = None;
        assert_eq!(dosing(&i, 40).absolute_dose_mg, None);
    }
}
