-- Flow and customer evidence for the diagnosis (issue 19): start time, reopens,
-- carry-over, watchers, customer requests and links, as one JSON object
-- (null = none known). Kept out of content_hash: it changes the diagnosis,
-- never an issue's classification.
ALTER TABLE issues ADD COLUMN evidence TEXT;
