//! The school directory: every school's line, read in one query into a [`DirectoryIndex`]
//! that answers searches, filters, counts and pages in memory.
//!
//! The register changes only when a file is imported, so a server keeps the index until the
//! next import (see [`Db::register_generation`]) and a search costs a scan of a few megabytes of
//! prepared text instead of a query over every school. Exports and the command line build an
//! index for the one search. There is one set of search rules, here.

use memchr::memmem;

use aspire_core::links::{Lineage, LinkGraph};
use aspire_core::ofsted::{Grade, Inspection};
use aspire_core::urn::Urn;

use aspire_core::establishment::type_label;

use crate::sql::Sql;
use crate::{Db, Result};

/// A line of the school directory.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolSummary {
    pub urn: Urn,
    pub name: Option<String>,
    pub la_code: Option<i64>,
    pub la_name: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub phase: Option<String>,
    /// The type's one label ([`type_label`]: GIAS's name, whichever file gave it).
    pub type_name: Option<String>,
    pub status: Option<String>,
    pub pupils: Option<i64>,
    /// The latest graded inspection under this URN, else (a school with none, such as a new
    /// academy) its nearest predecessor's, by the rule eligibility follows
    /// ([`Lineage::own_or_inherited`]). Its `urn` says whose it is.
    pub latest_inspection: Option<Inspection>,
}

impl SchoolSummary {
    /// The URN of the predecessor whose judgement is shown, when it is not the school's own.
    pub fn judgement_of_predecessor(&self) -> Option<Urn> {
        self.latest_inspection.map(|i| i.urn).filter(|u| *u != self.urn)
    }
}

/// Which inspection outcome the directory is filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfstedFilter {
    /// The school's judgement (its own, or inherited from a predecessor) is of this grade.
    Grade(Grade),
    /// No graded inspection under this URN or any predecessor's.
    None,
}

/// What the directory is ordered by. Schools without the value come last either way, and
/// schools with equal values are in name order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Name,
    La,
    Type,
    /// Grade 1 (Outstanding) first.
    Ofsted,
    Pupils,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [SortKey::Name, SortKey::La, SortKey::Type, SortKey::Ofsted, SortKey::Pupils];

    /// The word in a directory address (`?sort=la`).
    pub fn code(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::La => "la",
            SortKey::Type => "type",
            SortKey::Ofsted => "ofsted",
            SortKey::Pupils => "pupils",
        }
    }

    pub fn from_code(code: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.code() == code)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A directory search. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectoryQuery {
    /// Name, URN, postcode, town or LA name.
    pub text: Option<String>,
    pub phase: Option<String>,
    pub type_name: Option<String>,
    pub status: Option<String>,
    pub la_code: Option<i64>,
    pub ofsted: Option<OfstedFilter>,
    pub sort: SortKey,
    /// Largest (or last) first.
    pub descending: bool,
    /// 1-based. A page after the last is answered with the last (see [`DirectoryPage::page`]).
    pub page: u64,
    /// 0: every match (for exports).
    pub per_page: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryPage {
    pub rows: Vec<SchoolSummary>,
    pub total: u64,
    /// The page these rows are: the one asked for, or the last when it asked for one after it.
    pub page: u64,
    /// How many pages the matches fill (at least 1).
    pub pages: u64,
}

/// Values the directory can be filtered on, from what is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterOptions {
    pub phases: Vec<String>,
    pub types: Vec<String>,
    pub statuses: Vec<String>,
    /// (LA code, name)
    pub las: Vec<(i64, String)>,
}

/// Text as the directory compares it: lower case, apostrophes dropped ("St Mary's" is "st
/// marys"), every other run of punctuation or space one space.
pub fn search_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if matches!(c, '\'' | '’' | '‘' | '`') {
            continue;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A postcode as compared: upper case, no spaces.
fn compact_postcode(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect()
}

/// Every school's directory line, sorted by name, with the text a search looks through.
#[derive(Debug, Clone, Default)]
pub struct DirectoryIndex {
    rows: Vec<SchoolSummary>,
    /// Each row's name, town and LA name as [`search_text`], separated by `\n` and ended by
    /// `\n`, all rows one after another: one substring scan finds every match.
    haystack: String,
    /// Where each row's text starts in `haystack` (plus the end), for mapping a match to a row.
    starts: Vec<usize>,
    /// Each row's postcode, compacted.
    postcodes: Vec<String>,
    /// For each [`SortKey`], the rows in its ascending and descending order.
    orders: Vec<[Vec<u32>; 2]>,
    options: FilterOptions,
}

/// The rows in the order of `key`, values missing last, then in name order.
fn order_by<K: Ord>(rows: &[SchoolSummary], descending: bool, key: impl Fn(&SchoolSummary) -> Option<K>) -> Vec<u32> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    let keys: Vec<Option<K>> = rows.iter().map(key).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (&keys[a as usize], &keys[b as usize]);
        let by_value = match (ka, kb) {
            (Some(x), Some(y)) if descending => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_value.then(a.cmp(&b))
    });
    order
}

impl DirectoryIndex {
    /// Builds the index from directory lines in any order.
    pub fn new(mut rows: Vec<SchoolSummary>) -> DirectoryIndex {
        // A few dozen distinct types among tens of thousands of schools: label each once.
        let mut labels: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        for s in &mut rows {
            if let Some(t) = s.type_name.take() {
                let label = labels.entry(t).or_insert_with_key(|t| type_label(t));
                s.type_name = Some(label.clone());
            }
        }
        // By name as people read it (case aside), then URN; schools without a name last.
        rows.sort_by_cached_key(|s| (s.name.is_none(), s.name.as_deref().map(str::to_lowercase), s.urn));
        let mut haystack = String::with_capacity(rows.len() * 64);
        let mut starts = Vec::with_capacity(rows.len() + 1);
        let mut postcodes = Vec::with_capacity(rows.len());
        for s in &rows {
            starts.push(haystack.len());
            for field in [&s.name, &s.town, &s.la_name] {
                haystack.push_str(&search_text(field.as_deref().unwrap_or("")));
                haystack.push('\n');
            }
            postcodes.push(compact_postcode(s.postcode.as_deref().unwrap_or("")));
        }
        starts.push(haystack.len());
        let distinct = |f: fn(&SchoolSummary) -> Option<&String>| {
            let mut v: Vec<String> = rows.iter().filter_map(|s| f(s).cloned()).collect();
            v.sort();
            v.dedup();
            v
        };
        let mut las: Vec<(i64, String)> = rows
            .iter()
            .filter_map(|s| s.la_code.map(|c| (c, s.la_name.clone().unwrap_or_else(|| format!("LA {c}")))))
            .collect();
        las.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
        las.dedup_by_key(|(c, _)| *c);
        las.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
        let options = FilterOptions {
            phases: distinct(|s| s.phase.as_ref()),
            types: distinct(|s| s.type_name.as_ref()),
            statuses: distinct(|s| s.status.as_ref()),
            las,
        };
        let orders = SortKey::ALL
            .iter()
            .map(|&k| {
                let order = |desc: bool| match k {
                    SortKey::Name if desc => {
                        let named = rows.iter().filter(|s| s.name.is_some()).count() as u32;
                        (0..named).rev().chain(named..rows.len() as u32).collect()
                    }
                    SortKey::Name => (0..rows.len() as u32).collect(),
                    SortKey::La => order_by(&rows, desc, |s| s.la_name.as_deref().map(str::to_lowercase)),
                    SortKey::Type => order_by(&rows, desc, |s| s.type_name.as_deref().map(str::to_lowercase)),
                    SortKey::Ofsted => order_by(&rows, desc, |s| s.latest_inspection.map(|i| i.judgement.grade)),
                    SortKey::Pupils => order_by(&rows, desc, |s| s.pupils),
                };
                [order(false), order(true)]
            })
            .collect();
        DirectoryIndex { rows, haystack, starts, postcodes, orders, options }
    }

    pub fn options(&self) -> &FilterOptions {
        &self.options
    }

    /// Schools in the register.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows a search's text matches, as a mask: name, town or LA name containing it (as
    /// [`search_text`]), a postcode starting with it (spaces and case aside), or the URN.
    fn text_matches(&self, text: &str) -> Vec<bool> {
        let mut hit = vec![false; self.rows.len()];
        let needle = search_text(text);
        if !needle.is_empty() {
            let mut row = 0;
            for at in memmem::find_iter(self.haystack.as_bytes(), needle.as_bytes()) {
                // Matches come in order: move the row forward to the one holding `at`.
                while self.starts[row + 1] <= at {
                    row += 1;
                }
                hit[row] = true;
            }
        }
        let pc = compact_postcode(text);
        if pc.len() >= 2 {
            for (i, p) in self.postcodes.iter().enumerate() {
                if p.starts_with(&pc) {
                    hit[i] = true;
                }
            }
        }
        if let Ok(urn) = Urn::parse(text.trim())
            && let Some(i) = self.rows.iter().position(|s| s.urn == urn)
        {
            hit[i] = true;
        }
        hit
    }

    /// A page of the directory (or every match when `per_page` is 0).
    pub fn search(&self, q: &DirectoryQuery) -> DirectoryPage {
        let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let mask = text.map(|t| self.text_matches(t));
        // An address made before types were given one label still finds them.
        let type_wanted = q.type_name.as_deref().map(type_label);
        let keep = |i: usize, s: &SchoolSummary| {
            mask.as_ref().is_none_or(|m| m[i])
                && q.phase.as_ref().is_none_or(|p| s.phase.as_ref() == Some(p))
                && type_wanted.as_ref().is_none_or(|t| s.type_name.as_ref() == Some(t))
                && q.status.as_ref().is_none_or(|st| s.status.as_ref() == Some(st))
                && q.la_code.is_none_or(|la| s.la_code == Some(la))
                && match q.ofsted {
                    None => true,
                    Some(OfstedFilter::Grade(g)) => s.latest_inspection.is_some_and(|i| i.judgement.grade == g),
                    Some(OfstedFilter::None) => s.latest_inspection.is_none(),
                }
        };
        let order = &self.orders[q.sort.index()][usize::from(q.descending)];
        let matches: Vec<&SchoolSummary> = order
            .iter()
            .map(|&i| (i as usize, &self.rows[i as usize]))
            .filter(|(i, s)| keep(*i, s))
            .map(|(_, s)| s)
            .collect();
        let total = matches.len() as u64;
        if q.per_page == 0 {
            return DirectoryPage { total, rows: matches.into_iter().cloned().collect(), page: 1, pages: 1 };
        }
        let pages = total.div_ceil(q.per_page).max(1);
        let page = q.page.clamp(1, pages);
        let skip = usize::try_from((page - 1).saturating_mul(q.per_page)).unwrap_or(usize::MAX);
        let take = usize::try_from(q.per_page).unwrap_or(usize::MAX);
        let rows = matches.into_iter().skip(skip).take(take).cloned().collect();
        DirectoryPage { rows, total, page, pages }
    }
}

impl Db {
    /// Every school's directory line, as an index to search.
    pub async fn directory_index(&self) -> Result<DirectoryIndex> {
        let sql = Sql::new(
            "SELECT s.urn, s.name, s.la_code, COALESCE(la.name, s.la_name) AS la_name, s.town, s.postcode, s.phase, \
             s.type_name, s.status, s.number_of_pupils, li.inspection_date, li.grade, li.concern FROM schools s \
             LEFT JOIN local_authorities la ON la.la_code = s.la_code \
             LEFT JOIN ofsted_inspections li ON li.urn = s.urn \
             AND li.inspection_date = (SELECT MAX(x.inspection_date) FROM ofsted_inspections x WHERE x.urn = s.urn)",
        );
        let rows = self
            .fetch(&sql, "reading the directory", |r| {
                let Some(urn) = crate::registry::urn_of(r, "urn")? else { return Ok(None) };
                Ok(Some(SchoolSummary {
                    urn,
                    name: r.text("name")?,
                    la_code: r.int("la_code")?,
                    la_name: r.text("la_name")?,
                    town: r.text("town")?,
                    postcode: r.text("postcode")?,
                    phase: r.text("phase")?,
                    type_name: r.text("type_name")?,
                    status: r.text("status")?,
                    pupils: r.int("number_of_pupils")?,
                    latest_inspection: crate::registry::inspection_of(r, "urn", "inspection_date")?,
                }))
            })
            .await?
            .into_iter()
            .flatten()
            .collect();
        let started = std::time::Instant::now();
        let rows = self.with_inherited_judgements(rows).await?;
        let inherited = started.elapsed();
        let index = DirectoryIndex::new(rows);
        tracing::debug!(
            schools = index.len(),
            inherit_ms = inherited.as_millis() as u64,
            index_ms = (started.elapsed() - inherited).as_millis() as u64,
            "directory: built"
        );
        Ok(index)
    }

    /// Gives each school without a graded inspection of its own its nearest predecessor's
    /// latest, as eligibility does: a converted academy shows, and is found by, its old
    /// school's judgement until it is inspected itself.
    async fn with_inherited_judgements(&self, mut rows: Vec<SchoolSummary>) -> Result<Vec<SchoolSummary>> {
        let links = self.all_links().await?;
        if links.is_empty() {
            return Ok(rows);
        }
        let graph = LinkGraph::new(&links);
        let lineages: Vec<(usize, Lineage)> = rows
            .iter()
            .enumerate()
            .filter(|(_, s)| s.latest_inspection.is_none())
            .map(|(i, s)| (i, graph.lineage(s.urn)))
            .filter(|(_, l)| !l.predecessors.is_empty())
            .collect();
        let mut wanted: Vec<Urn> = lineages.iter().flat_map(|(_, l)| l.predecessors.iter().map(|p| p.urn)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        // The latest of each URN, the worse grade on a tie: as eligibility takes it.
        let mut latest: std::collections::HashMap<Urn, Inspection> = std::collections::HashMap::new();
        for r in self.inspection_records(&wanted).await? {
            let i = r.inspection;
            latest
                .entry(i.urn)
                .and_modify(|held| {
                    if (i.date, i.judgement.grade) > (held.date, held.judgement.grade) {
                        *held = i;
                    }
                })
                .or_insert(i);
        }
        for (i, lineage) in lineages {
            let urn = rows[i].urn;
            rows[i].latest_inspection = lineage
                .own_or_inherited(urn, |u| if u == urn { None } else { latest.get(&u).copied() })
                .map(|(j, _)| j);
        }
        Ok(rows)
    }

    /// A page of the directory (or every match when `per_page` is 0, for exports). Builds the
    /// index for this one search: a server keeps one instead (see the module comment).
    pub async fn search_schools(&self, q: &DirectoryQuery) -> Result<DirectoryPage> {
        Ok(self.directory_index().await?.search(q))
    }

    pub async fn filter_options(&self) -> Result<FilterOptions> {
        Ok(self.directory_index().await?.options().clone())
    }

    /// A number that changes whenever the register may have: the newest import's id. Anything
    /// derived from the register alone (the directory, national figures, school profiles) stays
    /// right while it is unchanged.
    pub async fn register_generation(&self) -> Result<i64> {
        let sql = Sql::new("SELECT MAX(id) AS n FROM imports");
        Ok(self.fetch_one(&sql, "reading the newest import", |r| r.int("n")).await?.flatten().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school(urn: u32, name: &str, town: &str, postcode: &str) -> SchoolSummary {
        SchoolSummary {
            urn: Urn::try_from(urn).expect("urn"),
            name: Some(name.into()),
            la_code: Some(850),
            la_name: Some("Hampshire".into()),
            town: Some(town.into()),
            postcode: Some(postcode.into()),
            phase: Some("Primary".into()),
            type_name: None,
            status: None,
            pupils: None,
            latest_inspection: None,
        }
    }

    #[test]
    fn punctuation_does_not_change_what_a_search_finds() {
        assert_eq!(search_text("St Mary's C.E. (VA) Primary"), "st marys c e va primary");
        let idx = DirectoryIndex::new(vec![
            school(100001, "St Mary's Primary", "Alton", "GU34 1DH"),
            school(100002, "St Marys Infant", "Andover", "SP10 2AA"),
            school(100003, "Green Lane", "St Marys Bay", "TN29 0XX"),
        ]);
        let q = |t: &str| DirectoryQuery { text: Some(t.into()), page: 1, per_page: 50, ..Default::default() };
        let names = |t: &str| -> Vec<u32> { idx.search(&q(t)).rows.iter().map(|s| s.urn.get()).collect() };
        assert_eq!(names("st mary's"), [100003, 100001, 100002]);
        assert_eq!(names("St Marys"), names("st mary's"));
        assert_eq!(names("gu341"), [100001], "a postcode, any spacing");
        assert_eq!(names("100002"), [100002], "a URN");
        assert_eq!(names("hampshire").len(), 3, "the LA's name");
        assert!(names("%").is_empty() && names("a!b").is_empty());
        let all = idx.search(&DirectoryQuery { page: 2, per_page: 2, ..Default::default() });
        assert_eq!((all.total, all.rows.len()), (3, 1), "the last page holds what is left");
        let past = idx.search(&DirectoryQuery { page: 49, per_page: 2, ..Default::default() });
        assert_eq!((past.page, past.pages, past.rows.len()), (2, 2, 1), "a page after the last is the last");
        assert_eq!(names("St. Mary's"), names("st mary's"), "full stops too");
    }
}
