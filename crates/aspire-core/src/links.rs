//! GIAS establishment links: how a school's URN changes over its life.
//!
//! A maintained school that converts to an academy closes and a new establishment with a new
//! URN opens; GIAS links the two ("Predecessor" on the new one, "Successor" on the old one).
//! A school's history (Ofsted, KS2) is followed across these links, in both directions, for as
//! many steps as the chain has.

use std::collections::{BTreeSet, VecDeque};

use chrono::NaiveDate;
use serde::Serialize;

use crate::urn::Urn;

/// What a link says about the linked establishment, seen from the establishment that has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LinkRelation {
    /// The linked establishment came before this one ("Predecessor", "Predecessor - merged", ...).
    Predecessor,
    /// The linked establishment came after this one ("Successor", "Successor - amalgamated", ...).
    Successor,
    /// Related without an order the history can follow (sixth-form links, "Result of Amalgamation",
    /// "Split School", "Other"): shown, not followed.
    Related,
}

impl LinkRelation {
    /// Classifies a GIAS LinkType.
    pub fn of_link_type(link_type: &str) -> LinkRelation {
        let t = link_type.trim_start().as_bytes();
        let starts = |word: &str| t.get(..word.len()).is_some_and(|p| p.eq_ignore_ascii_case(word.as_bytes()));
        if starts("predecessor") {
            LinkRelation::Predecessor
        } else if starts("successor") {
            LinkRelation::Successor
        } else {
            LinkRelation::Related
        }
    }
}

/// One row of the GIAS links file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EstablishmentLink {
    pub urn: Urn,
    pub link_urn: Urn,
    pub link_name: Option<String>,
    /// The GIAS LinkType text, kept as published.
    pub link_type: String,
    pub established: Option<NaiveDate>,
}

impl EstablishmentLink {
    pub fn relation(&self) -> LinkRelation {
        LinkRelation::of_link_type(&self.link_type)
    }
}

/// A URN reached by following links, and how far away it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedUrn {
    pub urn: Urn,
    /// 1 for a direct predecessor/successor, 2 for one of theirs, and so on.
    pub steps: u32,
    /// The URN this one was reached from.
    pub via: Urn,
}

/// Everything before and after a school in its chain of URNs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Lineage {
    /// Nearest first.
    pub predecessors: Vec<LinkedUrn>,
    /// Nearest first.
    pub successors: Vec<LinkedUrn>,
}

/// The predecessor/successor links of many schools, ready to walk from any of them.
#[derive(Debug, Clone, Default)]
pub struct LinkGraph {
    /// Directed edges (earlier, later), sorted and without repeats; and each reversed, as
    /// (later, earlier). Sorted lists rather than maps: the register has tens of thousands.
    later: Vec<(Urn, Urn)>,
    earlier: Vec<(Urn, Urn)>,
}

impl LinkGraph {
    /// Links may be given from either side (GIAS lists both); "related" links are not followed.
    pub fn new<'a>(links: impl IntoIterator<Item = &'a EstablishmentLink>) -> LinkGraph {
        Self::from_relations(links.into_iter().map(|l| (l.urn, l.link_urn, l.relation())))
    }

    /// From (URN, linked URN, what the linked one is to the first), as [`LinkGraph::new`].
    pub fn from_relations(links: impl IntoIterator<Item = (Urn, Urn, LinkRelation)>) -> LinkGraph {
        let mut later = Vec::new();
        for (urn, link_urn, relation) in links {
            let (before, after) = match relation {
                LinkRelation::Predecessor => (link_urn, urn),
                LinkRelation::Successor => (urn, link_urn),
                LinkRelation::Related => continue,
            };
            if before != after {
                later.push((before, after));
            }
        }
        later.sort_unstable();
        later.dedup();
        let mut earlier: Vec<(Urn, Urn)> = later.iter().map(|&(b, a)| (a, b)).collect();
        earlier.sort_unstable();
        LinkGraph { later, earlier }
    }

    /// URNs that some other URN came after.
    pub fn earlier_urns(&self) -> impl Iterator<Item = Urn> + '_ {
        let mut last = None;
        self.later.iter().map(|e| e.0).filter(move |u| last.replace(*u) != Some(*u))
    }

    /// Whether some other URN came after `urn`.
    pub fn is_earlier(&self, urn: Urn) -> bool {
        !edges_from(&self.later, urn).is_empty()
    }

    /// Everything before and after `start`; cycles, which real data occasionally has, are cut.
    pub fn lineage(&self, start: Urn) -> Lineage {
        let predecessors = bfs(start, &self.earlier);
        let pred_set: BTreeSet<Urn> = predecessors.iter().map(|p| p.urn).collect();
        // A URN cannot be both before and after the school; a cycle would make it so.
        let successors = bfs(start, &self.later).into_iter().filter(|s| !pred_set.contains(&s.urn)).collect();
        Lineage { predecessors, successors }
    }
}

impl Lineage {
    /// Walks the links from `start` in both directions (see [`LinkGraph`]).
    pub fn walk(start: Urn, links: &[EstablishmentLink]) -> Lineage {
        LinkGraph::new(links).lineage(start)
    }

    /// Every URN in the chain, the school's own first.
    pub fn all_urns(&self, start: Urn) -> Vec<Urn> {
        std::iter::once(start)
            .chain(self.predecessors.iter().map(|p| p.urn))
            .chain(self.successors.iter().map(|s| s.urn))
            .collect()
    }

    /// The first predecessor, nearest first, that `of` finds something for (an inspection, say),
    /// with what it found: how a new school inherits its old school's judgement.
    pub fn nearest_predecessor_with<T>(&self, mut of: impl FnMut(Urn) -> Option<T>) -> Option<(&LinkedUrn, T)> {
        self.predecessors.iter().find_map(|p| of(p.urn).map(|t| (p, t)))
    }

    /// The school's own `T` (its latest inspection, say), else its nearest predecessor's, with
    /// the predecessor it came from. The one rule by which a school without an inspection of
    /// its own is given one: eligibility, the directory and the school page all follow it.
    pub fn own_or_inherited<T>(
        &self,
        own: Urn,
        mut of: impl FnMut(Urn) -> Option<T>,
    ) -> Option<(T, Option<&LinkedUrn>)> {
        match of(own) {
            Some(t) => Some((t, None)),
            None => self.nearest_predecessor_with(of).map(|(p, t)| (t, Some(p))),
        }
    }

    /// How `urn` relates to the school: `None` for the school itself or an unrelated URN.
    pub fn relation_of(&self, urn: Urn) -> Option<(LinkRelation, u32)> {
        if let Some(p) = self.predecessors.iter().find(|p| p.urn == urn) {
            return Some((LinkRelation::Predecessor, p.steps));
        }
        self.successors.iter().find(|s| s.urn == urn).map(|s| (LinkRelation::Successor, s.steps))
    }
}

/// The edges leaving `from`, in order of the URN they lead to.
fn edges_from(edges: &[(Urn, Urn)], from: Urn) -> &[(Urn, Urn)] {
    let start = edges.partition_point(|e| e.0 < from);
    let end = start + edges[start..].partition_point(|e| e.0 == from);
    &edges[start..end]
}

fn bfs(start: Urn, edges: &[(Urn, Urn)]) -> Vec<LinkedUrn> {
    // Most schools have no links at all: answer them without allocating.
    if edges_from(edges, start).is_empty() {
        return Vec::new();
    }
    let mut seen = BTreeSet::from([start]);
    let mut out = Vec::new();
    let mut queue = VecDeque::from([(start, 0u32)]);
    while let Some((u, steps)) = queue.pop_front() {
        for &(_, next) in edges_from(edges, u) {
            if seen.insert(next) {
                out.push(LinkedUrn { urn: next, steps: steps + 1, via: u });
                queue.push_back((next, steps + 1));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urn(n: u32) -> Urn {
        Urn::try_from(n).expect("valid test URN")
    }

    fn link(a: u32, b: u32, t: &str) -> EstablishmentLink {
        EstablishmentLink { urn: urn(a), link_urn: urn(b), link_name: None, link_type: t.into(), established: None }
    }

    #[test]
    fn a_school_without_its_own_takes_its_nearest_predecessors() {
        // 3 came after 2, which came after 1; 2 has nothing, 1 has.
        let l = Lineage::walk(urn(100003), &[link(100003, 100002, "Predecessor"), link(100002, 100001, "Predecessor")]);
        let has = |u: Urn| (u == urn(100001) || u == urn(100003)).then_some(u.get());
        assert_eq!(l.own_or_inherited(urn(100003), has), Some((100003, None)), "its own first");
        let (got, from) =
            l.own_or_inherited(urn(100003), |u| (u == urn(100001)).then_some(u.get())).expect("inherited");
        assert_eq!((got, from.map(|p| p.steps)), (100001, Some(2)), "two steps back");
        assert_eq!(l.own_or_inherited(urn(100003), |_| None::<u32>), None);
        let nearest = l.own_or_inherited(urn(100003), |u| (u != urn(100003)).then_some(u.get()));
        assert_eq!(nearest.map(|(t, _)| t), Some(100002), "the nearest predecessor that has one");
    }

    #[test]
    fn classifies_gias_link_types() {
        use LinkRelation::*;
        for (t, r) in [
            ("Predecessor", Predecessor),
            ("Predecessor - merged", Predecessor),
            ("Predecessor - amalgamated", Predecessor),
            ("Predecessor - Split School", Predecessor),
            ("Successor", Successor),
            ("Successor - merged", Successor),
            ("Result of Amalgamation", Related),
            ("Sixth Form Centre Link", Related),
            ("Other", Related),
        ] {
            assert_eq!(LinkRelation::of_link_type(t), r, "{t}");
        }
    }

    #[test]
    fn follows_chains_both_ways_from_either_side() {
        // 143966 (academy) <- 133771 <- 114712 and 114713 (amalgamated schools), listed from mixed sides.
        let links = [
            link(143966, 133771, "Predecessor"),
            link(133771, 143966, "Successor"),
            link(114712, 133771, "Successor"),
            link(114713, 133771, "Successor"),
            link(143966, 150000, "Successor"),
            link(143966, 140000, "Sixth Form Centre Link"),
        ];
        let l = Lineage::walk(urn(143966), &links);
        let preds: Vec<(u32, u32)> = l.predecessors.iter().map(|p| (p.urn.get(), p.steps)).collect();
        assert_eq!(preds, vec![(133771, 1), (114712, 2), (114713, 2)]);
        let succ: Vec<u32> = l.successors.iter().map(|s| s.urn.get()).collect();
        assert_eq!(succ, vec![150000]);
        assert_eq!(l.relation_of(urn(114712)), Some((LinkRelation::Predecessor, 2)));
        assert_eq!(l.relation_of(urn(140000)), None);

        // And from the middle of the chain, the academy is a successor.
        let mid = Lineage::walk(urn(133771), &links);
        assert_eq!(mid.successors.iter().map(|s| s.urn.get()).collect::<Vec<_>>(), vec![143966, 150000]);

        // URNs with something after them, each once, in order; the sixth-form link counts for none.
        let graph = LinkGraph::new(&links);
        assert_eq!(graph.earlier_urns().map(Urn::get).collect::<Vec<_>>(), vec![114712, 114713, 133771, 143966]);
        assert!(graph.is_earlier(urn(133771)));
        assert!(!graph.is_earlier(urn(150000)) && !graph.is_earlier(urn(140000)));
    }

    #[test]
    fn link_types_are_read_whatever_their_case_and_leading_spaces() {
        assert_eq!(LinkRelation::of_link_type("  PREDECESSOR - merged"), LinkRelation::Predecessor);
        assert_eq!(LinkRelation::of_link_type("successor"), LinkRelation::Successor);
        assert_eq!(LinkRelation::of_link_type("Succ"), LinkRelation::Related);
        assert_eq!(LinkRelation::of_link_type(""), LinkRelation::Related);
    }

    #[test]
    fn cycles_terminate() {
        let links = [link(100001, 100002, "Predecessor"), link(100002, 100001, "Predecessor")];
        let l = Lineage::walk(urn(100001), &links);
        assert_eq!(l.predecessors.len(), 1);
        assert!(l.successors.is_empty());
    }
}
