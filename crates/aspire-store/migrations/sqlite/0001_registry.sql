-- 0001: the school registry and import provenance.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

-- One row per file imported (or re-imported): provenance for every record written.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_accepted INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    rows_inserted INTEGER NOT NULL,
    rows_updated INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    skip_invalid BOOLEAN NOT NULL,
    imported_by TEXT,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);

-- What an import did to each table it touched.
CREATE TABLE import_tables (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    table_name TEXT NOT NULL,
    inserted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    PRIMARY KEY (import_id, table_name)
);

-- DfE local authorities (three-digit LA codes).
CREATE TABLE local_authorities (
    la_code INTEGER PRIMARY KEY,
    name TEXT,
    region_code TEXT,
    region_name TEXT,
    last_import_id INTEGER REFERENCES imports (id)
);

-- The school register. Each import names the fields it carries. A file's rank orders files by
-- authority, then date: 220220420 is a register file (tier 2: GIAS, the DfE spine) as of
-- 2022-04-20; 20190831 a results file (tier 0) as of 2019-08-31;
-- each field holds the value of the highest-ranked file that gives one, and <field>_rank says
-- which rank that was. source_rank is the highest rank that has written the row.
CREATE TABLE schools (
    urn INTEGER PRIMARY KEY,
    source_rank INTEGER,
    name TEXT,
    name_rank INTEGER,
    la_code INTEGER,
    la_code_rank INTEGER,
    la_name TEXT,
    la_name_rank INTEGER,
    establishment_number INTEGER,
    establishment_number_rank INTEGER,
    type_name TEXT,
    type_name_rank INTEGER,
    type_group TEXT,
    type_group_rank INTEGER,
    minor_group TEXT,
    minor_group_rank INTEGER,
    status TEXT,
    status_rank INTEGER,
    phase TEXT,
    phase_rank INTEGER,
    is_primary BOOLEAN,
    is_primary_rank INTEGER,
    is_secondary BOOLEAN,
    is_secondary_rank INTEGER,
    is_post16 BOOLEAN,
    is_post16_rank INTEGER,
    low_age INTEGER,
    low_age_rank INTEGER,
    high_age INTEGER,
    high_age_rank INTEGER,
    gender TEXT,
    gender_rank INTEGER,
    religious_character TEXT,
    religious_character_rank INTEGER,
    admissions_policy TEXT,
    admissions_policy_rank INTEGER,
    open_date DATE,
    open_date_rank INTEGER,
    close_date DATE,
    close_date_rank INTEGER,
    open_reason TEXT,
    open_reason_rank INTEGER,
    close_reason TEXT,
    close_reason_rank INTEGER,
    street TEXT,
    street_rank INTEGER,
    locality TEXT,
    locality_rank INTEGER,
    address3 TEXT,
    address3_rank INTEGER,
    town TEXT,
    town_rank INTEGER,
    county TEXT,
    county_rank INTEGER,
    postcode TEXT,
    postcode_rank INTEGER,
    telephone TEXT,
    telephone_rank INTEGER,
    website TEXT,
    website_rank INTEGER,
    number_of_pupils INTEGER,
    number_of_pupils_rank INTEGER,
    percentage_fsm REAL,
    percentage_fsm_rank INTEGER,
    school_capacity INTEGER,
    school_capacity_rank INTEGER,
    trust_name TEXT,
    trust_name_rank INTEGER,
    district_code TEXT,
    district_code_rank INTEGER,
    district_name TEXT,
    district_name_rank INTEGER,
    ward_name TEXT,
    ward_name_rank INTEGER,
    constituency_name TEXT,
    constituency_name_rank INTEGER,
    region_name TEXT,
    region_name_rank INTEGER,
    gss_la_code TEXT,
    gss_la_code_rank INTEGER,
    urban_rural TEXT,
    urban_rural_rank INTEGER,
    easting REAL,
    easting_rank INTEGER,
    northing REAL,
    northing_rank INTEGER,
    latitude REAL,
    latitude_rank INTEGER,
    longitude REAL,
    longitude_rank INTEGER,
    location_source TEXT,
    location_source_rank INTEGER,
    last_import_id INTEGER REFERENCES imports (id)
);
CREATE INDEX schools_la_code ON schools (la_code);
CREATE INDEX schools_postcode ON schools (postcode);
CREATE INDEX schools_name ON schools (name);

-- Graded Ofsted inspections. No foreign key to schools: files arrive in any order, and
-- inspections of closed predecessors matter even when the register lacks them.
CREATE TABLE ofsted_inspections (
    urn INTEGER NOT NULL,
    inspection_date DATE NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    concern TEXT CHECK (concern IN ('serious_weaknesses', 'special_measures')),
    last_import_id INTEGER REFERENCES imports (id),
    PRIMARY KEY (urn, inspection_date)
);

-- GIAS establishment links, as published (both directions appear).
CREATE TABLE establishment_links (
    urn INTEGER NOT NULL,
    link_urn INTEGER NOT NULL,
    link_name TEXT,
    link_type TEXT NOT NULL,
    established DATE,
    last_import_id INTEGER REFERENCES imports (id),
    PRIMARY KEY (urn, link_urn)
);
CREATE INDEX establishment_links_link_urn ON establishment_links (link_urn);

-- KS2 results per school and academic year (the year it starts, 2018 = 2018/19). Each measure
-- has its value and, when absent, the DfE reason (SUPP, NE, NP, LOWCOV, NEW, NA); both NULL
-- means the files imported so far do not give it.
CREATE TABLE ks2_school_results (
    urn INTEGER NOT NULL,
    academic_year INTEGER NOT NULL,
    totpups REAL,
    totpups_missing TEXT,
    telig REAL,
    telig_missing TEXT,
    belig REAL,
    belig_missing TEXT,
    gelig REAL,
    gelig_missing TEXT,
    ptfsm6cla1a REAL,
    ptfsm6cla1a_missing TEXT,
    ptealgrp2 REAL,
    ptealgrp2_missing TEXT,
    ptrwm_exp REAL,
    ptrwm_exp_missing TEXT,
    ptrwm_high REAL,
    ptrwm_high_missing TEXT,
    ptread_exp REAL,
    ptread_exp_missing TEXT,
    ptread_high REAL,
    ptread_high_missing TEXT,
    ptgps_exp REAL,
    ptgps_exp_missing TEXT,
    ptgps_high REAL,
    ptgps_high_missing TEXT,
    ptmat_exp REAL,
    ptmat_exp_missing TEXT,
    ptmat_high REAL,
    ptmat_high_missing TEXT,
    ptwritta_exp REAL,
    ptwritta_exp_missing TEXT,
    ptwritta_high REAL,
    ptwritta_high_missing TEXT,
    read_average REAL,
    read_average_missing TEXT,
    gps_average REAL,
    gps_average_missing TEXT,
    mat_average REAL,
    mat_average_missing TEXT,
    readprog REAL,
    readprog_missing TEXT,
    readprog_lower REAL,
    readprog_lower_missing TEXT,
    readprog_upper REAL,
    readprog_upper_missing TEXT,
    writprog REAL,
    writprog_missing TEXT,
    writprog_lower REAL,
    writprog_lower_missing TEXT,
    writprog_upper REAL,
    writprog_upper_missing TEXT,
    matprog REAL,
    matprog_missing TEXT,
    matprog_lower REAL,
    matprog_lower_missing TEXT,
    matprog_upper REAL,
    matprog_upper_missing TEXT,
    readprog_descr REAL,
    readprog_descr_missing TEXT,
    writprog_descr REAL,
    writprog_descr_missing TEXT,
    matprog_descr REAL,
    matprog_descr_missing TEXT,
    last_import_id INTEGER REFERENCES imports (id),
    PRIMARY KEY (urn, academic_year)
);
CREATE INDEX ks2_school_results_year ON ks2_school_results (academic_year);

-- KS2 results of areas: area_level 'la' (code = DfE LA code), 'england_all', 'england_state_funded'.
CREATE TABLE ks2_area_results (
    area_level TEXT NOT NULL,
    area_code TEXT NOT NULL,
    academic_year INTEGER NOT NULL,
    totpups REAL,
    totpups_missing TEXT,
    telig REAL,
    telig_missing TEXT,
    belig REAL,
    belig_missing TEXT,
    gelig REAL,
    gelig_missing TEXT,
    ptfsm6cla1a REAL,
    ptfsm6cla1a_missing TEXT,
    ptealgrp2 REAL,
    ptealgrp2_missing TEXT,
    ptrwm_exp REAL,
    ptrwm_exp_missing TEXT,
    ptrwm_high REAL,
    ptrwm_high_missing TEXT,
    ptread_exp REAL,
    ptread_exp_missing TEXT,
    ptread_high REAL,
    ptread_high_missing TEXT,
    ptgps_exp REAL,
    ptgps_exp_missing TEXT,
    ptgps_high REAL,
    ptgps_high_missing TEXT,
    ptmat_exp REAL,
    ptmat_exp_missing TEXT,
    ptmat_high REAL,
    ptmat_high_missing TEXT,
    ptwritta_exp REAL,
    ptwritta_exp_missing TEXT,
    ptwritta_high REAL,
    ptwritta_high_missing TEXT,
    read_average REAL,
    read_average_missing TEXT,
    gps_average REAL,
    gps_average_missing TEXT,
    mat_average REAL,
    mat_average_missing TEXT,
    readprog REAL,
    readprog_missing TEXT,
    readprog_lower REAL,
    readprog_lower_missing TEXT,
    readprog_upper REAL,
    readprog_upper_missing TEXT,
    writprog REAL,
    writprog_missing TEXT,
    writprog_lower REAL,
    writprog_lower_missing TEXT,
    writprog_upper REAL,
    writprog_upper_missing TEXT,
    matprog REAL,
    matprog_missing TEXT,
    matprog_lower REAL,
    matprog_lower_missing TEXT,
    matprog_upper REAL,
    matprog_upper_missing TEXT,
    readprog_descr REAL,
    readprog_descr_missing TEXT,
    writprog_descr REAL,
    writprog_descr_missing TEXT,
    matprog_descr REAL,
    matprog_descr_missing TEXT,
    last_import_id INTEGER REFERENCES imports (id),
    PRIMARY KEY (area_level, area_code, academic_year)
);

-- ONS local authority districts with their region and/or county.
CREATE TABLE lads (
    lad_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region_code TEXT,
    region_name TEXT,
    county_code TEXT,
    county_name TEXT,
    last_import_id INTEGER REFERENCES imports (id)
);

-- Named area sets (e.g. the 2017 Opportunity Areas): each member is a district or a whole LA.
CREATE TABLE area_members (
    area_set TEXT NOT NULL,
    area TEXT NOT NULL,
    member_key TEXT NOT NULL,
    wave INTEGER,
    announced TEXT,
    lad_code TEXT,
    lad_name TEXT,
    la_code INTEGER,
    la_name TEXT,
    last_import_id INTEGER REFERENCES imports (id),
    PRIMARY KEY (area_set, area, member_key)
);

-- DfE field labels from performance-tables metadata files.
CREATE TABLE ks2_field_labels (
    academic_year INTEGER NOT NULL,
    field TEXT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    last_import_id INTEGER REFERENCES imports (id),
    PRIMARY KEY (academic_year, field)
);
