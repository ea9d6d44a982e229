"""Stage 6: common issues (共性问题): problem texts normalised, phrased and clustered; team lexicons."""
