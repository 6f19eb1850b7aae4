// Package testjsongen makes tests/data/dumps/gotest_json_timeout.go1.27.txt, a test
// timeout as `go test -json` reports it (one JSON event a line):
//
//	go test -json -timeout 2s . > gotest_json_timeout.go1.27.txt 2>&1
//
// tests/data/dumps/goleak_json.go1.27.txt is goleakgen's report the same way:
//
//	(cd ../goleakgen && go test -json -count=1 -run TestNew . > goleak_json.go1.27.txt 2>&1)
package testjsongen

import "testing"

// TestHang answers once on an unbuffered channel and then waits forever: the second
// send never completes and the test times out.
func TestHang(t *testing.T) {
	ch := make(chan int)
	go func() { ch <- 1; ch <- 2 }()
	<-ch
	t.Log("got the first answer")
	select {}
}
