; Names a selection uses (python): run only over the selection.

(identifier) @reference
