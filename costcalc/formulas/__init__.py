"""Pure formulas, each with its equation and source: FLOPs, run time and the bill, memory, scaling laws."""
