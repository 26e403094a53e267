"""Prediction: damp and mould risk per home and failure risk per component, from
glass-box scorecards trained on the graph's own history (``scorecard``), with their
features (``features``), back-tests (``evaluation``), training and scoring (``models``),
roll-ups and the proactive work list (``forecast``) and provenance (``provenance``)."""
