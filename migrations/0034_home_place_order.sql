-- A page of the homes in a postcode area, district or sector, in the homes connection's
-- order (postcode, then id), read from one index: the place's homes in order, from the
-- cursor on. Before, the place's own index could not give the order, so the planner read
-- the postcode index from its start and dropped every home of the places sorting before
-- (80,127 homes for the first page of SE15 on a 100,000-home demo: 44 ms, where the same
-- page of the same district on 5,000 homes took a tenth of that). The place's single-column
-- index is the leading column of the new one, which serves its equality filters too.

CREATE INDEX home_area_order_idx ON home (postcode_area, postcode, id);
CREATE INDEX home_district_order_idx ON home (postcode_district, postcode, id);
CREATE INDEX home_sector_order_idx ON home (postcode_sector, postcode, id);
DROP INDEX home_postcode_area_idx;
DROP INDEX home_postcode_district_idx;
DROP INDEX home_postcode_sector_idx;
