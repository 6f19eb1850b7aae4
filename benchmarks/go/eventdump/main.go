// eventdump: Go's internal/trace ordered event stream, one line per event, in the
// column vocabulary of gotrace/trace/events.py, for diffing a Python reader.
//   eventdump TRACE
// Line: time kind g p m stack | res_kind res frm to name | tstack | task
// Stacks are printed as func@file:line;func@file:line (leaf first), "-" for none.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"internal/trace"
)

func stk(s trace.Stack) string {
	var parts []string
	for f := range s.Frames() {
		parts = append(parts, fmt.Sprintf("%s@%s:%d", f.Func, f.File, f.Line))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ";")
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	r, err := trace.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Flush()
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		rk, res, frm, to, name, tstack, task := 0, int64(0), 0, 0, "", "-", int64(0)
		switch ev.Kind() {
		case trace.EventStateTransition:
			st := ev.StateTransition()
			rk = int(st.Resource.Kind)
			switch st.Resource.Kind {
			case trace.ResourceGoroutine:
				res = int64(st.Resource.Goroutine())
				a, b := st.Goroutine()
				frm, to = int(a), int(b)
			case trace.ResourceProc:
				res = int64(st.Resource.Proc())
				a, b := st.Proc()
				frm, to = int(a), int(b)
			case trace.ResourceThread:
				res = int64(st.Resource.Thread())
			}
			name = st.Reason
			tstack = stk(st.Stack)
		case trace.EventRangeBegin, trace.EventRangeActive, trace.EventRangeEnd:
			r := ev.Range()
			rk = int(r.Scope.Kind)
			switch r.Scope.Kind {
			case trace.ResourceGoroutine:
				res = int64(r.Scope.Goroutine())
			case trace.ResourceProc:
				res = int64(r.Scope.Proc())
			case trace.ResourceThread:
				res = int64(r.Scope.Thread())
			}
			name = r.Name
		case trace.EventRegionBegin, trace.EventRegionEnd:
			name = ev.Region().Type
			task = int64(ev.Region().Task)
		case trace.EventTaskBegin, trace.EventTaskEnd:
			name = ev.Task().Type
			task = int64(ev.Task().ID)
		case trace.EventLog:
			name = ev.Log().Category
			task = int64(ev.Log().Task)
		case trace.EventLabel:
			name = ev.Label().Label
		}
		fmt.Fprintf(w, "%d %d %d %d %d %s | %d %d %d %d %q | %s | %d\n", int64(ev.Time()), int(ev.Kind()),
			int64(ev.Goroutine()), int64(ev.Proc()), int64(ev.Thread()), stk(ev.Stack()), rk, res, frm, to, name, tstack, task)
	}
}
