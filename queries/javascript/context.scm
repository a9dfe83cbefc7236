; Context for a selection in JavaScript (js, jsx, mjs, cjs). Captures as in
; queries/python/context.scm. Doc comments (`/** … */` above a definition) are attached by
; the language table, not here; decorators are part of the node they decorate.

(function_declaration) @scope
(generator_function_declaration) @scope
(class_declaration) @scope
(method_definition) @scope
(lexical_declaration (variable_declarator value: [(arrow_function) (function_expression)])) @scope
(variable_declaration (variable_declarator value: [(arrow_function) (function_expression)])) @scope
(field_definition value: [(arrow_function) (function_expression)]) @scope
(pair value: [(arrow_function) (function_expression)]) @scope
(program (expression_statement) @scope)

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
(method_definition name: (_) @name) @definition.function
(field_definition
  property: (_) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(pair
  key: (_) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(class_declaration name: (_) @name) @definition.class
(program
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name
      value: [(string) (number) (template_string) (object) (array) (new_expression) (call_expression)])) @definition.constant)
(program
  (export_statement
    (lexical_declaration
      (variable_declarator
        name: (identifier) @name
        value: [(string) (number) (template_string) (object) (array) (new_expression) (call_expression)])) @definition.constant))

(class_declaration name: (_) @name) @container
(variable_declarator name: (identifier) @name value: (object)) @container

(import_statement) @import
(export_statement source: (string)) @import
(program
  (lexical_declaration
    (variable_declarator
      value: (call_expression function: (identifier) @_require)))
  @import
  (#eq? @_require "require"))
