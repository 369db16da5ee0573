//! The directory: search text, filters, paging.

use aspire_core::ofsted::Grade;
use aspire_store::{DirectoryQuery, OfstedFilter};

use crate::{BUNDLED, TestDb, import, parse};

fn q() -> DirectoryQuery {
    DirectoryQuery { page: 1, per_page: 50, ..DirectoryQuery::default() }
}

#[tokio::test]
async fn search_by_name_urn_postcode_and_la_with_filters() {
    for t in TestDb::all().await {
        for f in BUNDLED {
            import(&t.db, &parse(f)).await;
        }
        let db = &t.db;
        let all = db.search_schools(&q()).await.expect("all");
        assert!(all.total > 2000, "{}", all.total);
        assert_eq!(all.rows.len(), 50);

        let by_name =
            db.search_schools(&DirectoryQuery { text: Some("alton infant".into()), ..q() }).await.expect("name");
        assert!(by_name.rows.iter().any(|s| s.urn.get() == 115850), "case-insensitive name match");

        let by_urn = db.search_schools(&DirectoryQuery { text: Some("143966".into()), ..q() }).await.expect("urn");
        assert_eq!(by_urn.rows.first().map(|s| s.urn.get()), Some(143966));

        let by_pc =
            db.search_schools(&DirectoryQuery { text: Some("gu34 1dh".into()), ..q() }).await.expect("postcode");
        assert!(by_pc.rows.iter().any(|s| s.urn.get() == 115850), "postcode, any case and spacing");

        let by_la = db.search_schools(&DirectoryQuery { text: Some("Blackpool".into()), ..q() }).await.expect("la");
        assert!(by_la.total > 30, "LA name match: {}", by_la.total);

        // Punctuation is not what people remember of a name: "St Mary's" and "St Marys" find the
        // same schools.
        let apostrophe =
            db.search_schools(&DirectoryQuery { text: Some("st mary's".into()), ..q() }).await.expect("quote");
        let plain = db.search_schools(&DirectoryQuery { text: Some("St Marys".into()), ..q() }).await.expect("plain");
        assert!(apostrophe.total > 0 && apostrophe.total == plain.total);
        assert!(
            apostrophe
                .rows
                .iter()
                .all(|s| aspire_store::search_text(s.name.as_deref().unwrap_or("")).contains("st marys")
                    || aspire_store::search_text(s.town.as_deref().unwrap_or("")).contains("st marys"))
        );
        let bang = db.search_schools(&DirectoryQuery { text: Some("zq!xw".into()), ..q() }).await.expect("escape char");
        assert_eq!(bang.total, 0);

        let wildcard = db.search_schools(&DirectoryQuery { text: Some("%".into()), ..q() }).await.expect("escape");
        assert_eq!(wildcard.total, 0, "a % in the search is a character, not a wildcard");

        let la = db.search_schools(&DirectoryQuery { la_code: Some(890), ..q() }).await.expect("la filter");
        assert!(la.rows.iter().all(|s| s.la_code == Some(890)) && la.total > 0);

        let ri = db
            .search_schools(&DirectoryQuery {
                la_code: Some(890),
                ofsted: Some(OfstedFilter::Grade(Grade::RequiresImprovement)),
                ..q()
            })
            .await
            .expect("ofsted filter");
        assert!(ri.total > 0 && ri.total < la.total);
        assert!(
            ri.rows.iter().all(|s| s.latest_inspection.map(|i| i.judgement.grade) == Some(Grade::RequiresImprovement))
        );

        let none = db.search_schools(&DirectoryQuery { ofsted: Some(OfstedFilter::None), ..q() }).await.expect("none");
        assert!(none.rows.iter().all(|s| s.latest_inspection.is_none()));

        let primary = db.search_schools(&DirectoryQuery { phase: Some("Primary".into()), ..q() }).await.expect("phase");
        assert!(primary.rows.iter().all(|s| s.phase.as_deref() == Some("Primary")));

        // Paging: page 2 continues page 1, and the export (per_page 0) returns everything.
        let p2 = db.search_schools(&DirectoryQuery { page: 2, ..q() }).await.expect("page 2");
        assert_ne!(p2.rows[0].urn, all.rows[0].urn);
        let everything = db.search_schools(&DirectoryQuery { per_page: 0, ..q() }).await.expect("export");
        assert_eq!(everything.rows.len() as u64, everything.total);

        let opts = db.filter_options().await.expect("options");
        assert!(opts.phases.contains(&"Primary".to_owned()));
        assert!(opts.las.iter().any(|(c, n)| *c == 850 && n == "Hampshire"));
        t.cleanup().await;
    }
}
