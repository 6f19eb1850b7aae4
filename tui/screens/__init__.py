"""One screen per question: overview, spikes, long-lived, timeline, one goroutine."""
