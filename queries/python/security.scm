; The offline security review (src/review/). The query finds the places worth a look;
; the rule families in src/review/python/ decide, with the file's imports and the
; assignments of the enclosing function at hand. Captures:
;   @scope       a function: the scope of the names assigned in it
;   @import      an import: local names → qualified names (`ET` → `xml.etree.ElementTree`)
;   @assignment  an assignment: what a name holds, for the predicates; credentials, settings
;   @call        a call: the callee, resolved through the imports, picks the rules to try
;   @pair        a dictionary entry with a string key (credentials in settings dicts)
;   @parameter   a parameter default (credentials as defaults)
;   @assert      an assert statement (removed under `python -O`)
;   @comment     a comment: suppressions, and remarks addressed to a reviewer
;   @docstring   a string statement: remarks addressed to a reviewer
;   @decorator   a decorator (`@csrf_exempt`)

(function_definition) @scope

(import_statement) @import
(import_from_statement) @import

(assignment) @assignment
(augmented_assignment) @assignment

(call) @call

(pair key: (string)) @pair

(default_parameter) @parameter
(typed_default_parameter) @parameter

(assert_statement) @assert

(comment) @comment

(expression_statement . (string) .) @docstring

(decorator) @decorator
