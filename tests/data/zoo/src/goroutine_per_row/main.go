// Command goroutine_per_row: a report builder starts one goroutine per row of
// a query result to enrich it, and reads enriched rows until it has the page
// it needs. The goroutines of the rows it did not read block forever in
// "chan send": hundreds per report.
//
// Classic pattern (a goroutine per row with no bound and an early return).
package main

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"example.com/zoo/internal/harness"
)

type Row struct {
	ID       int
	Customer string
	Total    int
}

type Enriched struct {
	Row
	Segment string
}

type Report struct {
	PageSize int
	rng      *rand.Rand
}

func query(n int, rng *rand.Rand) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{ID: i, Customer: fmt.Sprintf("cust-%05d", rng.Intn(100000)), Total: rng.Intn(10000)}
	}
	return rows
}

func (r *Report) enrich(row Row, out chan<- Enriched) {
	seg := "retail"
	if row.Total > 5000 {
		seg = "wholesale"
	}
	time.Sleep(time.Millisecond)
	out <- Enriched{Row: row, Segment: strings.ToUpper(seg)}
}

func (r *Report) Build(rows []Row) []Enriched {
	out := make(chan Enriched)
	for _, row := range rows {
		go r.enrich(row, out) // one goroutine per row, unbounded
	}
	page := make([]Enriched, 0, r.PageSize)
	for e := range out {
		page = append(page, e)
		if len(page) == r.PageSize {
			return page // BUG: the other goroutines never get to send
		}
	}
	return page
}

func main() {
	run := harness.Start("goroutine_per_row")
	rng := rand.New(rand.NewSource(42))
	r := &Report{PageSize: 10}
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		rows := query(100, rng)
		_ = r.Build(rows)
		run.Await(90*wave, "chan send", "main.(*Report).enrich")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
