"""Go execution traces: format detection, the v1 and v2 readers, the event seam."""
