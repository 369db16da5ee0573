//! Rule sets and their area lists: bundled under `programmes/` (embedded in the binary) or read
//! from a folder on disk.

use std::path::{Path, PathBuf};

use aspire_core::areas::AreaMember;
use aspire_core::eligibility::{RuleSet, RuleSetError};
use aspire_core::template::{Template, TemplateError};

use crate::{Format, ImportOptions, read_bytes};

include!(concat!(env!("OUT_DIR"), "/programme_files.rs"));

/// A rule set with the members of its bundled area lists.
#[derive(Debug, Clone)]
pub struct LoadedRuleSet {
    pub rules: RuleSet,
    /// Members from the area files the rule set names (imported members are added by the store).
    pub members: Vec<AreaMember>,
    /// "bundled" or the path it was read from.
    pub origin: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    #[error("there is no rule set called '{id}'. Rule sets available: {known}. Or give the path of a rules.toml file.")]
    Unknown { id: String, known: String },
    #[error("there is no programme template called '{id}'. Templates available: {known}.")]
    UnknownTemplate { id: String, known: String },
    #[error("{path}: {source}")]
    Template { path: String, source: TemplateError },
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Rules { path: String, source: RuleSetError },
    #[error("the area file {file} named by the rule set is missing")]
    MissingAreaFile { file: String },
    #[error("the area file {file} is not a valid area list: {problem}")]
    AreaFile { file: String, problem: String },
}

/// Ids of the bundled programme templates.
pub fn template_ids() -> Vec<&'static str> {
    PROGRAMME_FILES.iter().filter_map(|(p, _)| p.strip_suffix("/template.toml")).collect()
}

/// Every bundled programme template, checked.
pub fn templates() -> Result<Vec<Template>, ProgrammeError> {
    template_ids().into_iter().map(load_template).collect()
}

/// A bundled programme template by id.
pub fn load_template(id: &str) -> Result<Template, ProgrammeError> {
    // The bundled templates never change while the program runs: each is read once (pages and
    // calendar feeds ask for one on every request).
    static PARSED: std::sync::OnceLock<std::sync::Mutex<std::collections::BTreeMap<String, Template>>> =
        std::sync::OnceLock::new();
    let cache = PARSED.get_or_init(Default::default);
    if let Some(t) = cache.lock().ok().and_then(|c| c.get(id).cloned()) {
        return Ok(t);
    }
    let t = parse_template(id)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(id.to_owned(), t.clone());
    }
    Ok(t)
}

fn parse_template(id: &str) -> Result<Template, ProgrammeError> {
    let path = format!("{id}/template.toml");
    let Some((_, text)) = PROGRAMME_FILES.iter().find(|(p, _)| *p == path) else {
        return Err(ProgrammeError::UnknownTemplate { id: id.to_owned(), known: template_ids().join(", ") });
    };
    let t = Template::parse(&String::from_utf8_lossy(text))
        .map_err(|source| ProgrammeError::Template { path: path.clone(), source })?;
    if let Some(r) = &t.rule_set
        && !bundled_ids().contains(&r.as_str())
    {
        return Err(ProgrammeError::Template {
            path,
            source: TemplateError::Invalid(format!("rule_set '{r}' is not a bundled rule set")),
        });
    }
    Ok(t)
}

/// Ids of the bundled rule sets.
pub fn bundled_ids() -> Vec<&'static str> {
    PROGRAMME_FILES.iter().filter_map(|(p, _)| p.strip_suffix("/rules.toml")).collect()
}

/// Loads a bundled rule set by id, or a rule set from a `rules.toml` path.
pub fn load_rule_set(spec: &str, opts: &ImportOptions) -> Result<LoadedRuleSet, ProgrammeError> {
    let path = Path::new(spec);
    if spec.ends_with(".toml") || path.is_file() {
        let text =
            std::fs::read_to_string(path).map_err(|source| ProgrammeError::Io { path: spec.to_owned(), source })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        return load(&text, spec, opts, |file| {
            let p = dir.join(file);
            std::fs::read(&p).map_err(|_| ProgrammeError::MissingAreaFile { file: p.display().to_string() })
        });
    }
    let rules_path = format!("{spec}/rules.toml");
    let Some((_, text)) = PROGRAMME_FILES.iter().find(|(p, _)| *p == rules_path) else {
        return Err(ProgrammeError::Unknown { id: spec.to_owned(), known: bundled_ids().join(", ") });
    };
    let text = String::from_utf8_lossy(text);
    let mut loaded = load(&text, &rules_path, opts, |file| {
        let want = format!("{spec}/{file}");
        PROGRAMME_FILES
            .iter()
            .find(|(p, _)| *p == want)
            .map(|(_, b)| b.to_vec())
            .ok_or(ProgrammeError::MissingAreaFile { file: want })
    })?;
    loaded.origin = "bundled".into();
    Ok(loaded)
}

fn load(
    text: &str,
    path: &str,
    opts: &ImportOptions,
    read: impl Fn(&str) -> Result<Vec<u8>, ProgrammeError>,
) -> Result<LoadedRuleSet, ProgrammeError> {
    let rules = RuleSet::parse(text).map_err(|source| ProgrammeError::Rules { path: path.to_owned(), source })?;
    let mut members = Vec::new();
    for area in &rules.areas {
        let Some(file) = &area.file else { continue };
        let bytes = read(file)?;
        let mut o = opts.clone();
        o.area_set = Some(area.set.clone());
        let parsed = read_bytes(file, &bytes, &o)
            .map_err(|e| ProgrammeError::AreaFile { file: file.clone(), problem: e.to_string() })?;
        if parsed.format != Format::AreaList {
            return Err(ProgrammeError::AreaFile {
                file: file.clone(),
                problem: format!("it reads as {}, not an area list", parsed.format.describe()),
            });
        }
        if let Some(first) = parsed.report.errors.first() {
            return Err(ProgrammeError::AreaFile { file: file.clone(), problem: first.to_string() });
        }
        members.extend(parsed.records.areas);
    }
    Ok(LoadedRuleSet { rules, members, origin: path.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ImportOptions {
        ImportOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"))
    }

    #[test]
    fn bundled_templates_load_and_name_bundled_rule_sets() {
        let all = templates().expect("every bundled template is valid");
        let ids: Vec<&str> = all.iter().map(|t| t.id.as_str()).collect();
        assert!(ids.contains(&"tlif-2017") && ids.contains(&"partnership-3-year"), "{ids:?}");
        let tlif = load_template("tlif-2017").expect("tlif");
        assert_eq!((tlif.networks.size, tlif.years, tlif.components.len()), (4, 1, 6));
        assert_eq!(load_template("partnership-3-year").expect("3-year").strands.len(), 5);
        let e = load_template("nope").expect_err("unknown");
        assert!(e.to_string().contains("Templates available: "), "{e}");
    }

    #[test]
    fn bundled_rule_sets_load_with_their_areas() {
        assert!(bundled_ids().contains(&"tlif-2017"));
        for id in bundled_ids() {
            load_rule_set(id, &opts()).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
        let t = load_rule_set("tlif-2017", &opts()).expect("tlif");
        assert_eq!(t.rules.id, "tlif-2017");
        let oa: Vec<_> = t.members.iter().filter(|m| m.area_set == "opportunity-areas-2017").collect();
        assert_eq!(oa.len(), 13, "12 areas, 13 districts");
        assert!(t.members.iter().any(|m| m.area_set == "achieving-excellence-6" && m.area == "Crawley"));
    }

    #[test]
    fn unknown_rule_sets_are_named() {
        let e = load_rule_set("tlif-2016", &opts()).expect_err("unknown");
        let msg = e.to_string();
        assert!(msg.contains("'tlif-2016'") && msg.contains("tlif-2017"), "{msg}");
        let e = load_rule_set("/no/such/rules.toml", &opts()).expect_err("missing file");
        assert!(e.to_string().contains("/no/such/rules.toml"), "{e}");
    }

    #[test]
    fn a_rule_set_on_disk_reads_its_area_file_beside_it() {
        let dir = tempfile::tempdir().expect("dir");
        let bundled = PROGRAMME_FILES.iter().find(|(p, _)| *p == "tlif-2017/rules.toml").expect("rules").1;
        std::fs::write(dir.path().join("rules.toml"), bundled).expect("write");
        let path = dir.path().join("rules.toml");
        let e = load_rule_set(path.to_str().expect("path"), &opts()).expect_err("area files missing");
        assert!(matches!(e, ProgrammeError::MissingAreaFile { .. }), "{e}");
        for f in ["opportunity_areas_2017.csv", "achieving_excellence_6.csv", "achieving_excellence_5_known.csv"] {
            let b = PROGRAMME_FILES.iter().find(|(p, _)| p.ends_with(f)).expect("file").1;
            std::fs::write(dir.path().join(f), b).expect("write");
        }
        let t = load_rule_set(path.to_str().expect("path"), &opts()).expect("loads");
        assert!(t.origin.ends_with("rules.toml"));
        std::fs::write(dir.path().join("opportunity_areas_2017.csv"), "opportunity_area,lad17cd\nX,E0700014\n")
            .expect("w");
        let e = load_rule_set(path.to_str().expect("path"), &opts()).expect_err("bad code");
        assert!(e.to_string().contains("E0700014"), "{e}");
    }
}
