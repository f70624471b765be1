//! The official FHIR R4 JSON schema, compiled into the binary, and validation
//! of one resource against the definition of its own type.
//!
//! The schema's top level is a `oneOf` over every resource type, which can only
//! say "matches none of 146 schemas". Each resource is validated instead against
//! `#/definitions/<resourceType>`, so an error names the element that is wrong.
//! Validators are compiled on first use, once per type, and kept; patterns run
//! on the linear-time `regex` engine (an inline PDF is megabytes of base64).
//!
//! One change is made to the schema as loaded: `ResourceList` (the type of a
//! contained or nested resource, a `oneOf` over all 146 types) asks only for an
//! object with a `resourceType`, and each contained resource is validated
//! against its own type here instead. Through that list every type reaches every
//! other, so each validator would compile the whole schema (a second and 300 MB
//! for a PAS bundle); now each compiles what its own type uses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, PatternOptions, Registry, Resource, Validator};
use serde_json::{Value, json};

use super::Problem;

/// The schema's text, as vendored (see `src/data/fhir/README.md`).
pub const TEXT: &str = include_str!(concat!(env!("OUT_DIR"), "/fhir.schema.json"));
/// The SHA-256 of [`TEXT`], as recorded beside the vendored file.
pub const SHA256: &str = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d";
/// The schema's own id, under which its definitions are referenced.
const ID: &str = "http://hl7.org/fhir/json-schema/4.0";

struct Schema {
    registry: Registry,
    types: Vec<String>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut value: Value = serde_json::from_str(TEXT).expect("the vendored FHIR schema is JSON (tested)");
        value["definitions"]["ResourceList"] = json!({
            "type": "object",
            "properties": { "resourceType": { "type": "string" } },
            "required": ["resourceType"],
        });
        let types =
            value["discriminator"]["mapping"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        let resource = Resource::from_contents(value);
        let registry = Registry::try_new(ID, resource).expect("the vendored FHIR schema registers (tested)");
        Schema { registry, types, validators: Mutex::new(HashMap::new()) }
    })
}

/// Whether `name` is a resource type of FHIR R4.
pub fn is_resource_type(name: &str) -> bool {
    schema().types.binary_search_by(|t| t.as_str().cmp(name)).is_ok()
}

fn validator(resource_type: &str) -> Arc<Validator> {
    let schema = schema();
    let mut cache = schema.validators.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = cache.get(resource_type) {
        return Arc::clone(v);
    }
    let root = json!({ "$ref": format!("{ID}#/definitions/{resource_type}") });
    let built = jsonschema::options()
        .with_draft(Draft::Draft6)
        .with_registry(schema.registry.clone())
        .with_pattern_options(PatternOptions::regex())
        .build(&root)
        .expect("every resource type of the vendored schema compiles (tested)");
    let built = Arc::new(built);
    cache.insert(resource_type.to_string(), Arc::clone(&built));
    built
}

/// Validates one resource against its type's definition; `at` is the JSON path
/// of the resource in its document (`""` for the whole document).
pub fn validate(resource: &Value, at: &str) -> Vec<Problem> {
    let Some(kind) = resource.get("resourceType").and_then(Value::as_str) else {
        return vec![Problem::new(at, "has no resourceType: every FHIR resource names its type")];
    };
    if !is_resource_type(kind) {
        return vec![Problem::new(
            format!("{at}/resourceType"),
            format!("\"{}\" is not a FHIR R4 resource type", crate::diag::shown(kind)),
        )];
    }
    let validator = validator(kind);
    let mut problems: Vec<Problem> = validator
        .iter_errors(resource)
        .map(|e| match e.kind() {
            // Named at the element that is missing, as a reader looks for it.
            jsonschema::error::ValidationErrorKind::Required { property } => Problem::new(
                format!("{at}{}/{}", e.instance_path(), property.as_str().unwrap_or_default()),
                "is required (R4)",
            ),
            _ => Problem::new(format!("{at}{}", e.instance_path()), describe(&e)),
        })
        .collect();
    for (i, contained) in resource.get("contained").and_then(Value::as_array).into_iter().flatten().enumerate() {
        problems.extend(validate(contained, &format!("{at}/contained/{i}")));
    }
    // A value of the wrong JSON type also fails its string pattern: say the type alone.
    let mistyped: Vec<String> =
        problems.iter().filter(|p| p.message.starts_with("must be of JSON type")).map(|p| p.path.clone()).collect();
    problems.retain(|p| p.message.starts_with("must be of JSON type") || !mistyped.contains(&p.path));
    problems.sort();
    problems.dedup();
    problems
}

/// An error in the schema's terms, without echoing long values (a base64 PDF, a
/// patient's name) back to the terminal.
fn describe(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    match e.kind() {
        K::AdditionalProperties { unexpected } => {
            format!(
                "has no element {} in FHIR R4",
                unexpected.iter().map(|u| format!("\"{u}\"")).collect::<Vec<_>>().join(", ")
            )
        }
        K::Type { kind } => format!("must be of JSON type {}", type_names(kind)),
        K::Enum { options } => format!("must be one of {options}"),
        K::Constant { expected_value } => format!("must be {expected_value}"),
        K::Pattern { pattern } => format!("does not match the FHIR format /{pattern}/"),
        K::Required { property } => format!("must have {property}"),
        K::MinItems { limit } => format!("must have at least {limit} item(s)"),
        _ => {
            let text = e.to_string();
            // Messages quote the offending value first; keep them short.
            let text: String = text.chars().take(160).collect();
            crate::diag::shown(&text).into_owned()
        }
    }
}

fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    use jsonschema::error::TypeKind;
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_vendored_schema_is_the_one_recorded() {
        let digest = Sha256::digest(TEXT.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, SHA256, "src/data/fhir/fhir.schema.json.gz changed; update README.md and SHA256");
        let value: Value = serde_json::from_str(TEXT).unwrap();
        assert_eq!(value["id"], ID);
        assert_eq!(value["$schema"], "http://json-schema.org/draft-06/schema#");
        assert_eq!(schema().types.len(), 146);
        assert!(schema().types.is_sorted());
    }

    #[test]
    fn a_valid_resource_passes_and_a_wrong_one_is_named_by_path() {
        let ok = json!({"resourceType": "Patient", "id": "p1", "birthDate": "1979-08-23", "gender": "female"});
        assert_eq!(validate(&ok, ""), vec![]);
        let bad = json!({"resourceType": "Patient", "birthDate": "23/08/1979", "gender": "woman", "nmae": []});
        let problems = validate(&bad, "/entry/1/resource");
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"/entry/1/resource/birthDate"), "{problems:?}");
        assert!(paths.contains(&"/entry/1/resource/gender"), "{problems:?}");
        assert!(problems.iter().any(|p| p.message.contains("\"nmae\"")), "{problems:?}");
        let unknown = validate(&json!({"resourceType": "Patinet"}), "");
        assert_eq!(unknown[0].path, "/resourceType");
        // A contained resource is validated against its own type.
        let contained = json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": {"reference": "#p"}, "medicationReference": {"reference": "#m"},
            "contained": [{"resourceType": "Medication", "id": "m", "code": {"text": 5}}]});
        let problems = validate(&contained, "");
        assert_eq!(
            problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
            vec!["/contained/0/code/text"],
            "{problems:?}"
        );
    }

    #[test]
    fn every_resource_type_compiles() {
        for t in &schema().types {
            let _ = validator(t);
        }
    }
}
