; Names a selection uses (rust): run only over the selection.

(identifier) @reference
(type_identifier) @reference
