//! The local authorities and districts of the register a programme can recruit in, and a
//! programme's areas with their codes (migration 0010): an area kept from before areas had
//! codes, naming nothing in the register, has none, for the team to fix.

use serde::Serialize;

use aspire_core::access::Visible;
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{AreaChoice, AreaKind};

use crate::sql::{Sql, present};
use crate::{Db, StoreError};

/// A programme's area as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodedArea {
    /// The name shown (the register's spelling).
    pub area: String,
    pub planned_networks: u32,
    /// What it is in the register; `None` for a name kept from before that names nothing there.
    pub kind: Option<AreaKind>,
    pub code: Option<String>,
}

impl Db {
    /// Every local authority and district the register names, LAs first (those of the LA
    /// list, then those known only from its schools), each once.
    pub async fn area_choices(&self) -> Result<Vec<AreaChoice>, StoreError> {
        let mut out: Vec<AreaChoice> = self
            .fetch(
                &Sql::new(
                    "SELECT la_code, name, 0 AS source FROM local_authorities WHERE name IS NOT NULL \
                     UNION SELECT DISTINCT la_code, la_name AS name, 1 AS source FROM schools \
                     WHERE la_code IS NOT NULL AND la_name IS NOT NULL ORDER BY source, name",
                ),
                "reading local authorities",
                |r| {
                    Ok(AreaChoice {
                        kind: AreaKind::La,
                        code: format!("{:03}", present(r.int("la_code")?, "la_code")?),
                        name: present(r.text("name")?, "name")?,
                        within: None,
                    })
                },
            )
            .await?;
        let mut seen = std::collections::HashSet::new();
        out.retain(|c| seen.insert(c.code.clone()));
        out.extend(
            self.fetch(&Sql::new("SELECT lad_code, name FROM lads ORDER BY name"), "reading districts", |r| {
                Ok(AreaChoice {
                    kind: AreaKind::District,
                    code: present(r.text("lad_code")?, "lad_code")?,
                    name: present(r.text("name")?, "name")?,
                    within: None,
                })
            })
            .await?,
        );
        // A district's LA, when the register's schools place all of it in one (one pass).
        let within: std::collections::HashMap<String, String> = self
            .fetch(
                &Sql::new(
                    "SELECT district_code, MIN(la_code) AS la_min, MAX(la_code) AS la_max FROM schools \
                     WHERE district_code IS NOT NULL AND la_code IS NOT NULL GROUP BY district_code",
                ),
                "reading districts' local authorities",
                |r| {
                    let (lo, hi) = (present(r.int("la_min")?, "la_min")?, present(r.int("la_max")?, "la_max")?);
                    Ok((present(r.text("district_code")?, "district_code")?, (lo == hi).then(|| format!("{lo:03}"))))
                },
            )
            .await?
            .into_iter()
            .filter_map(|(d, la)| la.map(|la| (d, la)))
            .collect();
        for c in out.iter_mut().filter(|c| c.kind == AreaKind::District) {
            c.within = within.get(&c.code).cloned();
        }
        Ok(out)
    }

    /// A programme's areas with their codes, by name; empty unless the programme is in
    /// `visible`, as [`Db::programme_areas`].
    pub async fn programme_area_codes(
        &self,
        programme: ProgrammeId,
        visible: &Visible,
    ) -> Result<Vec<CodedArea>, StoreError> {
        if !visible.is_everything()
            && !visible.programmes().contains(&programme)
            && !visible.programmes_reached().contains(&programme)
        {
            return Ok(Vec::new());
        }
        self.fetch(
            &Sql::new(
                "SELECT area, planned_networks, kind, code FROM programme_areas WHERE programme_id = ? ORDER BY area",
            )
            .int(programme),
            "reading a programme's areas",
            |r| {
                let kind = r.text("kind")?;
                Ok(CodedArea {
                    area: present(r.text("area")?, "area")?,
                    planned_networks: u32::try_from(present(r.int("planned_networks")?, "planned_networks")?).map_err(
                        |_| StoreError::Decode {
                            doing: "reading a programme's areas".into(),
                            problem: "a negative number of networks".into(),
                        },
                    )?,
                    kind: match kind {
                        None => None,
                        Some(k) => Some(AreaKind::parse(&k).ok_or_else(|| StoreError::Decode {
                            doing: "reading a programme's areas".into(),
                            problem: format!("'{k}' is not a kind of area"),
                        })?),
                    },
                    code: r.text("code")?,
                })
            },
        )
        .await
    }
}
