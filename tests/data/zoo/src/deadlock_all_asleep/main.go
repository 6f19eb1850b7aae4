// Command deadlock_all_asleep: a checksum tool starts one worker per file;
// each worker sends its digest on an unbuffered channel, but main waits for
// all workers (wg.Wait) before it starts reading the digests. Every
// goroutine is asleep, and the runtime stops the program with "fatal error:
// all goroutines are asleep - deadlock!" and prints the goroutines on
// stderr; that stderr is the fixture. This program writes no files itself.
//
// Classic pattern (Wait before draining an unbuffered channel).
package main

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

type digest struct {
	name string
	sum  [32]byte
}

func worker(name string, data []byte, out chan<- digest, wg *sync.WaitGroup) {
	defer wg.Done()
	out <- digest{name: name, sum: sha256.Sum256(data)}
}

func main() {
	files := map[string][]byte{
		"a.txt": []byte("alpha"),
		"b.txt": []byte("bravo"),
		"c.txt": []byte("charlie"),
		"d.txt": []byte("delta"),
		"e.txt": []byte("echo"),
	}
	out := make(chan digest)
	var wg sync.WaitGroup
	for name, data := range files {
		wg.Add(1)
		go worker(name, data, out, &wg)
	}
	wg.Wait() // BUG: nobody reads out until every worker is done
	close(out)
	for d := range out {
		fmt.Printf("%x  %s\n", d.sum, d.name)
	}
}
