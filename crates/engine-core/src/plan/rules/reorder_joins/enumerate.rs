//! The cheapest join tree of a few inputs, bushy or not, by dynamic
//! programming over their connected subsets.
//!
//! Each subset `S` of the inputs gets an estimated row count: its inputs'
//! rows multiplied together, divided for each input by the distinct count of
//! the key joining it to the others (a key to foreign key join gives the
//! foreign side's rows, fewer when the key side was filtered). The best tree
//! for `S` joins the best trees of two connected halves that an equality
//! joins, the half estimated larger probing a hash of the other (the half
//! holding the largest input is always probed), and costs the halves' costs
//! plus the rows it hashes and the rows it produces. So
//! `lineitem ⋈ orders ⋈ customer` with customer filtered joins orders to
//! customer first and hashes that small result, where a left-deep order
//! would hash all of the filtered orders (TPC-H q3).
//!
//! Every subset and every split of it is looked at: 3^n steps, so this runs
//! up to [`MAX_INPUTS`] inputs; more, or inputs that no chain of equalities
//! connects, are ordered greedily by the caller.

use super::KeyEdge;

/// The most inputs planned this way (3^10 = 59,049 splits).
pub(super) const MAX_INPUTS: usize = 10;

/// A join tree over input indices: a join probes its left input's rows
/// against a hash of its right input's.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tree {
    Leaf(usize),
    Join(Box<Tree>, Box<Tree>),
}

impl Tree {
    /// The left-deep tree joining `order`'s inputs one after another.
    pub(super) fn left_deep(order: &[usize]) -> Tree {
        let mut tree = Tree::Leaf(order[0]);
        for &i in &order[1..] {
            tree = Tree::Join(Box::new(tree), Box::new(Tree::Leaf(i)));
        }
        tree
    }

    /// The inputs in output column order (left before right).
    pub(super) fn leaves(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(t) = stack.pop() {
            match t {
                Tree::Leaf(i) => out.push(*i),
                Tree::Join(l, r) => {
                    stack.push(r);
                    stack.push(l);
                }
            }
        }
        out
    }
}

/// The cheapest tree joining inputs of estimated `sizes` by the equalities
/// `edges`; `None` with more than [`MAX_INPUTS`] inputs or when the
/// equalities do not connect them all.
pub(super) fn best_tree(sizes: &[f64], edges: &[KeyEdge]) -> Option<Tree> {
    let n = sizes.len();
    if !(2..=MAX_INPUTS).contains(&n) {
        return None;
    }
    let full = (1usize << n) - 1;
    let mask = |inputs: &[usize]| inputs.iter().fold(0usize, |m, &i| m | 1 << i);
    let edges: Vec<(usize, usize, f64)> = edges
        .iter()
        .map(|e| (mask(&e.sides[0]), mask(&e.sides[1]), e.distinct))
        .collect();
    // Whether an equality has one side in `a` and the other in `b`.
    let joined_by_key = |a: usize, b: usize| {
        edges
            .iter()
            .any(|&(x, y, _)| (x & !a == 0 && y & !b == 0) || (x & !b == 0 && y & !a == 0))
    };
    let rows = subset_rows(sizes, &edges);
    let connected = connected_subsets(n, &edges);
    if !connected[full] {
        return None;
    }
    // The largest input is probed at every join it is in, never hashed (as
    // in the greedy order): estimates of joined rows are rough, and hashing
    // a large input's join by mistake costs far more than probing it.
    let largest = (0..n)
        .max_by(|&a, &b| sizes[a].total_cmp(&sizes[b]).then(b.cmp(&a)))
        .map_or(0, |i| 1usize << i);
    let mut cost = vec![f64::INFINITY; full + 1];
    // The half of each subset's best split that is probed.
    let mut probe = vec![0usize; full + 1];
    for s in 1..=full {
        if s.is_power_of_two() {
            cost[s] = 0.0;
            continue;
        }
        if !connected[s] {
            continue;
        }
        // Each unordered split once: the half holding the lowest input.
        let low = s & s.wrapping_neg();
        let mut a = (s - 1) & s;
        while a > 0 {
            let b = s & !a;
            if a & low != 0 && cost[a].is_finite() && cost[b].is_finite() && joined_by_key(a, b) {
                let a_probed = match (a & largest != 0, b & largest != 0) {
                    (true, _) => true,
                    (_, true) => false,
                    _ => rows[a] >= rows[b],
                };
                let (p, h) = match a_probed {
                    true => (a, b),
                    false => (b, a),
                };
                let c = cost[a] + cost[b] + rows[h] + rows[s];
                if c < cost[s] {
                    cost[s] = c;
                    probe[s] = p;
                }
            }
            a = (a - 1) & s;
        }
    }
    cost[full].is_finite().then(|| tree_of(full, &probe))
}

/// The tree of subset `s` by its best splits.
fn tree_of(s: usize, probe: &[usize]) -> Tree {
    if s.is_power_of_two() {
        return Tree::Leaf(s.trailing_zeros() as usize);
    }
    let p = probe[s];
    Tree::Join(
        Box::new(tree_of(p, probe)),
        Box::new(tree_of(s & !p, probe)),
    )
}

/// Each subset's estimated rows: the rest's rows times the rows of its
/// first input that an equality joins to the rest, divided by the largest
/// distinct count among those equalities (several equalities between the
/// same inputs are one composite key, which narrows no more than its most
/// selective part); a cross product when no input is joined to the rest.
fn subset_rows(sizes: &[f64], edges: &[(usize, usize, f64)]) -> Vec<f64> {
    let n = sizes.len();
    let full = (1usize << n) - 1;
    let mut rows = vec![1.0; full + 1];
    // The largest distinct count of the equalities joining input `one`
    // alone to inputs of `rest`.
    let key = |one: usize, rest: usize| {
        edges
            .iter()
            .filter(|&&(x, y, _)| (x == one && y & !rest == 0) || (y == one && x & !rest == 0))
            .map(|&(_, _, d)| d)
            .reduce(f64::max)
    };
    for s in 1..=full {
        if s.is_power_of_two() {
            rows[s] = sizes[s.trailing_zeros() as usize];
            continue;
        }
        let joined = (0..n)
            .filter(|&i| s & 1 << i != 0)
            .find_map(|i| key(1 << i, s & !(1 << i)).map(|d| (i, d)));
        let (i, d) = joined.unwrap_or((s.trailing_zeros() as usize, 1.0));
        rows[s] = (rows[s & !(1 << i)] * sizes[i] / d).max(1.0);
    }
    rows
}

/// For each subset, whether equalities connect all its inputs.
fn connected_subsets(n: usize, edges: &[(usize, usize, f64)]) -> Vec<bool> {
    // Inputs on either side of an equality are neighbours.
    let mut neighbours = vec![0usize; n];
    for &(x, y, _) in edges {
        for (i, near) in neighbours.iter_mut().enumerate() {
            if x & 1 << i != 0 {
                *near |= y;
            }
            if y & 1 << i != 0 {
                *near |= x;
            }
        }
    }
    let full = (1usize << n) - 1;
    (0..=full)
        .map(|s| {
            if s == 0 {
                return false;
            }
            let mut reached = s & s.wrapping_neg();
            loop {
                let mut next = reached;
                for (i, near) in neighbours.iter().enumerate() {
                    if reached & 1 << i != 0 {
                        next |= near & s;
                    }
                }
                if next == reached {
                    return reached == s;
                }
                reached = next;
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: usize, b: usize, distinct: f64) -> KeyEdge {
        KeyEdge {
            sides: [vec![a], vec![b]],
            distinct,
        }
    }

    #[test]
    fn a_filtered_key_side_is_joined_before_it_is_hashed() {
        // q3: lineitem (0) 2M rows, orders (1) 500k, customer (2) 15k after
        // its filter; orderkey has 2M distinct values, custkey 150k.
        let sizes = [2e6, 5e5, 1.5e4];
        let edges = [edge(0, 1, 2e6), edge(1, 2, 1.5e5)];
        let tree = best_tree(&sizes, &edges).unwrap();
        let orders_customer = Tree::Join(Box::new(Tree::Leaf(1)), Box::new(Tree::Leaf(2)));
        assert_eq!(
            tree,
            Tree::Join(Box::new(Tree::Leaf(0)), Box::new(orders_customer))
        );
        assert_eq!(tree.leaves(), [0, 1, 2]);
    }

    #[test]
    fn the_largest_input_is_probed_and_never_hashed() {
        // A star: a fact table and three small dimensions.
        let sizes = [1e6, 100.0, 50.0, 10.0];
        let edges = [edge(0, 1, 100.0), edge(0, 2, 50.0), edge(0, 3, 10.0)];
        let tree = best_tree(&sizes, &edges).unwrap();
        let mut probe = &tree;
        while let Tree::Join(l, r) = probe {
            assert!(matches!(**r, Tree::Leaf(_)), "{tree:?}");
            probe = l;
        }
        assert_eq!(*probe, Tree::Leaf(0));
    }

    #[test]
    fn q5_probes_lineitem_through_every_join() {
        // q5: lineitem (0), orders (1), customer (2), supplier (3), nation
        // (4), region (5). Lineitem joined to the others but customer is
        // estimated at 100k rows, fewer than customer's 150k; still,
        // lineitem's side is probed and customer hashed.
        let sizes = [6e6, 5e5, 1.5e5, 1e4, 25.0, 1.0];
        let edges = [
            edge(0, 1, 6e6),
            edge(1, 2, 1.5e5),
            edge(0, 3, 1e4),
            edge(2, 3, 25.0),
            edge(3, 4, 25.0),
            edge(4, 5, 5.0),
        ];
        let tree = best_tree(&sizes, &edges).unwrap();
        // The leftmost leaf streams through every join above it.
        assert_eq!(tree.leaves()[0], 0, "{tree:?}");
    }

    #[test]
    fn a_join_holding_the_largest_input_is_never_hashed() {
        // Lineitem (0) joined to filtered orders (1) is estimated at 100k
        // rows, fewer than customer's (2) 200k, and both trees cost the
        // same: the one hashing customer is taken.
        let sizes = [1e6, 1e5, 2e5];
        let edges = [edge(0, 1, 1e6), edge(1, 2, 2e5)];
        let tree = best_tree(&sizes, &edges).unwrap();
        // The leftmost leaf streams through every join above it.
        assert_eq!(tree.leaves()[0], 0, "{tree:?}");
    }

    #[test]
    fn inputs_no_equality_connects_are_left_to_the_caller() {
        let sizes = [10.0, 20.0, 30.0];
        assert_eq!(best_tree(&sizes, &[edge(0, 1, 10.0)]), None);
        assert_eq!(best_tree(&[1.0; 11], &[]), None);
    }
}
