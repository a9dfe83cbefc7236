; Names a selection uses (go): run only over the selection.

(identifier) @reference
(type_identifier) @reference
(field_identifier) @reference
