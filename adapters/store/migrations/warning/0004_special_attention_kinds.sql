-- The special-attention kinds a district tracks (R14: Cixi's eight kinds of high-risk student, Jiaxing's six kinds
-- of key student, left-behind and migrant children, ...): configured by the district's bureau, used to tag entries.
CREATE TABLE special_attention_kinds (
  district_id text NOT NULL,
  code text NOT NULL,
  label text NOT NULL,
  position integer NOT NULL,
  PRIMARY KEY (district_id, code)
);
