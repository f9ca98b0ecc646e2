"""Instruments every lesson uses: timing, timelines, charts, progress bars, CPU contention."""
