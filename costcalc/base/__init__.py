"""The bottom layer: units, the parser of what people type, the quantity field type, errors.

Imports nothing above it.
"""
