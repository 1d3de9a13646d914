//! Joins. The right input is gathered and hashed on its key columns (the build
//! side); left batches stream through and probe it. Without keys (CROSS JOIN or
//! a non-equi condition) every pair is a candidate, produced in bounded chunks.
//! A residual condition is evaluated on the candidate pairs; outer joins then
//! add the rows that found no partner, padded with NULLs.
//!
//! Semi and anti joins (EXISTS, IN, NOT EXISTS after decorrelation) output
//! the left rows that found a partner, or found none. A mark join outputs every
//! left row plus a boolean column with `left IN right`'s three-valued answer:
//! true on a match; otherwise NULL when the left key is NULL or the right side
//! holds a NULL key (and is not empty), else false.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{new_empty_array, Array, ArrayRef, RecordBatch, UInt32Array};

use super::eval::{evaluate, true_mask};
use super::rowset::{as_i64, int_key, KeyMap};
use super::{batch_size, batches_size, gather, make_batch, ExecContext, Reservation, Stream};
use crate::error::Result;
use crate::plan::{Expr, JoinKind, PlanSchema};
use arrow_array::types::Int64Type;

/// Candidate pairs produced per output batch, at most (bounds a cross product's memory).
const PAIRS_PER_BATCH: usize = 64 * 1024;

pub(super) struct JoinSpec<'a> {
    pub kind: JoinKind,
    pub on: &'a [(Expr, Expr)],
    pub filter: Option<&'a Expr>,
    pub schema: &'a PlanSchema,
    pub left: &'a PlanSchema,
    pub right: &'a PlanSchema,
}

impl JoinSpec<'_> {
    /// Whether the output holds only the left side's columns (plus a mark).
    fn left_only(&self) -> bool {
        matches!(self.kind, JoinKind::Semi | JoinKind::Anti | JoinKind::Mark)
    }
}

/// No row: the end of a chain in [`KeyIndex`].
const NONE: u32 = u32::MAX;

/// The rows of a batch by join key: a dense id per distinct key and, per id,
/// a chain of the rows with that key (`heads[id]`, then `next[row]`), in row
/// order. Rows with a NULL in their key are left out: they never match.
struct KeyIndex {
    ids: KeyIds,
    /// Beside a hashed integer key: which values the build side holds.
    present: Option<Present>,
    heads: Vec<u32>,
    next: Vec<u32>,
    has_null_key: bool,
}

/// A bit per value over the range of a hashed integer key's build values.
/// Most probe rows of a selective join find nothing (TPC-H q3: 99% of
/// `lineitem` rows; q5: 85%), and one bit test rules such a row out where a
/// hash lookup would miss the cache. Kept while the range is at most
/// [`PRESENT_BITS_PER_ROW`] bits a build row (8 bytes, under the hash map's
/// 20 a key).
struct Present {
    min: i64,
    bits: Vec<u64>,
}

const PRESENT_BITS_PER_ROW: i128 = 64;

impl Present {
    /// The values of `v` (NULLs skipped), when their range `lo..=hi` is
    /// narrow enough.
    fn of(v: &arrow_array::Int64Array, lo: i64, hi: i64) -> Option<Present> {
        let span = hi as i128 - lo as i128 + 1;
        if span > PRESENT_BITS_PER_ROW * v.len() as i128 {
            return None;
        }
        let mut bits = vec![0u64; (span as usize).div_ceil(64)];
        for (i, &x) in v.values().iter().enumerate() {
            if v.is_valid(i) {
                let off = (x - lo) as usize;
                bits[off >> 6] |= 1 << (off & 63);
            }
        }
        Some(Present { min: lo, bits })
    }

    #[inline]
    fn holds(&self, x: i64) -> bool {
        // Below `min` wraps to a huge offset, past the bits.
        let off = x.wrapping_sub(self.min) as u64 as usize;
        self.bits
            .get(off >> 6)
            .is_some_and(|w| w >> (off & 63) & 1 == 1)
    }

    fn memory_size(&self) -> usize {
        self.bits.capacity() * 8
    }
}

/// How a key becomes its id.
enum KeyIds {
    /// One integer key whose values span a range not much larger than the
    /// rows (primary keys: TPC-H's orderkey, custkey, partkey): the id is the
    /// value's offset from the smallest, with no hashing at all.
    Dense { min: i64 },
    /// Any other key: hashed.
    Map(KeyMap),
}

/// The largest span of key values indexed directly (64 Mi ids, 256 MiB).
const MAX_DENSE_SPAN: i128 = 1 << 26;

impl KeyIndex {
    fn build(key_columns: &[ArrayRef], rows: usize, held: &mut Reservation) -> Result<Self> {
        let types: Vec<_> = key_columns.iter().map(|c| c.data_type().clone()).collect();
        let mut ids: Vec<u32> = Vec::with_capacity(rows);
        let mut present = None;
        let dense = match (key_columns, types.as_slice()) {
            ([column], [t]) if int_key(t) => {
                let v = as_i64(column)?;
                let v = v.as_primitive::<Int64Type>();
                match (
                    arrow_arith::aggregate::min(v),
                    arrow_arith::aggregate::max(v),
                ) {
                    (Some(lo), Some(hi)) => {
                        let span = hi as i128 - lo as i128 + 1;
                        let fits = span <= (4 * rows as i128).max(1024) && span <= MAX_DENSE_SPAN;
                        if fits {
                            // NULL rows get any id; they are skipped below.
                            ids.extend(v.values().iter().map(|&x| x.wrapping_sub(lo) as u32));
                            Some((lo, span as usize))
                        } else {
                            present = Present::of(v, lo, hi);
                            None
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let (key_ids, num_ids) = match dense {
            Some((min, span)) => (KeyIds::Dense { min }, span),
            None => {
                let mut keys = KeyMap::new(&types)?;
                keys.intern(key_columns, &mut ids)?;
                let n = keys.len();
                (KeyIds::Map(keys), n)
            }
        };
        // Ids, chain links and heads: four bytes each (plus the key map).
        let map_bytes = match &key_ids {
            KeyIds::Map(m) => m.memory_size(),
            KeyIds::Dense { .. } => 0,
        } + present.as_ref().map_or(0, Present::memory_size);
        held.grow(8 * rows + 4 * num_ids + map_bytes)?;
        let mut heads: Vec<u32> = vec![NONE; num_ids];
        let mut next = vec![NONE; rows];
        let key_nulls: Vec<_> = key_columns
            .iter()
            .filter_map(|c| c.logical_nulls())
            .collect();
        let mut has_null_key = false;
        // Backwards, so each chain lists its rows in ascending order.
        for j in (0..rows).rev() {
            if key_nulls.iter().any(|n| n.is_null(j)) {
                has_null_key = true;
                continue;
            }
            let id = ids[j] as usize;
            next[j] = heads[id];
            heads[id] = j as u32;
        }
        Ok(KeyIndex {
            ids: key_ids,
            present,
            heads,
            next,
            has_null_key,
        })
    }

    /// For each probe row, the id of its key when some build row has it.
    fn lookup(&self, key_columns: &[ArrayRef], rows: usize) -> Result<Vec<Option<u32>>> {
        let mut ids = match (&self.ids, &self.present) {
            (KeyIds::Dense { min }, _) => {
                let v = as_i64(&key_columns[0])?;
                let v = v.as_primitive::<Int64Type>();
                let span = self.heads.len() as i128;
                v.values()
                    .iter()
                    .map(|&x| {
                        let off = x as i128 - *min as i128;
                        (off >= 0 && off < span && self.heads[off as usize] != NONE)
                            .then_some(off as u32)
                    })
                    .collect()
            }
            (KeyIds::Map(KeyMap::Int { ids, .. }), Some(present)) => {
                let v = as_i64(&key_columns[0])?;
                v.as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .map(|&x| if present.holds(x) { ids.get(x) } else { None })
                    .collect()
            }
            (KeyIds::Map(keys), _) => keys.get(key_columns)?,
        };
        let key_nulls: Vec<_> = key_columns
            .iter()
            .filter_map(|c| c.logical_nulls())
            .collect();
        if !key_nulls.is_empty() {
            for (i, id) in ids.iter_mut().enumerate().take(rows) {
                if key_nulls.iter().any(|k| k.is_null(i)) {
                    *id = None;
                }
            }
        }
        Ok(ids)
    }

    /// The rows whose key has id `id`, in ascending order.
    fn rows(&self, id: u32) -> Chain<'_> {
        Chain {
            next: &self.next,
            at: self.heads[id as usize],
        }
    }
}

/// A walk along one key's chain of rows in a [`KeyIndex`].
struct Chain<'a> {
    next: &'a [u32],
    at: u32,
}

impl Iterator for Chain<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.at == NONE {
            return None;
        }
        let row = self.at;
        self.at = self.next[row as usize];
        Some(row)
    }
}

/// A join's right input, gathered and indexed: built once, then probed by
/// one stream of left batches or, in a parallel step, by several.
pub(super) struct BuildSide {
    batch: RecordBatch,
    /// The build rows by key (none for a join without keys).
    keys: Option<KeyIndex>,
    /// Whether some right row has a NULL key (for the mark join's NULL rule).
    has_null_key: bool,
    /// The columns of a candidate pair: left's then right's.
    pair_schema: PlanSchema,
    /// The memory the gathered rows and the index hold.
    _held: Reservation,
}

pub(super) fn join<'a>(
    left: Stream<'a>,
    right: Stream<'a>,
    spec: JoinSpec<'a>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let build = Arc::new(build_side(right, &spec, ctx)?);
    probe(left, build, spec, ctx)
}

/// Streams `left` past a built right side.
pub(super) fn probe<'a>(
    left: Stream<'a>,
    build: Arc<BuildSide>,
    spec: JoinSpec<'a>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let right_rows = build.batch.num_rows();
    let mut matched_right = vec![false; right_rows];
    let mut out: VecDeque<RecordBatch> = VecDeque::new();
    let mut piece: Option<Piece> = None;
    let mut left = left;
    let mut left_done = false;
    let mut tail_done = false;
    Ok(Box::new(std::iter::from_fn(move || loop {
        if let Some(b) = out.pop_front() {
            return Some(Ok(b));
        }
        if let Some(p) = piece.as_mut() {
            match p.advance(&build, &spec, &mut matched_right, &mut out, ctx) {
                Ok(true) => piece = None,
                Ok(false) => {}
                Err(e) => return Some(Err(e)),
            }
            continue;
        }
        if !left_done {
            match left.next() {
                Some(Ok(b)) => match Piece::new(b, &build, &spec, ctx) {
                    Ok(p) => piece = Some(p),
                    Err(e) => return Some(Err(e)),
                },
                Some(Err(e)) => return Some(Err(e)),
                None => left_done = true,
            }
            continue;
        }
        if !tail_done {
            tail_done = true;
            if matches!(spec.kind, JoinKind::Right | JoinKind::Full) {
                let unmatched: Vec<Option<u32>> = (0..right_rows)
                    .filter(|&j| !matched_right[j])
                    .map(|j| Some(j as u32))
                    .collect();
                if !unmatched.is_empty() {
                    let left_nulls = vec![None; unmatched.len()];
                    return Some(assemble(
                        None,
                        &build.batch,
                        &left_nulls,
                        &unmatched,
                        spec.left,
                        spec.schema,
                    ));
                }
            }
        }
        return None;
    })))
}

/// The right input gathered and indexed by its keys.
pub(super) fn build_side(
    right: Stream<'_>,
    spec: &JoinSpec,
    ctx: &ExecContext,
) -> Result<BuildSide> {
    let mut held = ctx.memory.reserve("a join's build side");
    let batches = gather(right, &mut held)?;
    let batch = match batches.first() {
        Some(_) => concat_held(&batches, &mut held)?,
        None => {
            let columns: Vec<ArrayRef> = spec
                .right
                .columns
                .iter()
                .map(|c| new_empty_array(&c.data_type))
                .collect();
            make_batch(spec.right, columns, 0)?
        }
    };
    let pair_schema = spec.left.join(spec.right);
    if spec.on.is_empty() {
        return Ok(BuildSide {
            batch,
            keys: None,
            has_null_key: false,
            pair_schema,
            _held: held,
        });
    }
    let key_columns = spec
        .on
        .iter()
        .map(|(_, r)| evaluate(r, &batch, ctx))
        .collect::<Result<Vec<_>>>()?;
    let index = KeyIndex::build(&key_columns, batch.num_rows(), &mut held)?;
    Ok(BuildSide {
        has_null_key: index.has_null_key,
        batch,
        keys: Some(index),
        pair_schema,
        _held: held,
    })
}

/// `batches` as one batch, `held` counting the one batch instead of the parts.
fn concat_held(batches: &[RecordBatch], held: &mut Reservation) -> Result<RecordBatch> {
    if batches.len() == 1 {
        return Ok(batches[0].clone());
    }
    // The copy is made while the parts are still held.
    held.grow(batches_size(batches))?;
    let batch = super::concat(batches)?;
    held.resize(batch_size(&batch))?;
    Ok(batch)
}

/// A semi or anti join that hashes its left input (the smaller) and streams
/// the right past it; the left rows come out once the right is exhausted.
pub(super) fn semi_join_build_left<'a>(
    left: Stream<'a>,
    right: Stream<'a>,
    spec: JoinSpec<'a>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let Some(build) = LeftHash::build(left, &spec, ctx)? else {
        return Ok(Box::new(std::iter::empty()));
    };
    let matched = build.mark(right, &spec, ctx)?;
    let out = build.finish(&matched, &spec)?;
    Ok(Box::new(std::iter::once(Ok(out))))
}

/// The left side of a semi or anti join that hashes its left input: the
/// rows and their index by key. Streams of right rows mark the left rows
/// they match ([`mark`](Self::mark)); several can do so at once (the parts
/// of a parallel scan), their marks OR-ed together.
pub(super) struct LeftHash {
    lb: RecordBatch,
    index: KeyIndex,
    pair_schema: PlanSchema,
    _held: Reservation,
}

impl LeftHash {
    /// The left rows gathered and indexed; `None` when there are none.
    pub(super) fn build(
        left: Stream<'_>,
        spec: &JoinSpec,
        ctx: &ExecContext,
    ) -> Result<Option<Self>> {
        let mut held = ctx.memory.reserve("a semi join's build side");
        let batches = gather(left, &mut held)?;
        let lb = match batches.first() {
            Some(_) => concat_held(&batches, &mut held)?,
            None => return Ok(None),
        };
        drop(batches);
        let key_columns = spec
            .on
            .iter()
            .map(|(l, _)| evaluate(l, &lb, ctx))
            .collect::<Result<Vec<_>>>()?;
        let index = KeyIndex::build(&key_columns, lb.num_rows(), &mut held)?;
        Ok(Some(LeftHash {
            pair_schema: spec.left.join(spec.right),
            lb,
            index,
            _held: held,
        }))
    }

    /// Which left rows the rows of `right` match (the join's keys and
    /// residual condition).
    pub(super) fn mark(
        &self,
        right: Stream<'_>,
        spec: &JoinSpec,
        ctx: &ExecContext,
    ) -> Result<Vec<bool>> {
        let (lb, index) = (&self.lb, &self.index);
        let mut matched = vec![false; lb.num_rows()];
        // Without a residual condition a key decides for all its rows at once.
        let mut key_done = vec![false; index.heads.len()];
        for rb in right {
            let rb = rb?;
            let rk = spec
                .on
                .iter()
                .map(|(_, r)| evaluate(r, &rb, ctx))
                .collect::<Result<Vec<_>>>()?;
            let ids = index.lookup(&rk, rb.num_rows())?;
            let (mut li, mut ri): (Vec<Option<u32>>, Vec<Option<u32>>) = (Vec::new(), Vec::new());
            for (j, id) in ids.into_iter().enumerate() {
                let Some(id) = id else { continue };
                if spec.filter.is_none() {
                    if !key_done[id as usize] {
                        key_done[id as usize] = true;
                        index.rows(id).for_each(|i| matched[i as usize] = true);
                    }
                    continue;
                }
                for i in index.rows(id) {
                    if !matched[i as usize] {
                        li.push(Some(i));
                        ri.push(Some(j as u32));
                    }
                }
                if li.len() >= PAIRS_PER_BATCH {
                    self.mark_pairs(&rb, (&mut li, &mut ri), spec, &mut matched, ctx)?;
                }
            }
            self.mark_pairs(&rb, (&mut li, &mut ri), spec, &mut matched, ctx)?;
        }
        Ok(matched)
    }

    /// Evaluates the residual condition on the candidate pairs (left row,
    /// row of `rb`) and marks the left rows of those that pass; empties the
    /// pair lists.
    fn mark_pairs(
        &self,
        rb: &RecordBatch,
        (li, ri): (&mut Vec<Option<u32>>, &mut Vec<Option<u32>>),
        spec: &JoinSpec,
        matched: &mut [bool],
        ctx: &ExecContext,
    ) -> Result<()> {
        let Some(filter) = spec.filter else {
            return Ok(());
        };
        if li.is_empty() {
            return Ok(());
        }
        let candidates = assemble(Some(&self.lb), rb, li, ri, spec.left, &self.pair_schema)?;
        let mask = evaluate(filter, &candidates, ctx)?;
        let mask = true_mask(mask.as_boolean());
        for (k, l) in li.iter().enumerate() {
            if let (true, Some(i)) = (mask.value(k), l) {
                matched[*i as usize] = true;
            }
        }
        li.clear();
        ri.clear();
        Ok(())
    }

    /// The join's output: the left rows matched (semi) or not (anti).
    pub(super) fn finish(&self, matched: &[bool], spec: &JoinSpec) -> Result<RecordBatch> {
        left_rows_where(&self.lb, matched, spec.kind == JoinKind::Semi, spec.schema)
    }
}

/// The rows of `lb` whose `matched` flag is `want` (a semi join's output
/// when `want`, an anti join's otherwise).
fn left_rows_where(
    lb: &RecordBatch,
    matched: &[bool],
    want: bool,
    schema: &PlanSchema,
) -> Result<RecordBatch> {
    let mask =
        arrow_array::BooleanArray::from(matched.iter().map(|m| *m == want).collect::<Vec<bool>>());
    let kept = super::basic::filter_batch(lb, &mask)?;
    make_batch(schema, kept.columns().to_vec(), kept.num_rows())
}

/// One left batch being joined. Its candidate pairs are produced at most
/// [`PAIRS_PER_BATCH`] at a time, resuming where the last call stopped (in
/// the middle of a key's chain of build rows, or of the build side for a
/// join without keys), so one left row with a million partners still makes
/// bounded batches.
struct Piece {
    lb: RecordBatch,
    /// Each row's key id in the build index (keyed joins).
    ids: Vec<Option<u32>>,
    /// Rows whose key holds a NULL (the mark join answers NULL for them).
    null_left: Vec<bool>,
    /// The next left row to pair.
    row: usize,
    /// Where that row's pairing resumes: a build row of its chain, or
    /// [`NONE`] to start from its beginning.
    at: u32,
    /// Left rows with at least one pair passing the join condition.
    matched_left: Vec<bool>,
}

impl Piece {
    fn new(lb: RecordBatch, build: &BuildSide, spec: &JoinSpec, ctx: &ExecContext) -> Result<Self> {
        let n = lb.num_rows();
        let (mut ids, mut null_left) = (Vec::new(), Vec::new());
        if let Some(index) = &build.keys {
            let key_columns = spec
                .on
                .iter()
                .map(|(l, _)| evaluate(l, &lb, ctx))
                .collect::<Result<Vec<_>>>()?;
            if spec.kind == JoinKind::Mark {
                let nulls: Vec<_> = key_columns
                    .iter()
                    .filter_map(|c| c.logical_nulls())
                    .collect();
                null_left = (0..n).map(|i| nulls.iter().any(|k| k.is_null(i))).collect();
            }
            ids = index.lookup(&key_columns, n)?;
        }
        Ok(Piece {
            lb,
            ids,
            null_left,
            row: 0,
            at: NONE,
            matched_left: vec![false; n],
        })
    }

    /// Joins the next bounded share of the piece, pushing any output to
    /// `out`; true when the piece is done.
    fn advance(
        &mut self,
        build: &BuildSide,
        spec: &JoinSpec,
        matched_right: &mut [bool],
        out: &mut VecDeque<RecordBatch>,
        ctx: &ExecContext,
    ) -> Result<bool> {
        let (mut li, mut ri) = self.candidates(build, spec);
        let done = self.row >= self.lb.num_rows();
        // The residual condition, on the candidate pairs.
        if let (Some(filter), false) = (spec.filter, li.is_empty()) {
            let pairs = assemble_pairs(
                &self.lb,
                &build.batch,
                &li,
                &ri,
                spec.left,
                &build.pair_schema,
            )?;
            let mask = evaluate(filter, &pairs, ctx)?;
            let mask = true_mask(mask.as_boolean());
            let keep: Vec<usize> = (0..li.len()).filter(|&k| mask.value(k)).collect();
            li = keep.iter().map(|&k| li[k]).collect();
            ri = keep.iter().map(|&k| ri[k]).collect();
        }
        for &i in &li {
            self.matched_left[i as usize] = true;
        }
        if spec.left_only() {
            // Decided per left row once all its pairs are seen.
            if done {
                let rows: Vec<u32> = (0..self.lb.num_rows() as u32)
                    .filter(|&i| self.matched_left[i as usize])
                    .collect();
                out.extend(semi_anti_mark(
                    &self.lb,
                    &rows,
                    build,
                    spec,
                    &self.null_left,
                )?);
            }
            return Ok(done);
        }
        for &j in &ri {
            matched_right[j as usize] = true;
        }
        if !li.is_empty() {
            out.push_back(assemble_pairs(
                &self.lb,
                &build.batch,
                &li,
                &ri,
                spec.left,
                spec.schema,
            )?);
        }
        if done && matches!(spec.kind, JoinKind::Left | JoinKind::Full) {
            let lo: Vec<Option<u32>> = (0..self.lb.num_rows() as u32)
                .filter(|&i| !self.matched_left[i as usize])
                .map(Some)
                .collect();
            if !lo.is_empty() {
                let ro = vec![None; lo.len()];
                out.push_back(assemble(
                    Some(&self.lb),
                    &build.batch,
                    &lo,
                    &ro,
                    spec.left,
                    spec.schema,
                )?);
            }
        }
        Ok(done)
    }

    /// Up to [`PAIRS_PER_BATCH`] candidate pairs (left row, build row) from
    /// where the last call stopped.
    fn candidates(&mut self, build: &BuildSide, spec: &JoinSpec) -> (Vec<u32>, Vec<u32>) {
        let n = self.lb.num_rows();
        let (mut li, mut ri) = (Vec::new(), Vec::new());
        match &build.keys {
            Some(index) => {
                while self.row < n && li.len() < PAIRS_PER_BATCH {
                    let i = self.row;
                    let Some(id) = self.ids[i] else {
                        self.row += 1;
                        continue;
                    };
                    // Without a residual condition one partner decides a
                    // semi, anti or mark join: no need to list them all.
                    if spec.left_only() && spec.filter.is_none() {
                        li.push(i as u32);
                        self.row += 1;
                        continue;
                    }
                    let mut at = if self.at == NONE {
                        index.heads[id as usize]
                    } else {
                        self.at
                    };
                    while at != NONE && li.len() < PAIRS_PER_BATCH {
                        li.push(i as u32);
                        ri.push(at);
                        at = index.next[at as usize];
                    }
                    if at == NONE {
                        self.row += 1;
                        self.at = NONE;
                    } else {
                        self.at = at;
                    }
                }
            }
            None => {
                let m = build.batch.num_rows() as u32;
                if m == 0 {
                    self.row = n;
                }
                while self.row < n && li.len() < PAIRS_PER_BATCH {
                    let mut j = if self.at == NONE { 0 } else { self.at };
                    while j < m && li.len() < PAIRS_PER_BATCH {
                        li.push(self.row as u32);
                        ri.push(j);
                        j += 1;
                    }
                    if j == m {
                        self.row += 1;
                        self.at = NONE;
                    } else {
                        self.at = j;
                    }
                }
            }
        }
        (li, ri)
    }
}

/// The output of a semi, anti or mark join for one left piece, given the left
/// rows of the pairs that passed the join condition.
fn semi_anti_mark(
    lb: &RecordBatch,
    li: &[u32],
    build: &BuildSide,
    spec: &JoinSpec,
    null_left: &[bool],
) -> Result<Option<RecordBatch>> {
    let n = lb.num_rows();
    let mut matched = vec![false; n];
    for &i in li {
        matched[i as usize] = true;
    }
    let keep = |want: bool| -> Result<Option<RecordBatch>> {
        let out = left_rows_where(lb, &matched, want, spec.schema)?;
        Ok((out.num_rows() > 0).then_some(out))
    };
    match spec.kind {
        JoinKind::Semi => keep(true),
        JoinKind::Anti => keep(false),
        _ => {
            let right_empty = build.batch.num_rows() == 0;
            let mark: arrow_array::BooleanArray = (0..n)
                .map(|i| {
                    if matched[i] {
                        Some(true)
                    } else if right_empty {
                        Some(false)
                    } else if build.has_null_key || null_left.get(i).copied().unwrap_or(false) {
                        None
                    } else {
                        Some(false)
                    }
                })
                .collect();
            let mut columns = lb.columns().to_vec();
            columns.push(std::sync::Arc::new(mark));
            make_batch(spec.schema, columns, n).map(Some)
        }
    }
}

/// Rows of `schema` from pairs where both sides are present.
fn assemble_pairs(
    lb: &RecordBatch,
    rb: &RecordBatch,
    li: &[u32],
    ri: &[u32],
    left: &PlanSchema,
    schema: &PlanSchema,
) -> Result<RecordBatch> {
    let lo: Vec<Option<u32>> = li.iter().map(|&i| Some(i)).collect();
    let ro: Vec<Option<u32>> = ri.iter().map(|&j| Some(j)).collect();
    assemble(Some(lb), rb, &lo, &ro, left, schema)
}

/// Rows of `schema` (left's columns then right's) from index pairs; `None` is
/// a NULL-padded side.
fn assemble(
    lb: Option<&RecordBatch>,
    rb: &RecordBatch,
    lo: &[Option<u32>],
    ro: &[Option<u32>],
    left: &PlanSchema,
    schema: &PlanSchema,
) -> Result<RecordBatch> {
    let lidx = UInt32Array::from(lo.to_vec());
    let ridx = UInt32Array::from(ro.to_vec());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.len());
    match lb {
        Some(lb) => {
            for c in lb.columns() {
                columns.push(arrow_select::take::take(c.as_ref(), &lidx, None)?);
            }
        }
        None => {
            for c in &left.columns {
                columns.push(arrow_array::new_null_array(&c.data_type, lo.len()));
            }
        }
    }
    for c in rb.columns() {
        columns.push(arrow_select::take::take(c.as_ref(), &ridx, None)?);
    }
    make_batch(schema, columns, lo.len())
}
