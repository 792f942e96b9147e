"""Every formatter: text tables, Markdown, JSON and HTML for each result type."""
