//! Ofsted inspection history: `URN, Rating, Inspection Date`, one row per graded inspection.

use aspire_core::ofsted::{Inspection, Rating};

use super::{Format, Meta, RowOut, RowParser, require};
use crate::FileError;
use crate::cells::{Col, Header, Row};

pub(crate) struct Parser {
    urn: Col,
    rating: Col,
    date: Col,
}

impl Parser {
    pub fn new(header: &Header) -> Result<Parser, FileError> {
        let f = Format::OfstedHistory;
        Ok(Parser {
            urn: require(header, f, "URN")?,
            rating: require(header, f, "Rating")?,
            date: require(header, f, "Inspection Date")?,
        })
    }
}

impl RowParser for Parser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let urn = row.urn(self.urn);
        let date = row.any_date(self.date).and_then(|d| row.inspection_date(self.date, d));
        if row.raw(self.date).trim().is_empty() {
            row.fail(self.date, "an inspection needs its date");
        }
        let rating = match Rating::parse(row.raw(self.rating)) {
            Ok(r) => Some(r),
            Err(e) => {
                row.fail(self.rating, e.to_string());
                None
            }
        };
        let mut out = RowOut::default();
        if let (Some(urn), Some(date), Some(rating)) = (urn, date, rating) {
            if let Some(why) = rating.anachronism(date) {
                row.warn(self.rating, why);
            }
            out.inspection = Some((Inspection { urn, date, judgement: rating.judgement }, rating));
        }
        out
    }

    fn meta(&self) -> Meta {
        Meta::default()
    }

    fn used(&self) -> Vec<Col> {
        vec![self.urn, self.rating, self.date]
    }
}
