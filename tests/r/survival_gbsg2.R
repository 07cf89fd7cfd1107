# Reference values from R's survival package for the GBSG2 comparison used in the primer.
#
# Regenerate (done live by tests/test_survival_against_r.py when Rscript is installed):
#   python -c "import lifelines.datasets as d; d.load_gbsg2().to_csv('/tmp/gbsg2.csv', index=False)"
#   Rscript tests/r/survival_gbsg2.R /tmp/gbsg2.csv tests/reference/r_survival_gbsg2.csv
# Debian: apt-get install --no-install-recommends r-base-core r-cran-survival
#
# Time is converted from days to months as the book does: months = days / (365.25 / 12).
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d$months <- d$time / (365.25 / 12)
d$hormone <- as.integer(d$horTh == "yes")
horizon <- 60

out <- list()
fit <- survfit(Surv(months, cens) ~ horTh, data = d, conf.type = "log-log")
tab <- summary(fit, rmean = horizon)$table
for (g in c("no", "yes")) {
  row <- tab[paste0("horTh=", g), ]
  out[[paste0("median_", g)]] <- row[["median"]]
  out[[paste0("median_lower_", g)]] <- row[["0.95LCL"]]
  out[[paste0("median_upper_", g)]] <- row[["0.95UCL"]]  # NA when the band never reaches 0.5
  out[[paste0("events_", g)]] <- row[["events"]]
  out[[paste0("rmst_", g)]] <- row[["rmean"]]
  out[[paste0("rmst_se_", g)]] <- row[["se(rmean)"]]
}
lr <- survdiff(Surv(months, cens) ~ horTh, data = d)
out$logrank_chisq <- lr$chisq
out$logrank_p <- pchisq(lr$chisq, df = 1, lower.tail = FALSE)
cox <- coxph(Surv(months, cens) ~ hormone, data = d, ties = "efron",
             control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100))
s <- summary(cox)$coefficients
out$cox_coef <- s["hormone", "coef"]
out$cox_se <- s["hormone", "se(coef)"]
out$cox_hr <- s["hormone", "exp(coef)"]
out$cox_p <- s["hormone", "Pr(>|z|)"]
zph <- cox.zph(cox, transform = "km")
out$zph_km_chisq <- zph$table["hormone", "chisq"]
out$zph_km_p <- zph$table["hormone", "p"]

values <- vapply(out, function(v) if (is.na(v)) "NA" else sprintf("%.17g", v), character(1))
write.csv(data.frame(quantity = names(out), value = values), args[2], row.names = FALSE, quote = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
