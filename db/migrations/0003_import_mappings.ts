// The column mapping a clerk fixed for a journal, per kind of import and source (the journal's file name, normalized):
// the next preview of the same journal starts from it instead of asking again.
export default `
CREATE TABLE import_mappings (
  kind TEXT NOT NULL CHECK (kind IN ('students', 'marks')),
  source TEXT NOT NULL CHECK (length(source) > 0),
  mapping TEXT NOT NULL CHECK (json_valid(mapping)),
  subject_mapping TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(subject_mapping)),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (kind, source)
) STRICT;
`;
