//! Index symbols as LSP `SymbolInformation`.

use std::path::Path;

use tower_lsp_server::ls_types::{Location, Position, Range, SymbolInformation, SymbolKind, Uri};

use crate::index::Symbol;
use crate::syntax::DefinitionKind;

/// `symbol` of the workspace file `rel` under `root`; `None` if the path is not a URI.
pub fn information(root: &Path, rel: &str, symbol: &Symbol) -> Option<SymbolInformation> {
    let uri = Uri::from_file_path(root.join(rel))?;
    let range = Range::new(
        Position::new(symbol.rows.start as u32, 0),
        Position::new(symbol.rows.end as u32, 0),
    );
    #[allow(deprecated)] // `deprecated` is a required field of the type, itself deprecated.
    Some(SymbolInformation {
        name: symbol.name.clone(),
        kind: kind(symbol.kind),
        tags: None,
        deprecated: None,
        location: Location { uri, range },
        container_name: symbol.container.clone(),
    })
}

fn kind(kind: DefinitionKind) -> SymbolKind {
    match kind {
        DefinitionKind::Function => SymbolKind::FUNCTION,
        DefinitionKind::Method => SymbolKind::METHOD,
        DefinitionKind::Class => SymbolKind::CLASS,
        DefinitionKind::Struct => SymbolKind::STRUCT,
        DefinitionKind::Enum => SymbolKind::ENUM,
        DefinitionKind::Interface => SymbolKind::INTERFACE,
        DefinitionKind::Constant => SymbolKind::CONSTANT,
        DefinitionKind::Type => SymbolKind::TYPE_PARAMETER,
        DefinitionKind::Module => SymbolKind::MODULE,
        DefinitionKind::Macro => SymbolKind::FUNCTION,
    }
}
