// Command range_unclosed: an uploader splits each upload into parts and
// starts a fixed number of shipper goroutines that range over the parts
// channel. Upload returns after queueing the parts but never closes the
// channel, so every shipper of every upload waits forever in "chan receive".
//
// Classic pattern (for range over a channel nobody closes).
package main

import (
	"fmt"
	"hash/crc32"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Part struct {
	Upload string
	N      int
	Data   []byte
}

type Uploader struct {
	Shippers int
	shipped  atomic.Int64
	bytes    atomic.Int64
}

func (u *Uploader) ship(parts <-chan Part) {
	for p := range parts {
		u.shipped.Add(1)
		u.bytes.Add(int64(len(p.Data)))
		_ = crc32.ChecksumIEEE(p.Data)
	}
}

func (u *Uploader) Upload(id string, data []byte, partSize int) int {
	parts := make(chan Part, 4)
	for i := 0; i < u.Shippers; i++ {
		go u.ship(parts)
	}
	n := 0
	for off := 0; off < len(data); off += partSize {
		end := off + partSize
		if end > len(data) {
			end = len(data)
		}
		parts <- Part{Upload: id, N: n, Data: data[off:end]}
		n++
	}
	// BUG: close(parts) is missing.
	return n
}

func main() {
	run := harness.Start("range_unclosed")
	u := &Uploader{Shippers: 4}
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 7; i++ {
			u.Upload(fmt.Sprintf("upload-%d-%d", wave, i), data, 4<<10)
		}
		run.Await(28*wave, "chan receive", "main.(*Uploader).ship")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
