package grpc1275

import (
	"context"
	"io"
	"testing"
	"time"
)

type recvMsg struct {
	data []byte
	err  error
}

type recvBuffer struct{ c chan recvMsg }

func (b *recvBuffer) get() <-chan recvMsg { return b.c }

type Stream struct {
	ctx context.Context
	buf *recvBuffer
}

// Read waits for the next message, but not for the stream's context.
func (s *Stream) Read(p []byte) (int, error) {
	m := <-s.buf.get() // BUG: no case <-s.ctx.Done()
	if m.err != nil {
		return 0, m.err
	}
	return copy(p, m.data), nil
}

type transport struct{}

func (tr *transport) NewStream(ctx context.Context) *Stream {
	s := &Stream{ctx: ctx, buf: &recvBuffer{c: make(chan recvMsg)}}
	go tr.serve(s)
	return s
}

// serve delivers a few frames and then sees the context go away; it
// returns without delivering io.EOF to the reader.
func (tr *transport) serve(s *Stream) {
	for i := 0; i < 3; i++ {
		select {
		case s.buf.c <- recvMsg{data: []byte("frame")}:
		case <-s.ctx.Done():
			return
		}
	}
	<-s.ctx.Done()
}

type reader struct {
	s   *Stream
	got int
}

func (r *reader) drain() {
	buf := make([]byte, 64)
	for {
		n, err := r.s.Read(buf)
		if err == io.EOF || err != nil {
			return
		}
		r.got += n
	}
}

func TestAbandonStream(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &transport{}
	s := tr.NewStream(ctx)
	r := &reader{s: s}
	go r.drain()
	time.Sleep(5 * time.Millisecond)
	cancel() // client abandons the stream
}
