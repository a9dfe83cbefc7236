; Context for a selection in Python. Captures:
;   @scope            a definition that can enclose a selection
;   @definition.KIND  a definition (with @name) for the file's outline and the workspace
;                     index; KIND is function, class, constant (also struct, enum,
;                     interface, type, module, macro in other languages)
;   @doc              a definition's docstring (in a pattern that also has @definition.KIND)
;   @container        something whose functions are methods (with @name: what they belong to)
;   @import           an import statement
;   @docstring        the module docstring

(function_definition) @scope
(class_definition) @scope
(decorated_definition) @scope

(function_definition name: (identifier) @name) @definition.function
(function_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc))) @definition.function
(class_definition name: (identifier) @name) @definition.class
(class_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc))) @definition.class
(module (expression_statement (assignment left: (identifier) @name)) @definition.constant)

(class_definition name: (identifier) @name) @container

(import_statement) @import
(import_from_statement) @import
(future_import_statement) @import

(module . (expression_statement (string) @docstring))
