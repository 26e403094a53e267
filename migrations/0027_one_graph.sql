-- One graph everywhere: things whose triples are now written differently get a new
-- version in the change log, so the event stream and the SPARQL store that follow it say
-- what the dump says.
--
-- Floats (a home's latitude and longitude) are written in the canonical lexical form of
-- xsd:double ("5.15E1" rather than "51.5"), the form JSON-LD processors give a JSON
-- number, so that a GraphQL response read as JSON-LD gives the dump's very literals.
INSERT INTO change_pending (segment, key)
SELECT 'home', id FROM home WHERE latitude IS NOT NULL OR longitude IS NOT NULL;
