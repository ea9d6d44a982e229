"""Stage 1: find the input workbooks and read each one into neutral grids and raw rows with their provenance."""
