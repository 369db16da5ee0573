-- 0006: KS2 figures merge by rank, whatever order files are imported in: each figure keeps the
-- value of the highest-ranked file that gives one (a DfE-named results file above a per-URN
-- extract), and on equal ranks the greater figure; <measure>_rank records the rank of the kept
-- figure and source_rank the highest rank of any file that wrote the row. Figures stored before
-- this migration have no rank, so any later import ranks above them.
-- Append-only: never edit this file once released; add a new numbered file instead (see ../README.md).

ALTER TABLE ks2_school_results ADD COLUMN source_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN totpups_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN telig_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN belig_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN gelig_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptfsm6cla1a_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptealgrp2_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptrwm_exp_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptrwm_high_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptread_exp_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptread_high_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptgps_exp_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptgps_high_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptmat_exp_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptmat_high_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptwritta_exp_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN ptwritta_high_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN read_average_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN gps_average_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN mat_average_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN readprog_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN readprog_lower_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN readprog_upper_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN writprog_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN writprog_lower_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN writprog_upper_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN matprog_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN matprog_lower_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN matprog_upper_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN readprog_descr_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN writprog_descr_rank BIGINT;
ALTER TABLE ks2_school_results ADD COLUMN matprog_descr_rank BIGINT;

ALTER TABLE ks2_area_results ADD COLUMN source_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN totpups_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN telig_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN belig_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN gelig_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptfsm6cla1a_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptealgrp2_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptrwm_exp_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptrwm_high_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptread_exp_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptread_high_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptgps_exp_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptgps_high_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptmat_exp_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptmat_high_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptwritta_exp_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN ptwritta_high_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN read_average_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN gps_average_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN mat_average_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN readprog_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN readprog_lower_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN readprog_upper_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN writprog_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN writprog_lower_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN writprog_upper_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN matprog_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN matprog_lower_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN matprog_upper_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN readprog_descr_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN writprog_descr_rank BIGINT;
ALTER TABLE ks2_area_results ADD COLUMN matprog_descr_rank BIGINT;
