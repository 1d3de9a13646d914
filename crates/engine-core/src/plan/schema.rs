//! The columns a plan node produces, with the names the binder resolves
//! against and the identities the optimizer's rules work with.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

/// A column's identity: given once, by the plan node that computes the
/// column (a scan, a projection's expression, an aggregate, a mark), and kept
/// by every node that passes the column on (filters, joins, sorts). An
/// expression names its input columns by identity, so a rule that moves an
/// expression, reorders a join's inputs or prunes columns never renumbers
/// anything; positions are worked out once, after the rules
/// ([`resolve`](super::columns::resolve)).
///
/// Identities are unique in the process: two nodes that compute columns
/// never share one, so neither do a self-join's two sides. A
/// [`Rename`](super::LogicalPlan::Rename) gives its columns new identities,
/// which is how each reference to a shared CTE plan gets its own.
///
/// ```
/// use engine_core::plan::ColumnId;
/// assert_ne!(ColumnId::fresh(), ColumnId::fresh());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ColumnId(u64);

impl ColumnId {
    /// The identity of a column the binder has named by position only;
    /// [`identify`](super::columns::identify) replaces it.
    pub(crate) const UNSET: ColumnId = ColumnId(0);

    /// A new identity, never handed out before in this process.
    pub fn fresh() -> ColumnId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ColumnId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// Whether this is a real identity (not [`UNSET`](Self::UNSET)).
    pub(crate) fn is_set(self) -> bool {
        self != ColumnId::UNSET
    }
}

impl std::fmt::Display for ColumnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// One output column of a plan node.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanColumn {
    /// The column's identity.
    pub id: ColumnId,
    /// The table or alias the column can be qualified with (`p` in `p.name`).
    pub qualifier: Option<String>,
    /// The column's name.
    pub name: String,
    /// The column's type.
    pub data_type: DataType,
    /// True for the right-hand copy of a `USING` column: reachable by its
    /// qualified name but not by the bare name or `*`.
    pub hidden: bool,
    /// Another name the column answers to (e.g. `Launched_at` for `Lauched_at`).
    pub aka: Option<String>,
}

impl PlanColumn {
    /// A visible column with a new identity.
    pub fn new(qualifier: Option<String>, name: impl Into<String>, data_type: DataType) -> Self {
        PlanColumn {
            id: ColumnId::fresh(),
            qualifier,
            name: name.into(),
            data_type,
            hidden: false,
            aka: None,
        }
    }
}

/// The ordered columns of a plan node.
///
/// Columns are shared (`Arc`), not copied, between the schemas of a plan: a
/// join's schema is its inputs' columns side by side, so a chain of 1,000
/// joins would otherwise hold half a million copies of each input's names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanSchema {
    /// The columns, in output order.
    pub columns: Vec<Arc<PlanColumn>>,
}

impl PlanSchema {
    /// A schema of `columns`.
    pub fn new(columns: Vec<PlanColumn>) -> Self {
        PlanSchema {
            columns: columns.into_iter().map(Arc::new).collect(),
        }
    }
    /// A schema of columns shared with other schemas.
    pub fn shared(columns: Vec<Arc<PlanColumn>>) -> Self {
        PlanSchema { columns }
    }
    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }
    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
    /// The Arrow schema of batches this node produces (every column nullable, so
    /// that operators never fail a null check).
    pub fn to_arrow(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(&c.name, c.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }
    /// The same columns under a new qualifier (a table alias), with new
    /// identities.
    pub fn requalify(&self, qualifier: Option<&str>) -> Self {
        PlanSchema {
            columns: self
                .columns
                .iter()
                .map(|c| {
                    Arc::new(PlanColumn {
                        id: ColumnId::fresh(),
                        qualifier: qualifier.map(str::to_string),
                        ..PlanColumn::clone(c)
                    })
                })
                .collect(),
        }
    }
    /// The position of the column with identity `id` (the first, should a
    /// projection repeat a column).
    pub fn index_of(&self, id: ColumnId) -> Option<usize> {
        self.columns.iter().position(|c| c.id == id)
    }

    /// Whether a column with identity `id` is among these.
    pub fn contains(&self, id: ColumnId) -> bool {
        self.columns.iter().any(|c| c.id == id)
    }

    /// Whether every one of `ids` is among these columns (true for none).
    pub fn contains_all(&self, ids: &[ColumnId]) -> bool {
        match ids {
            [] => true,
            [one] => self.contains(*one),
            _ => {
                let lookup = Lookup::new(self);
                ids.iter().all(|&id| lookup.index_of(id).is_some())
            }
        }
    }

    /// The columns of a join: left's then right's.
    pub fn join(&self, right: &PlanSchema) -> Self {
        let mut columns = self.columns.clone();
        columns.extend(right.columns.iter().cloned());
        PlanSchema { columns }
    }
}

/// A set of column identities, hashed cheaply (identities are distinct
/// counters, so one multiplication spreads them well).
pub(crate) type IdSet = std::collections::HashSet<ColumnId, BuildHasherDefault<IdHasher>>;

/// A map keyed by column identity, hashed as [`IdSet`] is.
pub(crate) type IdMap<V> = HashMap<ColumnId, V, BuildHasherDefault<IdHasher>>;

/// The hasher of [`IdSet`] and [`IdMap`].
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Finds columns of a schema by identity: by scanning the columns, until a
/// wide schema has been asked often enough to pay for a hash map (a `SELECT
/// *` over 20,000 columns resolves 20,000 references; a join in a chain of
/// 1,000 resolves one key over thousands of columns).
pub(crate) struct Lookup<'a> {
    schema: &'a PlanSchema,
    scans: std::cell::Cell<usize>,
    map: std::cell::OnceCell<IdMap<usize>>,
}

impl<'a> Lookup<'a> {
    /// Schemas up to this many columns are always scanned, and wider ones
    /// for this many lookups.
    const SCAN_LIMIT: usize = 32;

    /// A lookup over `schema`.
    pub(crate) fn new(schema: &'a PlanSchema) -> Self {
        Lookup {
            schema,
            scans: std::cell::Cell::new(0),
            map: std::cell::OnceCell::new(),
        }
    }

    /// The schema looked in.
    pub(crate) fn schema(&self) -> &'a PlanSchema {
        self.schema
    }

    /// The position of `id` (the first, when repeated).
    pub(crate) fn index_of(&self, id: ColumnId) -> Option<usize> {
        if let Some(m) = self.map.get() {
            return m.get(&id).copied();
        }
        if self.schema.len() <= Self::SCAN_LIMIT || self.scans.get() < Self::SCAN_LIMIT {
            self.scans.set(self.scans.get() + 1);
            return self.schema.index_of(id);
        }
        let m = self.map.get_or_init(|| {
            let mut m = IdMap::with_capacity_and_hasher(self.schema.len(), Default::default());
            for (i, c) in self.schema.columns.iter().enumerate() {
                m.entry(c.id).or_insert(i);
            }
            m
        });
        m.get(&id).copied()
    }
}
