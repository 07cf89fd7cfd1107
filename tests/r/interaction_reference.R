# Reference values from R's metafor package for helpers.interaction (within-trial interactions).
#
# Regenerate (done live by tests/test_interaction.py when Rscript is installed):
#   Rscript tests/r/interaction_reference.R tests/reference/r_interaction_data.csv tests/reference/r_interaction.csv
# Debian: apt-get install --no-install-recommends r-base-core r-cran-metafor
#
# Input: made-up pairs of subgroup hazard ratios with their confidence limits, one pair per
# trial (columns dataset, level in percent, pair, hr_a, lower_a, upper_a, hr_b, lower_b, upper_b).
# Each subgroup's SE of the log HR is (log U - log L) / (2 qnorm((1 + level) / 2)) (Altman & Bland);
# the per-trial log ratio of HRs is log HR_a - log HR_b with SE sqrt(SE_a^2 + SE_b^2) (Altman & Bland
# 2003). The log ratios are pooled with rma(): REML with test = "knha" (Hartung-Knapp) and FE with
# test = "z" (the within-trial approach of Fisher et al. 2017). The naive across-trial comparison
# pools log HR_a and log HR_b separately with the same model and takes the difference of the two
# pooled estimates, SE sqrt(SE_a^2 + SE_b^2), with a normal reference.
# Output: one row per (dataset, analysis, model, quantity), values printed with 17 digits; for
# analysis "per_trial" the model column holds the pair.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)

ctrl <- list(threshold = 1e-12, maxiter = 1000)
rows <- list()
add <- function(dataset, analysis, model, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, analysis = analysis, model = model,
                                          quantity = quantity, value = sprintf("%.17g", value))
}
se_from_ci <- function(lower, upper, level) (log(upper) - log(lower)) / (2 * qnorm((1 + level / 100) / 2))

for (ds in unique(d$dataset)) {
  s <- d[d$dataset == ds, ]
  level <- s$level[1]
  se_a <- se_from_ci(s$lower_a, s$upper_a, level)
  se_b <- se_from_ci(s$lower_b, s$upper_b, level)
  yi <- log(s$hr_a) - log(s$hr_b)
  sei <- sqrt(se_a^2 + se_b^2)
  z <- qnorm((1 + level / 100) / 2)
  for (i in seq_len(nrow(s))) {
    add(ds, "per_trial", s$pair[i], "log_ratio", yi[i])
    add(ds, "per_trial", s$pair[i], "se", sei[i])
    add(ds, "per_trial", s$pair[i], "lower", exp(yi[i] - z * sei[i]))
    add(ds, "per_trial", s$pair[i], "upper", exp(yi[i] + z * sei[i]))
    add(ds, "per_trial", s$pair[i], "p", 2 * pnorm(-abs(yi[i] / sei[i])))
  }
  for (m in list(c("REML", "knha"), c("FE", "z"))) {
    fit <- rma(yi = yi, sei = sei, method = m[1], test = m[2], level = level, control = ctrl)
    model <- paste(m, collapse = "_")
    add(ds, "within", model, "log_ratio", fit$beta[1, 1])
    add(ds, "within", model, "se", fit$se)
    add(ds, "within", model, "lower", exp(fit$ci.lb))
    add(ds, "within", model, "upper", exp(fit$ci.ub))
    add(ds, "within", model, "statistic", fit$zval)
    add(ds, "within", model, "p", fit$pval)
    add(ds, "within", model, "tau2", fit$tau2)
    fit_a <- rma(yi = log(s$hr_a), sei = se_a, method = m[1], test = m[2], level = level, control = ctrl)
    fit_b <- rma(yi = log(s$hr_b), sei = se_b, method = m[1], test = m[2], level = level, control = ctrl)
    diff <- fit_a$beta[1, 1] - fit_b$beta[1, 1]
    se <- sqrt(fit_a$se^2 + fit_b$se^2)
    add(ds, "naive", model, "hr_a", exp(fit_a$beta[1, 1]))
    add(ds, "naive", model, "hr_b", exp(fit_b$beta[1, 1]))
    add(ds, "naive", model, "tau2_a", fit_a$tau2)
    add(ds, "naive", model, "tau2_b", fit_b$tau2)
    add(ds, "naive", model, "log_ratio", diff)
    add(ds, "naive", model, "se", se)
    add(ds, "naive", model, "lower", exp(diff - z * se))
    add(ds, "naive", model, "upper", exp(diff + z * se))
    add(ds, "naive", model, "p", 2 * pnorm(-abs(diff / se)))
  }
}
write.csv(do.call(rbind, rows), args[2], row.names = FALSE, quote = FALSE)
cat(sprintf("R %s, metafor %s\n", getRversion(), packageVersion("metafor")))
