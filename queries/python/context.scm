; Context for a selection in Python. Captures:
;   @scope       a definition that can enclose a selection
;   @definition  a definition (with @name), for "definitions of names the selection uses"
;                and sibling signatures
;   @import      an import statement
;   @docstring   the module docstring

(function_definition) @scope
(class_definition) @scope

(function_definition name: (identifier) @name) @definition
(class_definition name: (identifier) @name) @definition
(module (expression_statement (assignment left: (identifier) @name)) @definition)

(import_statement) @import
(import_from_statement) @import
(future_import_statement) @import

(module . (expression_statement (string) @docstring))
