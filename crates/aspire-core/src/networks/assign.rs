//! Exact minimum-cost assignment (the Hungarian method with potentials), used to give networks
//! to Achievement Advisers. An adviser who can take `c` networks becomes `c` slots, so an
//! assignment of networks to slots is an assignment of networks to advisers within capacity.
//! When the slots are fewer than the networks, [`partial_assignment`] gives every slot a network,
//! choosing which networks go unassigned so that the total of those assigned is least.

/// For a cost matrix with `rows ≤ cols` (row-major, `rows × cols`), the column of each row in an
/// assignment of least total cost. `None` when there are more rows than columns.
pub fn min_cost_assignment(cost: &[f64], rows: usize, cols: usize) -> Option<Vec<usize>> {
    if rows > cols || cost.len() != rows * cols {
        return None;
    }
    if rows == 0 {
        return Some(Vec::new());
    }
    // 1-based potentials and matches; column 0 is the virtual start of each augmenting path.
    let mut u = vec![0.0_f64; rows + 1];
    let mut v = vec![0.0_f64; cols + 1];
    let mut row_of = vec![0_usize; cols + 1];
    let mut way = vec![0_usize; cols + 1];
    for i in 1..=rows {
        row_of[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; cols + 1];
        let mut used = vec![false; cols + 1];
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=cols {
                if used[j] {
                    continue;
                }
                let cur = cost[(i0 - 1) * cols + (j - 1)] - u[i0] - v[j];
                if cur < minv[j] {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if minv[j] < delta {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for j in 0..=cols {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut col_of = vec![0; rows];
    for (j, &i) in row_of.iter().enumerate().skip(1) {
        if i != 0 {
            col_of[i - 1] = j - 1;
        }
    }
    Some(col_of)
}

/// For any cost matrix (row-major, `rows × cols`), the column of each row, or `None` for a row
/// left unassigned: as many rows as possible (`min(rows, cols)`) are assigned, each column at
/// most once, and among such assignments the total cost is least. With more rows than columns
/// the matrix is turned round, so that each column chooses its row.
pub fn partial_assignment(cost: &[f64], rows: usize, cols: usize) -> Option<Vec<Option<usize>>> {
    if cost.len() != rows * cols {
        return None;
    }
    if rows <= cols {
        return Some(min_cost_assignment(cost, rows, cols)?.into_iter().map(Some).collect());
    }
    let turned: Vec<f64> = (0..cols).flat_map(|c| (0..rows).map(move |r| cost[r * cols + c])).collect();
    let row_of_col = min_cost_assignment(&turned, cols, rows)?;
    let mut col_of = vec![None; rows];
    for (c, r) in row_of_col.into_iter().enumerate() {
        col_of[r] = Some(c);
    }
    Some(col_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use rand_xoshiro::rand_core::{Rng, SeedableRng};

    fn brute(cost: &[f64], rows: usize, cols: usize) -> f64 {
        fn go(cost: &[f64], rows: usize, cols: usize, r: usize, used: &mut Vec<bool>) -> f64 {
            if r == rows {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    best = best.min(cost[r * cols + c] + go(cost, rows, cols, r + 1, used));
                    used[c] = false;
                }
            }
            best
        }
        go(cost, rows, cols, 0, &mut vec![false; cols])
    }

    #[test]
    fn matches_brute_force_on_random_matrices() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for case in 0..300 {
            let rows = 1 + case % 5;
            let cols = rows + (case / 5) % 3;
            let cost: Vec<f64> = (0..rows * cols).map(|_| (rng.next_u64() % 1000) as f64 / 10.0).collect();
            let a = min_cost_assignment(&cost, rows, cols).expect("rows ≤ cols");
            let mut seen = vec![false; cols];
            for &c in &a {
                assert!(!seen[c], "each column once");
                seen[c] = true;
            }
            let total: f64 = a.iter().enumerate().map(|(r, &c)| cost[r * cols + c]).sum();
            assert!((total - brute(&cost, rows, cols)).abs() < 1e-9, "case {case}");
        }
    }

    /// The least total over every way of giving `min(rows, cols)` rows distinct columns.
    fn brute_partial(cost: &[f64], rows: usize, cols: usize) -> f64 {
        fn go(cost: &[f64], cols: usize, r: usize, left: usize, used: &mut Vec<bool>, rows: usize) -> f64 {
            if left == 0 {
                return 0.0;
            }
            if rows - r < left {
                return f64::INFINITY;
            }
            // Row r unassigned, or given a free column.
            let mut best = go(cost, cols, r + 1, left, used, rows);
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    best = best.min(cost[r * cols + c] + go(cost, cols, r + 1, left - 1, used, rows));
                    used[c] = false;
                }
            }
            best
        }
        go(cost, cols, 0, rows.min(cols), &mut vec![false; cols], rows)
    }

    #[test]
    fn a_short_capacity_assigns_as_many_as_it_can_at_least_total_cost() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for case in 0..300 {
            let cols = 1 + case % 4;
            let rows = cols + 1 + (case / 4) % 3;
            let cost: Vec<f64> = (0..rows * cols).map(|_| (rng.next_u64() % 1000) as f64 / 10.0).collect();
            let a = partial_assignment(&cost, rows, cols).expect("a matrix");
            let given: Vec<usize> = a.iter().flatten().copied().collect();
            assert_eq!(given.len(), cols, "every column is used when rows are more, case {case}");
            let mut seen = vec![false; cols];
            for &c in &given {
                assert!(!seen[c], "each column once");
                seen[c] = true;
            }
            let total: f64 = a.iter().enumerate().filter_map(|(r, c)| c.map(|c| cost[r * cols + c])).sum();
            assert!((total - brute_partial(&cost, rows, cols)).abs() < 1e-9, "case {case}");
        }
    }

    #[test]
    fn the_rows_left_out_are_the_costly_ones_not_the_last() {
        // Three networks, one adviser: the nearest network (the last) is the one assigned.
        let a = partial_assignment(&[50.0, 40.0, 3.0], 3, 1).expect("a matrix");
        assert_eq!(a, vec![None, None, Some(0)]);
        // Greedy by row would give row 0 column 0 (1.0) and leave row 1 only column 1 (100):
        // the least total gives row 0 column 1 and row 1 column 0, and leaves row 2 out.
        let cost = [1.0, 2.0, 2.0, 100.0, 9.0, 9.0];
        let a = partial_assignment(&cost, 3, 2).expect("a matrix");
        assert_eq!(a, vec![Some(1), Some(0), None]);
        assert!(partial_assignment(&[1.0], 2, 1).is_none(), "a matrix of the wrong size");
    }

    #[test]
    fn more_rows_than_columns_is_refused() {
        assert!(min_cost_assignment(&[1.0, 2.0], 2, 1).is_none());
        assert_eq!(min_cost_assignment(&[], 0, 0), Some(vec![]));
    }
}
