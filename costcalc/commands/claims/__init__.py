"""Claim checking, one module per family of check kinds (``costcalc.commands.checks`` dispatches).

outcome    the verdict vocabulary, default tolerances and what a check returns
quantity   '<quantity> <relation> <value>' claims about any subject: cost, GPU-hours, days, FLOPs, ...
           (``--claim``, claims files and the article's cost, duration, GPU-hours and compute rows)
figures    checks on figures that are not one quantity of one subject (capacity, ratio, feasibility)
facts      checks on stated facts (match, benchmark, first, node type)
statements checks on general statements (share, architecture, largest, ordinal, wording, acronym)
subject    what a quantity claim is about: one estimate, kept per subject, and its published run
evidence   what a quantity claim is judged against: a published run's figures or costcalc's range
oneline    reading a one-line claim
files      claims files: the template, and checking a file or one-line claims
"""
