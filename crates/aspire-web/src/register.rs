//! What the public school pages derive from the register alone, kept until the next import.
//!
//! The register changes only when a file is imported, and every instance can tell from the
//! newest import's id ([`Db::register_generation`], one indexed read per request) whether what
//! it keeps is still right; so the directory index, the national figures and recently shown
//! school profiles are computed once per import, by whichever request first needs them, and
//! shared by the requests after it. This is an optimisation only: any instance recomputes
//! what it lacks, and nothing here is needed for correctness.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use aspire_core::urn::Urn;
use aspire_store::{Db, DirectoryIndex, NationalTable, SchoolProfile};

use crate::WebError;

/// Profiles kept per generation; past this many the oldest half is forgotten.
const PROFILES_KEPT: usize = 4096;

/// School profiles by URN (`None`: nothing known of it), with the order they were kept in.
type Profiles = (HashMap<Urn, Arc<Option<SchoolProfile>>>, Vec<Urn>);

/// One generation of the register, as the pages use it.
#[derive(Debug)]
pub struct Generation {
    pub id: i64,
    pub directory: DirectoryIndex,
    pub national: NationalTable,
    /// School profiles shown since this generation began, with the order they were first shown.
    profiles: Mutex<Profiles>,
}

#[derive(Debug, Clone, Default)]
pub struct RegisterCache {
    current: Arc<RwLock<Option<Arc<Generation>>>>,
    /// Held while a generation is built, so that requests arriving together build it once.
    building: Arc<tokio::sync::Mutex<()>>,
}

impl RegisterCache {
    fn kept(&self, id: i64) -> Option<Arc<Generation>> {
        self.current.read().ok().and_then(|g| g.as_ref().filter(|g| g.id == id).cloned())
    }

    /// The register as it is now.
    pub async fn current(&self, db: &Db) -> Result<Arc<Generation>, WebError> {
        let id = db.register_generation().await?;
        if let Some(g) = self.kept(id) {
            return Ok(g);
        }
        let _one_builder = self.building.lock().await;
        if let Some(g) = self.kept(id) {
            return Ok(g);
        }
        let g = Arc::new(Generation {
            id,
            directory: db.directory_index().await?,
            national: db.national_table().await?,
            profiles: Mutex::new((HashMap::new(), Vec::new())),
        });
        if let Ok(mut slot) = self.current.write() {
            *slot = Some(g.clone());
        }
        Ok(g)
    }

    /// A school's profile (`None`: nothing is known of the URN).
    pub async fn profile(&self, db: &Db, urn: Urn) -> Result<Arc<Option<SchoolProfile>>, WebError> {
        let g = self.current(db).await?;
        if let Some(p) = g.profiles.lock().ok().and_then(|p| p.0.get(&urn).cloned()) {
            return Ok(p);
        }
        let p = Arc::new(db.school_profile_with(urn, &g.national).await?);
        if let Ok(mut kept) = g.profiles.lock() {
            let (map, order) = &mut *kept;
            if map.len() >= PROFILES_KEPT {
                let old: Vec<Urn> = order.drain(..PROFILES_KEPT / 2).collect();
                for u in old {
                    map.remove(&u);
                }
            }
            if map.insert(urn, p.clone()).is_none() {
                order.push(urn);
            }
        }
        Ok(p)
    }
}
