//! Syntax trees too deep to work on, cut down before anything recurses.
//!
//! sqlparser builds `1 + 1 + … + 1`, `x::INT::INT…` and
//! `SELECT 1 UNION ALL SELECT 1 …` with loops, so a long chain parses into a
//! tree as deep as the chain is long, and every later step — binding,
//! printing, even dropping the tree — recurses once per level. 200,000 terms
//! overflow any thread's stack. [`limit_depth`] walks each statement counting
//! how deep it is (expressions, subqueries and set operations together); a
//! part that would take it past [`MAX_DEPTH`] is cut out, the statement is
//! rejected, and the cut parts are taken apart with a loop, so nothing
//! recurses deeper than the limit.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, SetExpr, Statement, Value, Values, VisitMut, VisitorMut};

use crate::error::{Error, Result};

/// How deep a statement may nest: levels of expressions, subqueries and set
/// operations counted together (DuckDB's `max_expression_depth` is 1000 too).
pub(crate) const MAX_DEPTH: usize = 1000;

/// Rejects statements that nest deeper than [`MAX_DEPTH`], freeing their
/// deep parts without recursion.
pub(crate) fn limit_depth(statements: &mut [Statement]) -> Result<()> {
    let mut cutter = Cutter::default();
    for s in statements.iter_mut() {
        let _ = s.visit(&mut cutter);
    }
    let too_deep = !cutter.cut.is_empty();
    let short_of_stack = cutter.short_of_stack;
    cutter.dismantle();
    if short_of_stack {
        return Err(crate::stack::too_deep_for_stack());
    }
    if too_deep {
        return Err(Error::Plan(format!(
            "the query nests more than {MAX_DEPTH} levels deep (expressions, \
             subqueries and UNION/INTERSECT/EXCEPT chains count together)"
        )));
    }
    Ok(())
}

/// A part cut out of a statement.
enum Piece {
    Expr(Box<Expr>),
    Set(Box<SetExpr>),
}

#[derive(Default)]
struct Cutter {
    /// Levels above the node being visited.
    depth: usize,
    cut: Vec<Piece>,
    /// Whether a part was cut because the thread's stack ran short (rather
    /// than for passing the limit).
    short_of_stack: bool,
}

impl Cutter {
    /// Drops the cut parts one level at a time: each piece gives up its
    /// chained children (pushed back onto the list), the rest of it is cut
    /// again where deep, and only then is it dropped — shallow by then.
    fn dismantle(&mut self) {
        while let Some(piece) = self.cut.pop() {
            self.depth = 0;
            match piece {
                Piece::Expr(mut e) => {
                    for child in chained_children(&mut e) {
                        self.cut.push(Piece::Expr(Box::new(std::mem::replace(
                            child,
                            placeholder(),
                        ))));
                    }
                    let _ = e.visit(self);
                }
                Piece::Set(mut s) => {
                    if let SetExpr::SetOperation { left, right, .. } = s.as_mut() {
                        for side in [left, right] {
                            let part = std::mem::replace(side.as_mut(), empty_set());
                            self.cut.push(Piece::Set(Box::new(part)));
                        }
                    }
                    let _ = s.visit(self);
                }
            }
        }
    }

    /// Whether a node that adds `levels` below the current depth goes too
    /// deep, or the stack is too short to walk it.
    fn too_deep(&mut self, levels: usize) -> bool {
        if crate::stack::check().is_err() {
            self.short_of_stack = true;
            return true;
        }
        self.depth + levels > MAX_DEPTH
    }
}

impl VisitorMut for Cutter {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        rebalance(expr);
        let budget = MAX_DEPTH.saturating_sub(self.depth) + 1;
        if self.too_deep(spine_len(expr, budget)) {
            self.cut.push(Piece::Expr(Box::new(std::mem::replace(
                expr,
                placeholder(),
            ))));
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _: &mut Expr) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        rebalance(query.body.as_mut());
        let budget = MAX_DEPTH.saturating_sub(self.depth) + 1;
        if self.too_deep(set_spine_len(&query.body, budget) + 1) {
            let body = std::mem::replace(query.body.as_mut(), empty_set());
            self.cut.push(Piece::Set(Box::new(body)));
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
}

/// Runs shorter than this stay as the parser built them.
const REBALANCE_FROM: usize = 8;

/// A node type whose parser-built chains of one associative operator can be
/// regrouped: `Op` names the operator of a node, if it is one that may be.
trait Chain: Sized {
    type Op: PartialEq + Clone;
    /// The node's operator and its (left, right) operands.
    fn parts(&self) -> Option<(Self::Op, &Self, &Self)>;
    /// The node taken apart when its operator is `op`, or given back.
    fn split(self, op: &Self::Op) -> Result<(Self, Self), Self>;
    fn join(op: &Self::Op, left: Self, right: Self) -> Self;
    fn empty() -> Self;
}

/// `a AND b AND c AND …` (or OR): the same value under SQL's three-valued
/// logic whatever the grouping, so a WHERE clause of thousands of
/// conditions is not "too deep" (as in DuckDB).
impl Chain for Expr {
    type Op = sqlparser::ast::BinaryOperator;
    fn parts(&self) -> Option<(Self::Op, &Self, &Self)> {
        use sqlparser::ast::BinaryOperator::{And, Or};
        match self {
            Expr::BinaryOp {
                left,
                op: op @ (And | Or),
                right,
            } => Some((op.clone(), left, right)),
            _ => None,
        }
    }
    fn split(self, op: &Self::Op) -> Result<(Self, Self), Self> {
        match self {
            Expr::BinaryOp { left, op: o, right } if o == *op => Ok((*left, *right)),
            other => Err(other),
        }
    }
    fn join(op: &Self::Op, left: Self, right: Self) -> Self {
        Expr::BinaryOp {
            left: Box::new(left),
            op: op.clone(),
            right: Box::new(right),
        }
    }
    fn empty() -> Self {
        placeholder()
    }
}

/// UNION [ALL] and INTERSECT [ALL] are associative (EXCEPT is not, and stays
/// as written); the leftmost SELECT stays leftmost, so it still names the
/// columns.
impl Chain for SetExpr {
    type Op = (sqlparser::ast::SetOperator, sqlparser::ast::SetQuantifier);
    fn parts(&self) -> Option<(Self::Op, &Self, &Self)> {
        use sqlparser::ast::SetOperator::{Intersect, Union};
        match self {
            SetExpr::SetOperation {
                left,
                op: op @ (Union | Intersect),
                set_quantifier,
                right,
            } => Some(((*op, *set_quantifier), left, right)),
            _ => None,
        }
    }
    fn split(self, op: &Self::Op) -> Result<(Self, Self), Self> {
        match self {
            SetExpr::SetOperation {
                left,
                op: o,
                set_quantifier: q,
                right,
            } if (o, q) == *op => Ok((*left, *right)),
            other => Err(other),
        }
    }
    fn join(op: &Self::Op, left: Self, right: Self) -> Self {
        SetExpr::SetOperation {
            left: Box::new(left),
            op: op.0,
            set_quantifier: op.1,
            right: Box::new(right),
        }
    }
    fn empty() -> Self {
        empty_set()
    }
}

/// A left-deep run of one operator as a balanced tree of depth log n. Only a
/// chain as the parser builds it (plain operands on the right) is regrouped;
/// a tree already balanced is left alone.
fn rebalance<T: Chain>(root: &mut T) {
    let Some((op, _, _)) = root.parts() else {
        return;
    };
    let same = |t: &T| t.parts().is_some_and(|(o, _, _)| o == op);
    let mut run = 0;
    let mut cur: &T = root;
    while let Some((o, left, right)) = cur.parts() {
        if o != op || same(right) || run >= REBALANCE_FROM {
            break;
        }
        run += 1;
        cur = left;
    }
    if run < REBALANCE_FROM {
        return;
    }
    // Unlink the run by value: each node gives up its boxes before it is
    // dropped, so nothing recurses.
    let mut operands = Vec::new();
    let mut cur = std::mem::replace(root, T::empty());
    loop {
        match cur.split(&op) {
            Ok((left, right)) => {
                operands.push(right);
                cur = left;
            }
            Err(other) => {
                operands.push(other);
                break;
            }
        }
    }
    operands.reverse();
    *root = balanced(operands, &|l, r| T::join(&op, l, r));
}

/// `items` joined by `join` into a tree of depth log n, in order.
fn balanced<T>(mut items: Vec<T>, join: &dyn Fn(T, T) -> T) -> T {
    if items.len() == 1 {
        return items.pop().expect("one item");
    }
    let right = items.split_off(items.len() / 2);
    join(balanced(items, join), balanced(right, join))
}

fn placeholder() -> Expr {
    Expr::value(Value::Null)
}

fn empty_set() -> SetExpr {
    SetExpr::Values(Values {
        explicit_row: false,
        value_keyword: false,
        rows: vec![],
    })
}

/// The operand through which the parser's loops chain expressions: the left
/// side of infix and postfix operators (and the operand of prefix ones).
fn spine_child(e: &Expr) -> Option<&Expr> {
    let child: &Expr = match e {
        Expr::BinaryOp { left, .. } | Expr::AnyOp { left, .. } | Expr::AllOp { left, .. } => left,
        Expr::IsNull(x)
        | Expr::IsNotNull(x)
        | Expr::IsTrue(x)
        | Expr::IsNotTrue(x)
        | Expr::IsFalse(x)
        | Expr::IsNotFalse(x)
        | Expr::IsUnknown(x)
        | Expr::IsNotUnknown(x)
        | Expr::IsDistinctFrom(x, _)
        | Expr::IsNotDistinctFrom(x, _)
        | Expr::Nested(x) => x,
        Expr::UnaryOp { expr, .. }
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::In { expr, .. }
        | Expr::Between { expr, .. }
        | Expr::Like { expr, .. }
        | Expr::ILike { expr, .. }
        | Expr::SimilarTo { expr, .. }
        | Expr::RLike { expr, .. }
        | Expr::IsNormalized { expr, .. } => expr,
        Expr::AtTimeZone { timestamp, .. } => timestamp,
        Expr::JsonAccess { value, .. } => value,
        _ => return None,
    };
    Some(child)
}

/// Every boxed operand of a chainable node, to detach before dropping it.
fn chained_children(e: &mut Expr) -> Vec<&mut Expr> {
    match e {
        Expr::BinaryOp { left, right, .. }
        | Expr::AnyOp { left, right, .. }
        | Expr::AllOp { left, right, .. }
        | Expr::IsDistinctFrom(left, right)
        | Expr::IsNotDistinctFrom(left, right)
        | Expr::Like {
            expr: left,
            pattern: right,
            ..
        }
        | Expr::ILike {
            expr: left,
            pattern: right,
            ..
        }
        | Expr::SimilarTo {
            expr: left,
            pattern: right,
            ..
        }
        | Expr::RLike {
            expr: left,
            pattern: right,
            ..
        }
        | Expr::AtTimeZone {
            timestamp: left,
            time_zone: right,
        } => vec![left.as_mut(), right.as_mut()],
        Expr::Between {
            expr, low, high, ..
        } => vec![expr.as_mut(), low.as_mut(), high.as_mut()],
        other => spine_child_mut(other).into_iter().collect(),
    }
}

fn spine_child_mut(e: &mut Expr) -> Option<&mut Expr> {
    let child: &mut Expr = match e {
        Expr::IsNull(x)
        | Expr::IsNotNull(x)
        | Expr::IsTrue(x)
        | Expr::IsNotTrue(x)
        | Expr::IsFalse(x)
        | Expr::IsNotFalse(x)
        | Expr::IsUnknown(x)
        | Expr::IsNotUnknown(x)
        | Expr::Nested(x) => x,
        Expr::UnaryOp { expr, .. }
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::In { expr, .. }
        | Expr::IsNormalized { expr, .. } => expr,
        Expr::JsonAccess { value, .. } => value,
        _ => return None,
    };
    Some(child)
}

/// Length of `e`'s chain, counted with a loop up to `budget`.
fn spine_len(e: &Expr, budget: usize) -> usize {
    let mut n = 1;
    let mut cur = e;
    while let Some(next) = spine_child(cur) {
        if n >= budget {
            break;
        }
        n += 1;
        cur = next;
    }
    n
}

/// Number of set operations chained down `s`'s left side, up to `budget`.
fn set_spine_len(s: &SetExpr, budget: usize) -> usize {
    let mut n = 0;
    let mut cur = s;
    while let SetExpr::SetOperation { left, .. } = cur {
        if n >= budget {
            break;
        }
        n += 1;
        cur = left;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str) -> Result<()> {
        let mut s = sqlparser::parser::Parser::parse_sql(&super::super::TernDialect, sql).unwrap();
        limit_depth(&mut s)
    }

    #[test]
    fn long_chains_are_rejected_and_freed() {
        // Each would overflow the stack when dropped, were it not cut.
        let plus = format!("SELECT 1{}", "+1".repeat(200_000));
        let casts = format!("SELECT 1{}", "::INT".repeat(50_000));
        let unions = format!("SELECT 1{}", " EXCEPT SELECT 1".repeat(20_000));
        let nested = format!("SELECT f(1{}) + 1", " IS NULL".repeat(50_000));
        for sql in [plus, casts, unions, nested] {
            let err = check(&sql).unwrap_err().to_string();
            assert!(err.contains("more than 1000 levels"), "{err}");
        }
    }

    #[test]
    fn long_runs_of_and_or_union_intersect_are_balanced() {
        let and = format!("SELECT 1 WHERE {}", vec!["1 = 1"; 20_000].join(" AND "));
        let or = format!("SELECT 1 WHERE {}", vec!["1 = 1"; 20_000].join(" OR "));
        let union = format!("SELECT 1{}", " UNION ALL SELECT 1".repeat(20_000));
        let intersect = format!("SELECT 1{}", " INTERSECT SELECT 1".repeat(20_000));
        for sql in [and, or, union, intersect] {
            check(&sql).unwrap();
        }
        // EXCEPT is not associative: its chains stay, and are limited.
        let except = format!("SELECT 1{}", " EXCEPT SELECT 1".repeat(2_000));
        assert!(check(&except).is_err());
    }

    #[test]
    fn balanced_trees_are_log_deep() {
        fn depth(e: &Expr) -> usize {
            match e {
                Expr::BinaryOp { left, right, .. } => 1 + depth(left).max(depth(right)),
                _ => 1,
            }
        }
        let sql = format!("SELECT 1 WHERE {}", vec!["x > 0"; 20_000].join(" AND "));
        let mut s = sqlparser::parser::Parser::parse_sql(&super::super::TernDialect, &sql).unwrap();
        limit_depth(&mut s).unwrap();
        let Statement::Query(q) = &s[0] else {
            panic!("a query")
        };
        let SetExpr::Select(select) = q.body.as_ref() else {
            panic!("a select")
        };
        // log2(20,000) is 14.3; each operand adds its own level.
        assert!(depth(select.selection.as_ref().unwrap()) <= 17);
    }

    #[test]
    fn balancing_keeps_the_order_of_operands() {
        let sql = format!(
            "SELECT {} FROM t",
            (0..20)
                .map(|i| format!("c{i}"))
                .collect::<Vec<_>>()
                .join(" AND ")
        );
        let mut s = sqlparser::parser::Parser::parse_sql(&super::super::TernDialect, &sql).unwrap();
        limit_depth(&mut s).unwrap();
        assert_eq!(s[0].to_string(), sql);
    }

    #[test]
    fn chains_within_the_limit_pass() {
        // Unoptimised builds take several times the stack per level.
        let big_stack = std::thread::Builder::new().stack_size(256 << 20);
        big_stack
            .spawn(|| {
                check(&format!("SELECT 1{}", "+1".repeat(900))).unwrap();
                check(&format!("SELECT 1{}", " UNION ALL SELECT 1".repeat(900))).unwrap();
                // Many short chains side by side are not deep.
                let wide = vec!["1+1+1"; 5_000].join(", ");
                check(&format!("SELECT {wide}")).unwrap();
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
