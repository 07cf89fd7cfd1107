# Reference values from R's metafor package for helpers.meta.pool.
#
# Regenerate (done live by tests/test_meta.py when Rscript is installed):
#   Rscript tests/r/metafor_reference.R tests/reference/r_metafor_data.csv tests/reference/r_metafor.csv
# Debian: apt-get install --no-install-recommends r-base-core r-cran-metafor
#
# Input: made-up log hazard ratios and standard errors (columns dataset, study, log_hr, se).
# Every data set is fitted with rma() for method REML, DL, PM and FE, each with test = "z" and
# test = "knha" (Hartung-Knapp, metafor's default: no truncation of the multiplier at 1).
# The prediction interval is predict(pi.type = "riley"): t with k - 2 df around the estimate
# using sqrt(tau^2 + SE^2) (Higgins, Thompson & Spiegelhalter 2009); FE models have none.
# On data set "cycling" plain Fisher scoring for REML cycles without converging; metafor's
# remedy, a halved step (stepadj = 0.5), is used there (it affects REML only).
# Output: one row per (dataset, method, test, quantity), values printed with 17 digits.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)

# Convergence far tighter than the defaults: threshold for REML's Fisher scoring, tol for the
# Paule-Mandel root search (uniroot) and for the check that tau^2 = 0 is not a better maximum.
ctrl <- list(threshold = 1e-12, maxiter = 1000, tol = 1e-15)

fit_quietly <- function(s, method, test, control) {
  withCallingHandlers(
    rma(yi = s$log_hr, sei = s$se, method = method, test = test, level = 95, control = control),
    warning = function(w) {
      # Hartung-Knapp with a common-effect model is computed but warned about; expected here.
      if (grepl("not meant to be used", conditionMessage(w))) invokeRestart("muffleWarning")
    })
}

rows <- list()
add <- function(dataset, method, test, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, method = method, test = test,
                                          quantity = quantity, value = sprintf("%.17g", value))
}
for (ds in unique(d$dataset)) {
  s <- d[d$dataset == ds, ]
  control <- if (ds == "cycling") c(ctrl, stepadj = 0.5) else ctrl
  for (method in c("REML", "DL", "PM", "FE")) {
    for (test in c("z", "knha")) {
      fit <- fit_quietly(s, method, test, control)
      add(ds, method, test, "estimate", fit$beta[1, 1])
      add(ds, method, test, "se", fit$se)
      add(ds, method, test, "lower", fit$ci.lb)
      add(ds, method, test, "upper", fit$ci.ub)
      add(ds, method, test, "statistic", fit$zval)
      add(ds, method, test, "p", fit$pval)
      add(ds, method, test, "tau2", fit$tau2)
      add(ds, method, test, "i2", fit$I2)
      add(ds, method, test, "q", fit$QE)
      add(ds, method, test, "q_p", fit$QEp)
      if (method != "FE") {
        pred <- predict(fit, pi.type = "riley")
        add(ds, method, test, "pi_lower", pred$pi.lb)
        add(ds, method, test, "pi_upper", pred$pi.ub)
      }
      w <- weights(fit)  # percent
      for (i in seq_along(w)) add(ds, method, test, paste0("weight_", s$study[i]), w[[i]])
    }
  }
}
write.csv(do.call(rbind, rows), args[2], row.names = FALSE, quote = FALSE)
cat(sprintf("R %s, metafor %s\n", getRversion(), packageVersion("metafor")))
