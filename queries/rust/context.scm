; Context for a selection in Rust. Captures as in queries/python/context.scm.

(function_item) @scope
(impl_item) @scope
(trait_item) @scope
(mod_item) @scope

(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(union_item name: (type_identifier) @name) @definition.struct
(trait_item name: (type_identifier) @name) @definition.interface
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(type_item name: (type_identifier) @name) @definition.type
(mod_item name: (identifier) @name) @definition.module
(macro_definition name: (identifier) @name) @definition.macro

(impl_item type: (_) @name) @container
(trait_item name: (type_identifier) @name) @container

(use_declaration) @import
(extern_crate_declaration) @import

(source_file . (line_comment (inner_doc_comment_marker)) @docstring)
