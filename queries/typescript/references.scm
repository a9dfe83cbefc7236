; Names a selection uses (typescript): run only over the selection.

(identifier) @reference
(property_identifier) @reference
(type_identifier) @reference
