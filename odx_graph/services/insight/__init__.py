"""Insight for landlords, boards and regulators: repair performance, provider comparison,
contractor market and replacement forecast (``repairs``); damp and mould rates and Awaab's
Law clocks (``damp``); small groups suppressed for the public."""
