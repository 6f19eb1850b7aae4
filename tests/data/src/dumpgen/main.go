// dumpgen writes the goroutine profiles of a small program in every form the
// runtime serves: runtime/pprof debug=0 (gzipped protobuf), 1 and 2 for the
// "goroutine" profile and, where the toolchain has it, "goroutineleak"; and the
// default (protobuf) answer of net/http/pprof's /debug/pprof/goroutine.
//
//	go run . OUTDIR PREFIX
//
// Standard library only. Go 1.26 needs GOEXPERIMENT=goroutineleakprofile for
// the leak profile; Go 1.27 has it always.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var reachable = make(chan int)

// leak blocks on a channel that nothing else can reach: the leak profile's GC proves it stuck.
func leak() {
	ch := make(chan int)
	go func() { ch <- 1 }()
}

func parked(wg *sync.WaitGroup) {
	wg.Done()
	<-reachable
}

func write(dir, prefix, name string, debug int) {
	p := pprof.Lookup(name)
	if p == nil {
		return
	}
	ext := "txt"
	if debug == 0 {
		ext = "pb.gz"
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s.%s.debug%d.%s", prefix, name, debug, ext)))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := p.WriteTo(f, debug); err != nil {
		panic(err)
	}
}

func main() {
	dir, prefix := os.Args[1], os.Args[2]
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		leak()
	}
	for i := 0; i < 3; i++ {
		wg.Add(1)
		labels := pprof.Labels("worker", fmt.Sprint(i%2), "tenant", "a b")
		pprof.Do(context.Background(), labels, func(context.Context) { go parked(&wg) })
	}
	wg.Wait()
	time.Sleep(50 * time.Millisecond)
	runtime.GC()
	for _, name := range []string{"goroutine", "goroutineleak"} {
		for _, debug := range []int{0, 1, 2} {
			write(dir, prefix, name, debug)
		}
	}
	srv := httptest.NewServer(http.DefaultServeMux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/debug/pprof/goroutine")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := os.WriteFile(filepath.Join(dir, prefix+".http-goroutine.pb.gz"), body, 0o644); err != nil {
		panic(err)
	}
}
