//! Plans as EXPLAIN prints them: one node a line, inputs indented below, a
//! plan shared by several nodes printed in full once and then named by its
//! number (printing it at each reference would cost time exponential in the
//! nesting of shared plans). The logical and the physical plan both print
//! this way.

use std::collections::HashMap;

/// A node of a plan tree EXPLAIN prints.
pub(crate) trait ExplainNode {
    /// The node's line, without indent.
    fn line(&self) -> String;
    /// The node's inputs, in order.
    fn inputs(&self) -> Vec<&Self>;
    /// For a reference to a shared plan: the plan's identity, the word that
    /// names it (`Shared`), what to say of it the first time, and the plan.
    fn shared(&self) -> Option<Shared<'_, Self>>;
}

/// A reference to a shared plan, as [`ExplainNode::shared`] describes it.
pub(crate) struct Shared<'a, N: ?Sized> {
    pub key: usize,
    pub word: &'static str,
    pub first: Option<&'static str>,
    pub plan: &'a N,
}

/// The lines of `root`, each node's followed by what `note` says of it.
pub(crate) fn lines<N: ExplainNode>(root: &N, note: &dyn Fn(&N) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    walk(root, 0, &mut out, &mut HashMap::new(), note);
    out
}

fn walk<N: ExplainNode>(
    node: &N,
    depth: usize,
    out: &mut Vec<String>,
    seen: &mut HashMap<usize, usize>,
    note: &dyn Fn(&N) -> Option<String>,
) {
    let indent = "  ".repeat(depth);
    if let Some(s) = node.shared() {
        if let Some(n) = seen.get(&s.key) {
            out.push(format!("{indent}{} #{n} (as above)", s.word));
            return;
        }
        let n = seen.len() + 1;
        seen.insert(s.key, n);
        match s.first {
            Some(what) => out.push(format!("{indent}{} #{n} ({what})", s.word)),
            None => out.push(format!("{indent}{} #{n}", s.word)),
        }
        return walk(s.plan, depth + 1, out, seen, note);
    }
    match note(node) {
        Some(n) => out.push(format!("{indent}{}  [{n}]", node.line())),
        None => out.push(format!("{indent}{}", node.line())),
    }
    for i in node.inputs() {
        walk(i, depth + 1, out, seen, note);
    }
}
