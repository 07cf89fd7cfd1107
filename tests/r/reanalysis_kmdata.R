# Reference values from R's survival package for helpers.reanalysis, on the committed kmdata rows.
#
# Regenerate (done live by tests/test_reanalysis.py when Rscript is installed):
#   Rscript tests/r/reanalysis_kmdata.R data/kmdata tests/reference/r_reanalysis_kmdata.csv
# Debian: apt-get install --no-install-recommends r-base-core r-cran-survival
#
# Per data set: RMST and its SE per arm at each horizon (print(survfit, rmean = tau), the
# Klein-Moeschberger variance); Kaplan-Meier survival, Greenwood SE and log(-log) limits at each
# milestone (summary(survfit(conf.type = "log-log"), times)); cox.zph with the "km" and
# "identity" transforms (and the pre-3.0 approximate test by hand); and the hazard ratio within each interval between the cuts, from
# survSplit rows, both fitted interval by interval and as one model with arm:strata(interval).
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]

specs <- list(
  PALOMA3_1A = list(experimental = "palbociclib_fulvestrant", horizons = c(6, 10), times = c(3, 6, 9), cuts = c(2, 4)),
  MONALEESA2_1 = list(experimental = "ribociclib_letrozole", horizons = c(12, 18), times = c(6, 12, 18), cuts = c(6, 12)),
  BOLERO2_1 = list(experimental = "eve_exe", horizons = c(12, 24, 36), times = c(12, 24, 36), cuts = c(12, 24)),
  PALOMA2_1A = list(experimental = "palbociclib_letrozole", horizons = c(12, 24), times = c(12, 24), cuts = c(6, 12, 18)),
  CLEOPATRA_2A = list(experimental = "pertuzumab", horizons = c(36, 60), times = c(24, 36, 60), cuts = c(12, 24, 36, 48))
)
ctl <- coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100)
out <- list()
put <- function(dataset, quantity, value) {
  out[[length(out) + 1]] <<- data.frame(dataset = dataset, quantity = quantity, value = sprintf("%.17g", value))
}
for (dataset in names(specs)) {
  s <- specs[[dataset]]
  d <- read.csv(file.path(folder, paste0(dataset, ".csv")), stringsAsFactors = FALSE)
  d$x <- as.integer(d$arm == s$experimental)
  arms <- c(experimental = s$experimental, control = setdiff(unique(d$arm), s$experimental))
  for (role in names(arms)) {
    sub <- d[d$arm == arms[[role]], ]
    fit <- survfit(Surv(time, event) ~ 1, data = sub, conf.type = "log-log")
    for (tau in s$horizons) {
      tab <- summary(fit, rmean = tau)$table
      put(dataset, sprintf("rmst_%s_%g", role, tau), tab[["rmean"]])
      put(dataset, sprintf("rmst_se_%s_%g", role, tau), tab[["se(rmean)"]])
    }
    m <- summary(fit, times = s$times)
    for (i in seq_along(s$times)) {
      t <- s$times[i]
      put(dataset, sprintf("surv_%s_%g", role, t), m$surv[i])
      put(dataset, sprintf("surv_se_%s_%g", role, t), m$std.err[i])
      put(dataset, sprintf("surv_lower_%s_%g", role, t), m$lower[i])
      put(dataset, sprintf("surv_upper_%s_%g", role, t), m$upper[i])
      put(dataset, sprintf("n_risk_%s_%g", role, t), m$n.risk[i])
    }
  }
  cox <- coxph(Surv(time, event) ~ x, data = d, ties = "efron", control = ctl)
  for (transform in c("km", "identity")) {
    zph <- cox.zph(cox, transform = transform)
    put(dataset, sprintf("zph_%s_chisq", transform), zph$table["x", "chisq"])
    put(dataset, sprintf("zph_%s_p", transform), zph$table["x", "p"])
  }
  # Grambsch & Therneau's approximate test, as cox.zph computed it before survival 3.0 (and as
  # lifelines' proportional_hazard_test does): scaled residuals r2 = resid * var * d against
  # centred transformed event times g; chi-squared = (g'r2)^2 / (var * d * g'g).
  resid <- residuals(cox, type = "schoenfeld")
  n_dead <- length(resid)
  event_times <- as.numeric(names(resid))
  km_fit <- survfit(Surv(time, event) ~ 1, data = d)
  left_km <- rep(c(1, km_fit$surv[km_fit$n.event > 0]), c(km_fit$n.event[km_fit$n.event > 0], 0))
  for (transform in c("km", "identity")) {
    g <- if (transform == "km") 1 - left_km else event_times
    g <- g - mean(g)
    r2 <- resid * cox$var[1, 1] * n_dead
    chisq <- sum(g * r2)^2 / (cox$var[1, 1] * n_dead * sum(g^2))
    put(dataset, sprintf("zph_approx_%s_chisq", transform), chisq)
    put(dataset, sprintf("zph_approx_%s_p", transform), pchisq(chisq, 1, lower.tail = FALSE))
  }
  split <- survSplit(Surv(time, event) ~ ., data = d, cut = s$cuts, episode = "interval")
  joint <- coxph(Surv(tstart, time, event) ~ x:strata(interval), data = split, ties = "efron", control = ctl)
  for (k in seq_len(length(s$cuts) + 1)) {
    part <- coxph(Surv(tstart, time, event) ~ x, data = split[split$interval == k, ], ties = "efron", control = ctl)
    co <- summary(part)$coefficients
    put(dataset, sprintf("piece_coef_%d", k), co["x", "coef"])
    put(dataset, sprintf("piece_se_%d", k), co["x", "se(coef)"])
    put(dataset, sprintf("piece_joint_coef_%d", k), coef(joint)[[k]])
    put(dataset, sprintf("piece_events_%d", k), sum(split$event[split$interval == k]))
  }
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE, quote = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
