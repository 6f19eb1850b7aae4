// Command test_timeout_leak is a tiny crawler. Its test hangs: the crawler
// stops reading found pages after MaxPages, so the remaining fetchers block
// forever in "chan send" and Run's WaitGroup never reaches zero. The fixture
// is the output of `go test -timeout 2s` ("panic: test timed out after 2s",
// "running tests:", then every goroutine).
//
// Inspired by GoBench tests that hang on a leaked sender (e.g. kubernetes
// and etcd tests that wait for workers blocked on a result channel).
package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

type Page struct {
	URL   string
	Links []string
}

type Crawler struct {
	MaxPages int
	Fetch    func(url string) Page
}

func (c *Crawler) visit(url string, found chan<- Page, wg *sync.WaitGroup) {
	defer wg.Done()
	found <- c.Fetch(url)
}

// Run fetches the seeds in parallel and returns the first MaxPages pages.
func (c *Crawler) Run(seeds []string) []Page {
	found := make(chan Page)
	var wg sync.WaitGroup
	for _, u := range seeds {
		wg.Add(1)
		go c.visit(u, found, &wg)
	}
	var pages []Page
	for p := range found {
		pages = append(pages, p)
		if len(pages) == c.MaxPages {
			break // BUG: the other visitors never get to send
		}
	}
	wg.Wait()
	return pages
}

func fakeFetch(url string) Page {
	time.Sleep(time.Millisecond)
	return Page{URL: url, Links: []string{url + "/a", url + "/b"}}
}

func main() {
	c := &Crawler{MaxPages: 3, Fetch: fakeFetch}
	var seeds []string
	for i := 0; i < len(os.Args); i++ {
		seeds = append(seeds, fmt.Sprintf("https://site%d.example/", i))
	}
	for _, p := range c.Run(seeds) {
		fmt.Println(p.URL, strings.Join(p.Links, " "))
	}
}
