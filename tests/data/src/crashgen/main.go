// crashgen dies of a runtime fatal error ("concurrent map writes") while a few
// dozen goroutines wait, so its stderr is a real crash traceback.
//
//	GOTRACEBACK=all go run . 2> crash.txt
package main

import (
	"log"
	"sync"
	"time"
)

func wait(ch chan int) { <-ch }

func main() {
	ch := make(chan int)
	for i := 0; i < 20; i++ {
		go wait(ch)
	}
	log.Printf("starting writers")
	m := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for k := 0; ; k++ {
				m[k%64] = i
			}
		}(i)
	}
	time.Sleep(10 * time.Second)
	wg.Wait()
}
