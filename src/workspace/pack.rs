//! Sisyphus's view: the whole workspace packed by priority into its model's window.
//!
//! The walk reads every text file once and notes its imports; the files are then ranked by
//! tier around the focus (`Priority`), smaller first within a tier so more of them fit, and
//! taken whole while they fit. A manifest piece in front lists what came in and what did
//! not. The budget covers all of it: file text, the fence lines around each piece, and the
//! manifest itself.

use std::path::{Component, Path, PathBuf};

use super::imports::{self, Import, Lang};
use super::manifest::{LeftOut, Manifest};
use super::priority::{self, Focus, Priority};
use super::resolve::Resolver;
use super::walk::{Source, walk};
use super::{WorkspaceError, file};
use crate::context::ContextPiece;
use crate::context::estimate;

/// The label of the manifest piece, always the first piece.
pub const MANIFEST_LABEL: &str = "workspace manifest";
/// What a `Fence` adds around a piece besides its label, in tokens: two delimiter lines
/// with a random 16-character token each (random letters and digits cost many tokens).
const FENCE_TOKENS: usize = 40;

/// A packed workspace: the manifest piece, then the files in priority order.
#[derive(Debug)]
pub struct Packed {
    pub pieces: Vec<ContextPiece>,
    pub manifest: Manifest,
}

/// Packs the text files under `root` into `budget_tokens` (as `tokens::estimate` counts
/// them), nearest to `focus` first.
///
/// `focus` is the selection's file, absolute or relative to `root`; it need not exist (an
/// unsaved buffer still has a package). `exclude` holds gitignore-style patterns relative to
/// `root`. The walk honours .gitignore and .ignore files, skips hidden files, and prunes
/// build, dependency and cache directories; those it prunes or skips are in the manifest,
/// gitignored and hidden ones are not.
///
/// Reads the disk on all cores and blocks: call it from a blocking task.
pub fn pack(
    root: &Path,
    focus: Option<&Path>,
    exclude: &[String],
    budget_tokens: usize,
) -> Result<Packed, WorkspaceError> {
    let focus_rel = focus.and_then(|focus| relative(root, focus));
    // Imports only matter around a focus.
    let with_imports = focus_rel.is_some();
    let walked = walk(root, exclude, |path, bytes| match Lang::of(path) {
        Some(lang) if with_imports => imports::scan(lang, bytes),
        _ => Vec::new(),
    })?;
    let sources = &walked.sources;
    let rels: Vec<&str> = sources.iter().map(|s| s.rel.as_str()).collect();
    let tiers = match &focus_rel {
        Some(rel) => priority::assign(
            &rels,
            &resolve_all(sources),
            Some(Focus {
                rel,
                id: rels.binary_search(&rel.as_str()).ok(),
            }),
        ),
        None => priority::assign(&rels, &[], None),
    };
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_key(|&i| (tiers[i], sources[i].bytes));

    let mut packing = Packing {
        budget: budget_tokens,
        used: piece_tokens(
            MANIFEST_LABEL,
            tokens_of(&Manifest {
                included: Vec::new(),
                left_out: walked.left_out.clone(),
            }),
        ),
        included: Vec::new(),
        over_budget: Vec::new(),
        unreadable: Vec::new(),
    };
    for (rank, &i) in order.iter().enumerate() {
        packing.offer(rank, &sources[i], tiers[i]);
    }
    let manifest = packing.fit_manifest(&order, sources, walked.left_out);

    let mut pieces = Vec::with_capacity(packing.included.len() + 1);
    pieces.push(ContextPiece {
        label: MANIFEST_LABEL.into(),
        text: manifest.to_markdown(),
        first_line: 1,
    });
    pieces.extend(packing.included.into_iter().map(|taken| taken.piece));
    Ok(Packed { pieces, manifest })
}

/// A file taken, with what it costs.
struct Taken {
    piece: ContextPiece,
    tier: Priority,
    tokens: usize,
    rank: usize,
}

/// The greedy fill: each file in order, whole, if it fits what is left.
struct Packing {
    budget: usize,
    /// Pieces taken so far, each with its manifest row, plus the manifest's fixed part.
    used: usize,
    included: Vec<Taken>,
    /// Ranks (positions in the packing order) of files that did not fit.
    over_budget: Vec<usize>,
    /// Files that could not be read again (changed or removed since the walk).
    unreadable: Vec<(PathBuf, LeftOut)>,
}

impl Packing {
    fn offer(&mut self, rank: usize, source: &Source<Vec<Import>>, tier: Priority) {
        let row = row_tokens(&source.rel, tier);
        // Code hardly ever packs more than eight bytes into a token: when even that many
        // do not fit, the file is not read again.
        let least = piece_tokens(&source.rel, source.bytes / 8) + row;
        if self.budget < self.used + least {
            self.over_budget.push(rank);
            return;
        }
        let text = match file::read(&source.path) {
            Ok(bytes) => file::text(bytes),
            Err(why) => {
                self.unreadable.push((PathBuf::from(&source.rel), why));
                return;
            }
        };
        let tokens = estimate(&text);
        let cost = piece_tokens(&source.rel, tokens) + row;
        if self.budget < self.used + cost {
            self.over_budget.push(rank);
            return;
        }
        self.used += cost;
        self.included.push(Taken {
            piece: ContextPiece {
                label: source.rel.clone(),
                text,
                first_line: 1,
            },
            tier,
            tokens,
            rank,
        });
    }

    /// The manifest, after giving back the last files taken while the whole (with the
    /// left-out rows only known now) is over the budget. If the manifest alone is, it is
    /// still sent: without it the model would not know the workspace was left out.
    fn fit_manifest(
        &mut self,
        order: &[usize],
        sources: &[Source<Vec<Import>>],
        mut skipped: Vec<(PathBuf, LeftOut)>,
    ) -> Manifest {
        skipped.append(&mut self.unreadable);
        skipped.sort_by(|a, b| a.0.cmp(&b.0));
        loop {
            let manifest = self.manifest(order, sources, &skipped);
            let files: usize = self
                .included
                .iter()
                .map(|t| piece_tokens(&t.piece.label, t.tokens))
                .sum();
            let total = files + piece_tokens(MANIFEST_LABEL, tokens_of(&manifest));
            if total <= self.budget || self.included.is_empty() {
                return manifest;
            }
            let mut freed = 0;
            while freed < total - self.budget
                && let Some(last) = self.included.pop()
            {
                freed += piece_tokens(&last.piece.label, last.tokens);
                self.over_budget.push(last.rank);
            }
        }
    }

    /// Over-budget files first, nearest first (the ones a model most likely misses), then
    /// those skipped.
    fn manifest(
        &self,
        order: &[usize],
        sources: &[Source<Vec<Import>>],
        skipped: &[(PathBuf, LeftOut)],
    ) -> Manifest {
        let mut ranks = self.over_budget.clone();
        ranks.sort_unstable();
        let mut left_out: Vec<(PathBuf, LeftOut)> = ranks
            .into_iter()
            .map(|rank| {
                (
                    PathBuf::from(&sources[order[rank]].rel),
                    LeftOut::OverBudget,
                )
            })
            .collect();
        left_out.extend(skipped.iter().cloned());
        Manifest {
            included: self
                .included
                .iter()
                .map(|t| (PathBuf::from(&t.piece.label), t.tier, t.tokens))
                .collect(),
            left_out,
        }
    }
}

/// Each file's imports, resolved to file numbers.
fn resolve_all(sources: &[Source<Vec<Import>>]) -> Vec<Vec<usize>> {
    let mut resolver = Resolver::new(sources.iter().map(|s| s.rel.as_str()));
    for source in sources {
        for import in &source.scanned {
            resolver.declare(&source.rel, import);
        }
    }
    sources
        .iter()
        .map(|source| {
            let mut out = Vec::new();
            for import in &source.scanned {
                resolver.resolve(&source.rel, import, &mut out);
            }
            out
        })
        .collect()
}

/// What a piece costs once fenced.
fn piece_tokens(label: &str, tokens: usize) -> usize {
    tokens + estimate(label) + FENCE_TOKENS
}

/// What a file's row in the manifest costs: `| label | tier | tokens |`.
fn row_tokens(label: &str, tier: Priority) -> usize {
    estimate(label) + estimate(&tier.to_string()) + 8
}

fn tokens_of(manifest: &Manifest) -> usize {
    estimate(&manifest.to_markdown())
}

/// The focus relative to `root`, `/`-separated; `None` when it is outside.
fn relative(root: &Path, focus: &Path) -> Option<String> {
    let rel = if focus.is_relative() {
        focus.to_path_buf()
    } else if let Ok(rel) = focus.strip_prefix(root) {
        rel.to_path_buf()
    } else {
        // A relative root, or a symbolic link on either side.
        let root = root.canonicalize().ok()?;
        let focus = match focus.canonicalize() {
            Ok(focus) => focus,
            // Not on disk yet: its directory is.
            Err(_) => focus
                .parent()?
                .canonicalize()
                .ok()?
                .join(focus.file_name()?),
        };
        focus.strip_prefix(&root).ok()?.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for component in rel.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => {}
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}
