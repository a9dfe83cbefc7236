; Names a selection uses (javascript): run only over the selection.

(identifier) @reference
(property_identifier) @reference
