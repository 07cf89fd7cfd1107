# Reference E-values computed in plain R from the published formulas, for helpers.observational.
#
# Regenerate (done live by tests/test_observational.py when Rscript is installed):
#   Rscript tests/r/evalue_reference.R tests/reference/r_evalue.csv
# Debian: apt-get install --no-install-recommends r-base-core   (base R only)
#
# The R package EValue is not used (it is not in Debian); its formulas are restated here from
# VanderWeele TJ, Ding P. Ann Intern Med 2017;167:268-74 (E-value, Table 1; HR conversion,
# Table 2) and VanderWeele TJ. Biometrics 2020;76:746-52 (square-root HR conversion), as in
# EValue::evalues.HR(est, lo, hi, rare, true = 1). The first four cases are the worked examples
# printed in the EValue documentation; the others cover the branches (HR < 1 or > 1, interval
# including 1, limit exactly 1, HR = 1, no interval, extreme ratios).
args <- commandArgs(trailingOnly = TRUE)

hr_to_rr <- function(hr, rare) {
  if (is.na(hr)) return(NA_real_)
  if (rare) hr else (1 - 0.5^sqrt(hr)) / (1 - 0.5^sqrt(1 / hr))
}
evalue_point <- function(rr) {
  if (rr < 1) rr <- 1 / rr
  rr + sqrt(rr * (rr - 1))
}
evalue_limit <- function(rr, lo, hi) {
  if (is.na(lo)) return(NA_real_)
  if (rr >= 1) {
    if (lo <= 1) 1 else evalue_point(lo)
  } else {
    if (hi >= 1) 1 else evalue_point(hi)
  }
}

cases <- data.frame(
  case = c("victora_rr_3.9", "ahrq_leukaemia_rr_0.80", "hammond_horn_smoking_rr_10.73",
           "evalue_docs_hr_0.56_common", "hr_above_1_common", "hr_below_1_ci_includes_1",
           "hr_above_1_ci_includes_1", "hr_1", "no_interval", "limit_exactly_1",
           "extreme_protective", "extreme_harmful", "hr_below_1_rare"),
  hr = c(3.9, 0.80, 10.73, 0.56, 1.45, 0.85, 1.20, 1.0, 0.70, 1.3, 0.1, 12, 0.62),
  lower = c(1.8, 0.71, 8.02, 0.46, 1.12, 0.68, 0.95, 0.8, NA, 1.0, 0.05, 6, 0.45),
  upper = c(8.7, 0.91, 14.36, 0.69, 1.88, 1.06, 1.52, 1.25, NA, 1.69, 0.2, 24, 0.85),
  rare_outcome = c(TRUE, TRUE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE,
                   FALSE, TRUE)
)
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))
out <- cases
for (i in seq_len(nrow(cases))) {
  rare <- cases$rare_outcome[i]
  rr <- hr_to_rr(cases$hr[i], rare)
  rr_lower <- hr_to_rr(cases$lower[i], rare)
  rr_upper <- hr_to_rr(cases$upper[i], rare)
  out$rr[i] <- fmt(rr)
  out$rr_lower[i] <- fmt(rr_lower)
  out$rr_upper[i] <- fmt(rr_upper)
  out$e_value[i] <- fmt(evalue_point(rr))
  out$e_value_ci[i] <- fmt(evalue_limit(rr, rr_lower, rr_upper))
}
out$hr <- fmt(out$hr)
out$lower <- fmt(out$lower)
out$upper <- fmt(out$upper)
write.csv(out, args[1], row.names = FALSE, quote = FALSE)
cat(sprintf("R %s\n", getRversion()))
