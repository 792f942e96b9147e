"""The jobs built on the estimator: plan, sweep, scenario files, memory report, cost models, back-test, claim checks."""
