; Context for a selection in TypeScript (ts and tsx). Captures as in
; queries/python/context.scm. Doc comments (`/** … */` above a definition) and decorators
; (siblings of a method in a class body) are attached by the language table, not here.

(function_declaration) @scope
(generator_function_declaration) @scope
(class_declaration) @scope
(abstract_class_declaration) @scope
(interface_declaration) @scope
(enum_declaration) @scope
(method_definition) @scope
(internal_module) @scope
(lexical_declaration (variable_declarator value: [(arrow_function) (function_expression)])) @scope
(variable_declaration (variable_declarator value: [(arrow_function) (function_expression)])) @scope
(public_field_definition value: [(arrow_function) (function_expression)]) @scope
(pair value: [(arrow_function) (function_expression)]) @scope
(program (expression_statement) @scope)

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(function_signature name: (identifier) @name) @definition.function
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
(method_definition name: (_) @name) @definition.function
(method_signature name: (_) @name) @definition.function
(abstract_method_signature name: (_) @name) @definition.function
(public_field_definition
  name: (_) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(pair
  key: (_) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(class_declaration name: (_) @name) @definition.class
(abstract_class_declaration name: (_) @name) @definition.class
(interface_declaration name: (_) @name) @definition.interface
(enum_declaration name: (_) @name) @definition.enum
(type_alias_declaration name: (_) @name) @definition.type
(internal_module name: (_) @name) @definition.module
(program
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name
      value: [(string) (number) (template_string) (object) (array) (new_expression) (call_expression) (as_expression)])) @definition.constant)
(program
  (export_statement
    (lexical_declaration
      (variable_declarator
        name: (identifier) @name
        value: [(string) (number) (template_string) (object) (array) (new_expression) (call_expression) (as_expression)])) @definition.constant))

(class_declaration name: (_) @name) @container
(abstract_class_declaration name: (_) @name) @container
(interface_declaration name: (_) @name) @container
(variable_declarator name: (identifier) @name value: (object)) @container

(import_statement) @import
(export_statement source: (string)) @import
(program
  (lexical_declaration
    (variable_declarator
      value: (call_expression function: (identifier) @_require)))
  @import
  (#eq? @_require "require"))
