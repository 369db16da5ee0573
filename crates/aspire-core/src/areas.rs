//! Area sets: named areas (an Opportunity Area, a category 5 district) made of local authority
//! districts or whole local authorities, and whether a school lies in one.

use serde::Serialize;

use crate::codes::{LaCode, LadCode};

/// One member (a district or a whole LA) of a named area in an area set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaMember {
    pub area_set: String,
    pub area: String,
    pub wave: Option<i64>,
    /// As published, e.g. "2016-10".
    pub announced: Option<String>,
    pub lad_code: Option<LadCode>,
    pub lad_name: Option<String>,
    /// The DfE LA the member lies in: the LA itself for a unitary, metropolitan or London
    /// member, the county for a district of a two-tier county.
    pub la_code: Option<LaCode>,
    pub la_name: Option<String>,
}

impl AreaMember {
    /// The member's key within its area: the district code, or the LA code for a whole LA.
    pub fn member_key(&self) -> String {
        match (&self.lad_code, self.la_code) {
            (Some(lad), _) => lad.to_string(),
            (None, Some(la)) => format!("LA{la}"),
            (None, None) => String::new(),
        }
    }

    /// Whether the member is a whole local authority, so that a school's DfE LA code settles
    /// membership. ONS codes say so: E06 unitary authorities, E08 metropolitan districts and E09
    /// London boroughs are LAs; E07 districts lie inside a county LA.
    pub fn is_whole_la(&self) -> bool {
        match &self.lad_code {
            Some(lad) => !lad.as_str().starts_with("E07"),
            None => self.la_code.is_some(),
        }
    }
}
