//! A school's profile follows its chain of URNs.

use aspire_core::Urn;
use aspire_core::ks2::Measure;
use aspire_core::links::LinkRelation;
use aspire_store::{ChainPosition, NationalFigure};

use crate::{BUNDLED, TestDb, import, parse};

fn urn(s: &str) -> Urn {
    Urn::parse(s).expect("urn")
}

#[tokio::test]
async fn chains_are_followed_both_ways_with_history_labelled() {
    for t in TestDb::all().await {
        for f in BUNDLED {
            import(&t.db, &parse(f)).await;
        }
        // Bournemouth Park Academy: predecessor 133771, which has predecessors of its own.
        let p = t.db.school_profile(urn("143966")).await.expect("profile").expect("known");
        assert_eq!(p.name(), "Bournemouth Park Academy");
        let preds: Vec<(u32, u32)> = p.lineage.predecessors.iter().map(|l| (l.urn.get(), l.steps)).collect();
        assert!(preds.contains(&(133771, 1)), "{preds:?}");
        assert!(preds.iter().any(|&(_, steps)| steps == 2), "the predecessor's own predecessors: {preds:?}");
        assert!(p.name_of(urn("133771")).contains("Bournemouth Park"));
        // From the predecessor, the academy is a successor.
        let back = t.db.school_profile(urn("133771")).await.expect("profile").expect("known");
        assert!(back.lineage.successors.iter().any(|l| l.urn == urn("143966")));

        // Blackpool Gateway Academy: its timeline includes its predecessor's inspection, labelled.
        let p = t.db.school_profile(urn("142175")).await.expect("profile").expect("known");
        let pred = p.timeline.iter().find(|e| e.inspection.urn == urn("137359")).expect("predecessor inspection");
        assert_eq!(pred.position, ChainPosition::Linked(LinkRelation::Predecessor, 1));
        assert_eq!(pred.inspection.date.to_string(), "2013-05-22");
        let own = p.timeline.iter().find(|e| e.position == ChainPosition::Own).expect("own inspection");
        assert_eq!(own.inspection.date.to_string(), "2018-06-26");
        assert_eq!(p.latest_inspection().map(|e| e.inspection.urn), Some(urn("142175")));
        assert!(!p.ks2.is_empty());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn ks2_is_shown_beside_the_national_figure() {
    let t = TestDb::sqlite().await;
    for f in BUNDLED {
        import(&t.db, &parse(f)).await;
    }
    // Alton Infant is infant-only; use a Hampshire junior/primary with 2018/19 results instead:
    // any school with a 2018/19 ks2final row.
    let results = t.db.ks2_for_area("england_state_funded", "E92000001").await.expect("national");
    assert!(results.iter().any(|r| r.year.start_year() == 2018), "national row for 2018/19");
    let la = t.db.ks2_for_area("la", "850").await.expect("LA");
    assert!(!la.is_empty());

    let anston = urn("115851"); // Anstey Junior School, Hampshire
    let p = t.db.school_profile(anston).await.expect("profile").expect("known");
    let y1819 = p.ks2.iter().find(|y| y.year.start_year() == 2018).expect("2018/19");
    assert!(matches!(y1819.national.get(&Measure::RwmExpected), Some(NationalFigure::Published(x)) if *x == 65.0));
    assert_eq!(y1819.national.get(&Measure::ReadingProgress), Some(&NationalFigure::ZeroByDefinition));
    assert!(y1819.la.contains_key(&Measure::RwmExpected));
    // 2015/16 has no DfE national row among the files: a computed figure, labelled as such.
    if let Some(y) = p.ks2.iter().find(|y| y.year.start_year() == 2015) {
        assert!(
            matches!(y.national.get(&Measure::RwmExpected), Some(NationalFigure::Computed { schools, .. }) if *schools > 100)
        );
    }
    t.cleanup().await;
}

#[tokio::test]
async fn unknown_urns_have_no_profile() {
    let t = TestDb::sqlite().await;
    assert!(t.db.school_profile(urn("999999")).await.expect("query").is_none());
    t.cleanup().await;
}
