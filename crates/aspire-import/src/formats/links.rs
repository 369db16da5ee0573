//! GIAS establishment links: `URN, LinkURN, LinkName, LinkType, LinkEstablishedDate`.

use aspire_core::dates::DateStyle;
use aspire_core::links::EstablishmentLink;

use super::{Format, Meta, RowOut, RowParser, require};
use crate::FileError;
use crate::cells::{Col, Header, Row};

pub(crate) struct Parser {
    urn: Col,
    link_urn: Col,
    link_type: Col,
    name: Option<Col>,
    date: Option<Col>,
}

impl Parser {
    pub fn new(header: &Header) -> Result<Parser, FileError> {
        let f = Format::GiasLinks;
        Ok(Parser {
            urn: require(header, f, "URN")?,
            link_urn: require(header, f, "LinkURN")?,
            link_type: require(header, f, "LinkType")?,
            name: header.find("LinkName"),
            date: header.find("LinkEstablishedDate"),
        })
    }
}

impl RowParser for Parser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let urn = row.urn(self.urn);
        let link_urn = row.urn(self.link_urn);
        let link_type = row.text(self.link_type);
        if link_type.is_none() {
            row.fail(self.link_type, "a link needs a LinkType such as Predecessor or Successor");
        }
        let established = self.date.and_then(|c| row.date(c, DateStyle::DayMonthYear));
        let link_name = self.name.and_then(|c| row.text(c));
        if let (Some(u), Some(l)) = (urn, link_urn)
            && u == l
        {
            row.fail(self.link_urn, "a school cannot be linked to itself");
        }
        let mut out = RowOut::default();
        if let (Some(urn), Some(link_urn), Some(link_type)) = (urn, link_urn, link_type) {
            out.link = Some(EstablishmentLink { urn, link_urn, link_name, link_type, established });
        }
        out
    }

    fn meta(&self) -> Meta {
        Meta::default()
    }

    fn used(&self) -> Vec<Col> {
        [Some(self.urn), Some(self.link_urn), Some(self.link_type), self.name, self.date]
            .into_iter()
            .flatten()
            .collect()
    }
}
