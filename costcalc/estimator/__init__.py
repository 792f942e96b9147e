"""One estimate: the list of inputs, resolving defaults, computing, layouts, uncertainty, the result."""
