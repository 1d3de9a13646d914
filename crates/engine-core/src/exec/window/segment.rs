//! A segment tree: any range's combined value in O(log n) steps, so a
//! sliding frame's SUM or MIN costs log n per row rather than the frame's
//! length (DuckDB and DataFusion do the same).

/// A bottom-up segment tree over `n` leaves with an associative `combine`
/// whose `identity` is its neutral value.
pub(super) struct SegmentTree<T, F> {
    n: usize,
    nodes: Vec<T>,
    identity: T,
    combine: F,
}

impl<T: Copy, F: Fn(T, T) -> T> SegmentTree<T, F> {
    /// A tree over `leaves`.
    pub fn new(leaves: Vec<T>, identity: T, combine: F) -> Self {
        let n = leaves.len();
        let mut nodes = vec![identity; n];
        nodes.extend(leaves);
        for i in (1..n).rev() {
            nodes[i] = combine(nodes[2 * i], nodes[2 * i + 1]);
        }
        SegmentTree {
            n,
            nodes,
            identity,
            combine,
        }
    }

    /// The combined value of leaves `start..end` (the identity when empty).
    pub fn query(&self, start: usize, end: usize) -> T {
        let (mut l, mut r) = (start + self.n, end.min(self.n) + self.n);
        let (mut left, mut right) = (self.identity, self.identity);
        while l < r {
            if l & 1 == 1 {
                left = (self.combine)(left, self.nodes[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                right = (self.combine)(self.nodes[r], right);
            }
            l >>= 1;
            r >>= 1;
        }
        (self.combine)(left, right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_matches_a_plain_fold() {
        for n in [0usize, 1, 2, 3, 7, 8, 13] {
            let leaves: Vec<i64> = (0..n as i64).map(|i| (i * 7919) % 23 - 11).collect();
            let sum = SegmentTree::new(leaves.clone(), 0, |a, b| a + b);
            let min = SegmentTree::new(leaves.clone(), i64::MAX, |a: i64, b| a.min(b));
            // An order-sensitive combine: the leaves' sequence, as digits.
            let seq = SegmentTree::new(
                (0..n as u64).map(|i| (i % 10, 10)).collect(),
                (0, 1),
                |a: (u64, u64), b: (u64, u64)| (a.0 * b.1 + b.0, a.1 * b.1),
            );
            for s in 0..=n {
                for e in s..=n {
                    assert_eq!(sum.query(s, e), leaves[s..e].iter().sum::<i64>());
                    assert_eq!(
                        min.query(s, e),
                        leaves[s..e].iter().copied().min().unwrap_or(i64::MAX)
                    );
                    let digits = (s..e).fold(0u64, |acc, i| acc * 10 + (i as u64 % 10));
                    assert_eq!(seq.query(s, e).0, digits, "{s}..{e} of {n}");
                }
            }
        }
    }
}
