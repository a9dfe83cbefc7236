; Context for a selection in Go. Captures as in queries/python/context.scm, plus
;   @receiver  in a method's pattern: the type it belongs to (Go methods sit outside it)
; Doc comments (the `//` lines directly above a declaration) are attached by the language
; table, not here.

(function_declaration) @scope
(method_declaration) @scope
(type_declaration) @scope
(source_file (var_declaration) @scope)
(source_file (const_declaration) @scope)

(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [
        (type_identifier) @receiver
        (pointer_type (type_identifier) @receiver)
        (generic_type type: (type_identifier) @receiver)
        (pointer_type (generic_type type: (type_identifier) @receiver))
      ]))
  name: (field_identifier) @name) @definition.method
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec
  name: (type_identifier) @name
  type: [(type_identifier) (qualified_type) (generic_type) (pointer_type) (function_type)
         (map_type) (slice_type) (array_type) (channel_type)]) @definition.type
(type_alias name: (type_identifier) @name) @definition.type
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.constant))

(import_declaration) @import

((comment) @docstring . (package_clause))
