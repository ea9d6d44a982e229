"""Stages 2-3: parse what agents typed into typed values, and validate each row against its form."""
