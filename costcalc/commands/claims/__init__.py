"""Claim checking, one module per family of check kinds (``costcalc.commands.checks`` dispatches).

outcome    the verdict vocabulary, default tolerances and what a check returns
figures    checks on cost, hardware and schedule figures (capacity, ratio, cost, compute, ...)
facts      checks on stated facts (match, benchmark, first, node type, architecture, ...)
quantity   '<quantity> <relation> <value>' claims about any subject (``--claim``, claim files)
subject    what a quantity claim is about: one estimate, kept per subject, and its published run
evidence   what a quantity claim is judged against: a published run's figures or costcalc's range
oneline    reading a one-line claim
files      claims files: the template, and checking a file or one-line claims
"""
