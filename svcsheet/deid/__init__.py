"""Stage 4: detect personal data, mask it, key customers and staff; the key, the output leak scan, staff lookup."""
