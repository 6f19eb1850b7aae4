package main

import (
	"fmt"
	"testing"
)

func TestCrawlerRespectsMaxPages(t *testing.T) {
	c := &Crawler{MaxPages: 3, Fetch: fakeFetch}
	var seeds []string
	for i := 0; i < 9; i++ {
		seeds = append(seeds, fmt.Sprintf("https://site%d.example/", i))
	}
	pages := c.Run(seeds)
	if len(pages) != 3 {
		t.Fatalf("got %d pages, want 3", len(pages))
	}
}
