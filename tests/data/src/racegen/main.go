// racegen makes the race detector report: two goroutines write one counter
// without a lock, and a map is written from a goroutine while main reads it.
//
//	go run -race .  2> report.txt
package main

import (
	"fmt"
	"sync"
)

type counter struct{ n int }

func (c *counter) bump() { c.n++ }

func worker(c *counter, wg *sync.WaitGroup) {
	defer wg.Done()
	c.bump()
}

func main() {
	var wg sync.WaitGroup
	c := &counter{}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go worker(c, &wg)
	}
	m := map[int]int{}
	done := make(chan bool)
	go func() {
		m[1] = 1
		done <- true
	}()
	fmt.Println(len(m))
	<-done
	wg.Wait()
	fmt.Println(c.n)
}
