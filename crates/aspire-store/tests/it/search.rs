//! The directory: search text, filters, paging.

use aspire_core::ofsted::Grade;
use aspire_store::{DirectoryQuery, OfstedFilter, SortKey};

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

fn read(name: &str, text: &str) -> aspire_import::Parsed {
    let p = aspire_import::read_bytes(name, text.as_bytes(), &crate::opts()).expect("readable");
    assert!(p.report.is_clean(), "{:?}", p.report.errors);
    p
}

#[tokio::test]
async fn a_converted_academy_shows_and_is_found_by_its_predecessors_judgement() {
    for t in TestDb::all().await {
        let db = &t.db;
        for p in [
            read(
                "edubase_20220420.csv",
                "URN,EstablishmentName,TypeOfEstablishment (name),NumberOfPupils\n\
                 990001,Old Lane Primary School,Community school,200\n\
                 990002,Old Lane Academy,Academy converter,210\n\
                 990003,New Road Primary School,Community school,\n",
            ),
            read(
                "links_edubasealldata20250422.csv",
                "URN,LinkURN,LinkName,LinkType,LinkEstablishedDate\n990002,990001,Old Lane Primary School,Predecessor,\n",
            ),
            read(
                "ofsted_ratings.csv",
                "URN,Rating,Inspection Date\n990001,Good,20150304\n990001,Requires Improvement,20120505\n",
            ),
        ] {
            import(db, &p).await;
        }
        let all = db.search_schools(&q()).await.expect("all");
        let academy = all.rows.iter().find(|s| s.urn.get() == 990002).expect("the academy");
        let shown = academy.latest_inspection.expect("the predecessor's judgement");
        assert_eq!((shown.urn.get(), shown.judgement.grade), (990001, Grade::Good));
        assert_eq!(academy.judgement_of_predecessor().map(|u| u.get()), Some(990001));
        let own = all.rows.iter().find(|s| s.urn.get() == 990001).expect("the old school");
        assert_eq!(own.judgement_of_predecessor(), None);

        let good = db
            .search_schools(&DirectoryQuery { ofsted: Some(OfstedFilter::Grade(Grade::Good)), ..q() })
            .await
            .expect("good");
        let urns: Vec<u32> = good.rows.iter().map(|s| s.urn.get()).collect();
        assert_eq!(urns, [990002, 990001], "the academy matches the filter by its predecessor's judgement");
        let none = db.search_schools(&DirectoryQuery { ofsted: Some(OfstedFilter::None), ..q() }).await.expect("none");
        assert_eq!(none.rows.iter().map(|s| s.urn.get()).collect::<Vec<_>>(), [990003]);

        // Sorting: pupils, largest first, schools without a figure last.
        let by_pupils = db
            .search_schools(&DirectoryQuery { sort: SortKey::Pupils, descending: true, ..q() })
            .await
            .expect("sorted");
        assert_eq!(by_pupils.rows.iter().map(|s| s.urn.get()).collect::<Vec<_>>(), [990002, 990001, 990003]);
        let by_name_desc =
            db.search_schools(&DirectoryQuery { descending: true, ..q() }).await.expect("name, last first");
        assert_eq!(by_name_desc.rows.iter().map(|s| s.urn.get()).collect::<Vec<_>>(), [990001, 990002, 990003]);

        // A page after the last is the last page.
        let past = db.search_schools(&DirectoryQuery { page: 49, per_page: 2, ..q() }).await.expect("page 49");
        assert_eq!((past.page, past.pages, past.total, past.rows.len()), (2, 2, 3, 1));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn each_type_has_one_label_whichever_file_gave_it() {
    let t = TestDb::chosen().await.with_files(BUNDLED).await;
    let opts = t.db.filter_options().await.expect("options");
    assert!(opts.types.contains(&"Academy converter".to_owned()), "{:?}", opts.types);
    for spine_name in ["Academy - Converter mainstream", "Academy sponsor led mainstream", "Free school - Mainstream"] {
        assert!(!opts.types.contains(&spine_name.to_owned()), "{spine_name} is merged: {:?}", opts.types);
    }
    let by_old_name =
        t.db.search_schools(&DirectoryQuery { type_name: Some("Academy - Converter mainstream".into()), ..q() })
            .await
            .expect("by the spine's name");
    assert!(by_old_name.total > 100, "{}", by_old_name.total);
    assert!(by_old_name.rows.iter().all(|s| s.type_name.as_deref() == Some("Academy converter")));
    t.cleanup().await;
}
