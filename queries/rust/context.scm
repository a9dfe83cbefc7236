; Context for a selection in Rust. Captures as in queries/python/context.scm.

(function_item) @scope
(impl_item) @scope
(trait_item) @scope
(mod_item) @scope

(function_item name: (identifier) @name) @definition
(struct_item name: (type_identifier) @name) @definition
(enum_item name: (type_identifier) @name) @definition
(trait_item name: (type_identifier) @name) @definition
(const_item name: (identifier) @name) @definition
(static_item name: (identifier) @name) @definition
(type_item name: (type_identifier) @name) @definition

(use_declaration) @import
(extern_crate_declaration) @import

(source_file . (line_comment (inner_doc_comment_marker)) @docstring)
