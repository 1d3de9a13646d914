//! The aggregate functions' part of the function table (they are computed
//! by `exec::aggregate`, and over windows by `exec::window`).

use super::registry::{def, FunctionDef, FunctionKind::Aggregate};
use crate::plan::AggFunc as A;

/// The aggregates.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["count"],
        Aggregate(A::Count),
        "COUNT(* | x) -> BIGINT",
        "the rows, or the rows where x is not NULL",
    ),
    def(
        &["count_if"],
        Aggregate(A::CountIf),
        "COUNT_IF(b) -> BIGINT",
        "the rows where b is true",
    ),
    def(
        &["sum"],
        Aggregate(A::Sum),
        "SUM(x) -> BIGINT | DECIMAL | DOUBLE",
        "the sum (exact for integers and decimals)",
    ),
    def(
        &["avg", "mean"],
        Aggregate(A::Avg),
        "AVG(x) -> DOUBLE",
        "the mean",
    ),
    def(
        &["min"],
        Aggregate(A::Min),
        "MIN(x) -> type of x",
        "the smallest value",
    ),
    def(
        &["max"],
        Aggregate(A::Max),
        "MAX(x) -> type of x",
        "the largest value",
    ),
    def(
        &["bool_and", "every"],
        Aggregate(A::BoolAnd),
        "BOOL_AND(b) -> BOOLEAN",
        "whether every value is true",
    ),
    def(
        &["bool_or"],
        Aggregate(A::BoolOr),
        "BOOL_OR(b) -> BOOLEAN",
        "whether some value is true",
    ),
    def(
        &["any_value"],
        Aggregate(A::AnyValue),
        "ANY_VALUE(x) -> type of x",
        "the first non-NULL value met",
    ),
    def(
        &["arg_min", "argmin", "min_by"],
        Aggregate(A::ArgMin),
        "ARG_MIN(x, key) -> type of x",
        "x from the row with the smallest key",
    ),
    def(
        &["arg_max", "argmax", "max_by"],
        Aggregate(A::ArgMax),
        "ARG_MAX(x, key) -> type of x",
        "x from the row with the largest key",
    ),
    def(
        &["array_agg", "list"],
        Aggregate(A::ArrayAgg),
        "ARRAY_AGG(x) -> list",
        "the values as a list, NULLs kept",
    ),
    def(
        &["string_agg", "group_concat", "listagg"],
        Aggregate(A::StringAgg),
        "STRING_AGG(x [, separator]) -> VARCHAR",
        "the non-NULL values as text, joined by separator (',')",
    ),
    def(
        &["var_samp", "variance"],
        Aggregate(A::VarSamp),
        "VAR_SAMP(x) -> DOUBLE",
        "the sample variance",
    ),
    def(
        &["var_pop"],
        Aggregate(A::VarPop),
        "VAR_POP(x) -> DOUBLE",
        "the population variance",
    ),
    def(
        &["stddev_samp", "stddev"],
        Aggregate(A::StddevSamp),
        "STDDEV_SAMP(x) -> DOUBLE",
        "the sample standard deviation",
    ),
    def(
        &["stddev_pop"],
        Aggregate(A::StddevPop),
        "STDDEV_POP(x) -> DOUBLE",
        "the population standard deviation",
    ),
    def(
        &["covar_samp"],
        Aggregate(A::CovarSamp),
        "COVAR_SAMP(y, x) -> DOUBLE",
        "the sample covariance",
    ),
    def(
        &["covar_pop"],
        Aggregate(A::CovarPop),
        "COVAR_POP(y, x) -> DOUBLE",
        "the population covariance",
    ),
    def(
        &["corr"],
        Aggregate(A::Corr),
        "CORR(y, x) -> DOUBLE",
        "the correlation coefficient",
    ),
    def(
        &["regr_slope"],
        Aggregate(A::RegrSlope),
        "REGR_SLOPE(y, x) -> DOUBLE",
        "the slope of the least-squares line",
    ),
    def(
        &["regr_intercept"],
        Aggregate(A::RegrIntercept),
        "REGR_INTERCEPT(y, x) -> DOUBLE",
        "the y-intercept of the least-squares line",
    ),
    def(
        &["regr_r2"],
        Aggregate(A::RegrR2),
        "REGR_R2(y, x) -> DOUBLE",
        "the square of the correlation coefficient",
    ),
    def(
        &["regr_count"],
        Aggregate(A::RegrCount),
        "REGR_COUNT(y, x) -> BIGINT",
        "the rows where neither is NULL",
    ),
    def(
        &["regr_avgx"],
        Aggregate(A::RegrAvgX),
        "REGR_AVGX(y, x) -> DOUBLE",
        "the mean of x where neither is NULL",
    ),
    def(
        &["regr_avgy"],
        Aggregate(A::RegrAvgY),
        "REGR_AVGY(y, x) -> DOUBLE",
        "the mean of y where neither is NULL",
    ),
    def(
        &["regr_sxx"],
        Aggregate(A::RegrSxx),
        "REGR_SXX(y, x) -> DOUBLE",
        "the sum of squared deviations of x",
    ),
    def(
        &["regr_syy"],
        Aggregate(A::RegrSyy),
        "REGR_SYY(y, x) -> DOUBLE",
        "the sum of squared deviations of y",
    ),
    def(
        &["regr_sxy"],
        Aggregate(A::RegrSxy),
        "REGR_SXY(y, x) -> DOUBLE",
        "the sum of products of the deviations",
    ),
    def(
        &["median"],
        Aggregate(A::Median),
        "MEDIAN(x) -> DOUBLE",
        "the middle value, interpolated",
    ),
    def(
        &["quantile_cont"],
        Aggregate(A::QuantileCont),
        "QUANTILE_CONT(x, q) -> DOUBLE",
        "the value at fraction q of the sorted values, interpolated",
    ),
    def(
        &["quantile_disc", "quantile"],
        Aggregate(A::QuantileDisc),
        "QUANTILE_DISC(x, q) -> type of x",
        "the first value at or past fraction q of the sorted values",
    ),
    def(
        &["mode"],
        Aggregate(A::Mode),
        "MODE(x) -> type of x",
        "the most frequent value (the first met of ties)",
    ),
    def(
        &["approx_count_distinct"],
        Aggregate(A::ApproxCountDistinct),
        "APPROX_COUNT_DISTINCT(x) -> BIGINT",
        "the number of distinct values (counted exactly)",
    ),
];
