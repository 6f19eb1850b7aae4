/* C twin of the old-format (v1) reader's per-event loops.
 *
 * decode_v1.py, order_v1.py and convert_v1.py state the algorithms with numpy;
 * this file runs the same algorithms as plain loops, because decoding
 * variable-length records, Go's greedy merge and the per-goroutine state
 * machines are sequential by nature. Every decision table (argument counts,
 * state transitions) is passed in from the Python modules, so the two paths
 * cannot drift apart; tests/trace/test_v1_native.py checks they agree on
 * every column, damaged inputs included.
 *
 * Columns are returned as Buf objects (malloc'd memory exported through the
 * buffer protocol) and wrapped with numpy.frombuffer on the Python side: no
 * copy, no Python object per event.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GOTRACE_BUF_NAME "gotrace.trace._v1.Buf"
#include "../_buffers.h"
#include "_varint.h"

/* ------------------------------------------------------------------ */
/* An open-addressing map int64 -> (int64, int64).                      */

typedef struct {
    int64_t *key, *v1, *v2;
    uint8_t *used;
    size_t cap, len;
} Map;

static size_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (size_t)x;
}

static void map_free(Map *m) {
    free(m->key);
    free(m->v1);
    free(m->v2);
    free(m->used);
    memset(m, 0, sizeof *m);
}

static int map_init(Map *m, size_t cap) {
    size_t c = 64;
    while (c < cap * 2) c <<= 1;
    m->cap = c;
    m->len = 0;
    m->key = malloc(c * sizeof(int64_t));
    m->v1 = malloc(c * sizeof(int64_t));
    m->v2 = malloc(c * sizeof(int64_t));
    m->used = calloc(c, 1);
    if (!m->key || !m->v1 || !m->v2 || !m->used) {
        map_free(m);
        return -1;
    }
    return 0;
}

static Py_ssize_t map_find(const Map *m, int64_t k) {
    size_t mask = m->cap - 1, i = mix64((uint64_t)k) & mask;
    while (m->used[i]) {
        if (m->key[i] == k) return (Py_ssize_t)i;
        i = (i + 1) & mask;
    }
    return -1;
}

static int map_grow(Map *m) {
    Map n;
    if (map_init(&n, m->cap) < 0) return -1;
    size_t mask = n.cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i]) continue;
        size_t j = mix64((uint64_t)m->key[i]) & mask;
        while (n.used[j]) j = (j + 1) & mask;
        n.used[j] = 1;
        n.key[j] = m->key[i];
        n.v1[j] = m->v1[i];
        n.v2[j] = m->v2[i];
    }
    n.len = m->len;
    map_free(m);
    *m = n;
    return 0;
}

/* The slot of k, inserted with (d1, d2) if absent; -1 when out of memory. */
static Py_ssize_t map_slot(Map *m, int64_t k, int64_t d1, int64_t d2) {
    if ((m->len + 1) * 2 > m->cap && map_grow(m) < 0) return -1;
    size_t mask = m->cap - 1, i = mix64((uint64_t)k) & mask;
    while (m->used[i]) {
        if (m->key[i] == k) return (Py_ssize_t)i;
        i = (i + 1) & mask;
    }
    m->used[i] = 1;
    m->key[i] = k;
    m->v1[i] = d1;
    m->v2[i] = d2;
    m->len++;
    return (Py_ssize_t)i;
}

/* ------------------------------------------------------------------ */
/* Dense per-key state: keys in [0, limit) live in arrays grown on demand
 * (goroutine ids, Ps and stack ids are small integers in real traces), any
 * other key in a Map. No deletion: callers keep presence in the values. */

typedef struct {
    int64_t *v1, *v2;
    uint8_t *used;
    size_t cap, limit;
    Map sparse;
} Dense;

static void dense_free(Dense *d) {
    free(d->v1);
    free(d->v2);
    free(d->used);
    map_free(&d->sparse);
    memset(d, 0, sizeof *d);
}

static int dense_init(Dense *d, size_t limit) {
    memset(d, 0, sizeof *d);
    d->limit = limit;
    return map_init(&d->sparse, 16);
}

static inline int dense_get(const Dense *d, int64_t k, int64_t *v1, int64_t *v2) {
    if (k >= 0 && (uint64_t)k < d->limit) {
        if ((uint64_t)k >= d->cap || !d->used[k]) return 0;
        *v1 = d->v1[k];
        *v2 = d->v2[k];
        return 1;
    }
    Py_ssize_t s = map_find(&d->sparse, k);
    if (s < 0) return 0;
    *v1 = d->sparse.v1[s];
    *v2 = d->sparse.v2[s];
    return 1;
}

/* Grow the ncols parallel arrays of a direct table (item sizes items) from *cap entries to
 * hold key k: by 1/div of the capacity a step, at most limit. The last array says which
 * keys are there: its new entries are zero; the others' are left untouched (not memory
 * until written). */
static int table_grow(void **cols, const size_t *items, int ncols, size_t *cap, size_t k,
                      size_t limit, size_t div) {
    size_t to = *cap ? *cap : 1024;
    while (to <= k) to += to / div;
    if (to > limit) to = limit;
    for (int j = 0; j < ncols; j++) {
        char *q = realloc(cols[j], to * items[j]);
        if (!q) return -1;
        if (j == ncols - 1) memset(q + *cap * items[j], 0, (to - *cap) * items[j]);
        cols[j] = q;
    }
    *cap = to;
    return 0;
}

static int dense_grow(Dense *d, size_t k) {
    void *cols[3] = {d->v1, d->v2, d->used};
    static const size_t items[3] = {8, 8, 1};
    int r = table_grow(cols, items, 3, &d->cap, k, d->limit, 1);
    d->v1 = cols[0];
    d->v2 = cols[1];
    d->used = cols[2];
    return r;
}

static inline int dense_set(Dense *d, int64_t k, int64_t v1, int64_t v2) {
    if (k >= 0 && (uint64_t)k < d->limit) {
        if ((uint64_t)k >= d->cap && dense_grow(d, (size_t)k) < 0) return -1;
        d->used[k] = 1;
        d->v1[k] = v1;
        d->v2[k] = v2;
        return 0;
    }
    Py_ssize_t s = map_slot(&d->sparse, k, v1, v2);
    if (s < 0) return -1;
    d->sparse.v1[s] = v1;
    d->sparse.v2[s] = v2;
    return 0;
}

/* The merge check's state of each goroutine (its sequence number and status): a Dense
 * of 5 bytes a goroutine instead of 17, for the table spans the goroutine ids and sits
 * beside every decoded column at the v1 read's peak. The status byte also says whether
 * the key is there; a sequence number that does not fit in 4 bytes (only a hostile trace
 * has one) moves its key to the Map for good. */
typedef struct {
    int32_t *seq;
    uint8_t *status; /* status + 1; 0: no state; SEQ_IN_MAP: in sparse */
    size_t cap, limit;
    Map sparse;
} SeqState;

#define SEQ_IN_MAP 0xff

static void seqs_free(SeqState *d) {
    free(d->seq);
    free(d->status);
    map_free(&d->sparse);
    memset(d, 0, sizeof *d);
}

static int seqs_init(SeqState *d, size_t limit) {
    memset(d, 0, sizeof *d);
    d->limit = limit;
    return map_init(&d->sparse, 16);
}

static inline void seqs_get(const SeqState *d, int64_t k, int64_t *seq, int64_t *status) {
    int direct = k >= 0 && (uint64_t)k < d->limit;
    if (direct && ((uint64_t)k >= d->cap || d->status[k] != SEQ_IN_MAP)) {
        if ((uint64_t)k < d->cap && d->status[k]) {
            *seq = d->seq[k];
            *status = d->status[k] - 1;
        }
        return;
    }
    Py_ssize_t s = map_find(&d->sparse, k);
    if (s >= 0) {
        *seq = d->sparse.v1[s];
        *status = d->sparse.v2[s];
    }
}

/* status is a G_* state (0-3). */
static inline int seqs_set(SeqState *d, int64_t k, int64_t seq, int64_t status) {
    if (k >= 0 && (uint64_t)k < d->limit) {
        if ((uint64_t)k >= d->cap) {
            void *cols[2] = {d->seq, d->status};
            static const size_t items[2] = {4, 1};
            int r = table_grow(cols, items, 2, &d->cap, (size_t)k, d->limit, 4);
            d->seq = cols[0];
            d->status = cols[1];
            if (r < 0) return -1;
        }
        if (d->status[k] != SEQ_IN_MAP && seq == (int64_t)(int32_t)seq) {
            d->seq[k] = (int32_t)seq;
            d->status[k] = (uint8_t)(status + 1);
            return 0;
        }
        d->status[k] = SEQ_IN_MAP;
    }
    Py_ssize_t s = map_slot(&d->sparse, k, seq, status);
    if (s < 0) return -1;
    d->sparse.v1[s] = seq;
    d->sparse.v2[s] = status;
    return 0;
}

/* A byte per key (finish: each goroutine's last event type), as value + 1 (0: absent), in
 * a table over the small keys and a Map for the rest: a Dense spent 17 bytes a goroutine. */
typedef struct {
    uint8_t *v;
    size_t cap, limit;
    Map sparse;
} ByteState;

static void bytes_free(ByteState *d) {
    free(d->v);
    map_free(&d->sparse);
    memset(d, 0, sizeof *d);
}

static int bytes_init(ByteState *d, size_t limit) {
    memset(d, 0, sizeof *d);
    d->limit = limit;
    return map_init(&d->sparse, 16);
}

/* The value of k (0-254), or -1. */
static inline int bytes_get(const ByteState *d, int64_t k) {
    if (k >= 0 && (uint64_t)k < d->limit) return (uint64_t)k < d->cap ? d->v[k] - 1 : -1;
    Py_ssize_t s = map_find(&d->sparse, k);
    return s >= 0 ? (int)d->sparse.v1[s] : -1;
}

static inline int bytes_set(ByteState *d, int64_t k, uint8_t value) {
    if (k >= 0 && (uint64_t)k < d->limit) {
        if ((uint64_t)k >= d->cap) {
            void *cols[1] = {d->v};
            static const size_t items[1] = {1};
            int r = table_grow(cols, items, 1, &d->cap, (size_t)k, d->limit, 2);
            d->v = cols[0];
            if (r < 0) return -1;
        }
        d->v[k] = (uint8_t)(value + 1);
        return 0;
    }
    Py_ssize_t s = map_slot(&d->sparse, k, value, 0);
    if (s < 0) return -1;
    d->sparse.v1[s] = value;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Narrow columns                                                      */

/* An integer column (a goroutine id, Args[0], Args[1]) of 2, 4 or 8 bytes an item, the
 * fewest every value fits in: decoded columns are the v1 read's peak (49 bytes an event
 * when all were 8), and ids, sequence numbers and string and stack ids fit in 4 bytes (a
 * sequence number often in 2) in any trace a runtime wrote. A column starts narrow, and
 * the first value that does not fit (a heap size over 2 GiB, a hostile id) widens it, in
 * place. */
typedef struct {
    const void *p;
    int width;
} ICol;

static inline int64_t icol(ICol c, size_t i) {
    switch (c.width) {
    case 2: return ((const int16_t *)c.p)[i];
    case 4: return ((const int32_t *)c.p)[i];
    default: return ((const int64_t *)c.p)[i];
    }
}

/* Widen the n items of v to `to` bytes, in place. */
static int icol_widen(Vec *v, size_t n, size_t to) {
    char *q = realloc(v->p, v->cap * to);
    if (q == NULL) return -1;
    for (size_t i = n; i-- > 0;) {
        int64_t x = v->item == 2 ? ((const int16_t *)q)[i] : ((const int32_t *)q)[i];
        if (to == 4) ((int32_t *)q)[i] = (int32_t)x;
        else ((int64_t *)q)[i] = x;
    }
    v->p = q;
    v->item = to;
    return 0;
}

/* v->p[n] = x for an ICol being built (capacity for n reserved). */
static int icol_put(Vec *v, size_t n, int64_t x) {
    if (v->item == 2 && x != (int64_t)(int16_t)x &&
        icol_widen(v, n, x == (int64_t)(int32_t)x ? 4 : 8) < 0)
        return -1;
    if (v->item == 4 && x != (int64_t)(int32_t)x && icol_widen(v, n, 8) < 0) return -1;
    switch (v->item) {
    case 2: ((int16_t *)v->p)[n] = (int16_t)x; break;
    case 4: ((int32_t *)v->p)[n] = (int32_t)x; break;
    default: ((int64_t *)v->p)[n] = x;
    }
    return 0;
}

/* Decoded times (ticks): each block of TS_BLOCK events as its first time and int32 offsets
 * from it, while every offset fits (a block spans 2^31 ticks, minutes to hours); else int64
 * times, the column widened once, in place. 4 bytes an event where the times were the
 * widest decoded column. */
#define TS_BLOCK_BITS 16
#define TS_BLOCK (1 << TS_BLOCK_BITS)
typedef struct {
    const void *p;
    const int64_t *base; /* the first time of each block; NULL: p holds int64 times */
} TCol;

static inline int64_t tcol(TCol c, size_t i) {
    return c.base ? c.base[i >> TS_BLOCK_BITS] + ((const int32_t *)c.p)[i]
                  : ((const int64_t *)c.p)[i];
}

static int dec_push(Vec *v, const void *x);

/* v->p[n] = x for a TCol being built (capacity for n reserved); base: its blocks' times. */
static int tcol_put(Vec *v, Vec *base, size_t n, int64_t x) {
    if (v->item == 4) {
        if (n % TS_BLOCK == 0 && dec_push(base, &x) < 0) return -1;
        const int64_t *b = (const int64_t *)base->p;
        int64_t d = x - b[n >> TS_BLOCK_BITS];
        if (d == (int64_t)(int32_t)d) {
            ((int32_t *)v->p)[n] = (int32_t)d;
            return 0;
        }
        char *q = realloc(v->p, v->cap * 8);
        if (q == NULL) return -1;
        for (size_t i = n; i-- > 0;)
            ((int64_t *)q)[i] = b[i >> TS_BLOCK_BITS] + ((const int32_t *)q)[i];
        v->p = q;
        v->item = 8;
        vec_free(base);
    }
    ((int64_t *)v->p)[n] = x;
    return 0;
}

/* Stack ids: uint16 while every id fits (a program's distinct stacks, most often far
 * fewer than 65536), else uint32; widened once, in place, like an ICol. */
typedef struct {
    void *p;
    int wide;
} SCol;

static inline uint32_t scol(SCol c, size_t i) {
    return c.wide ? ((const uint32_t *)c.p)[i] : (uint32_t)((const uint16_t *)c.p)[i];
}

static inline void scol_zero(SCol c, size_t i) {
    if (c.wide) ((uint32_t *)c.p)[i] = 0;
    else ((uint16_t *)c.p)[i] = 0;
}

/* v->p[n] = x for an SCol being built (capacity for n reserved). */
static int scol_put(Vec *v, size_t n, uint32_t x) {
    if (v->item == 2) {
        if (x <= 0xffff) {
            ((uint16_t *)v->p)[n] = (uint16_t)x;
            return 0;
        }
        char *q = realloc(v->p, v->cap * 4);
        if (q == NULL) return -1;
        const uint16_t *from = (const uint16_t *)q;
        uint32_t *to = (uint32_t *)q;
        for (size_t i = n; i-- > 0;) to[i] = from[i];
        v->p = q;
        v->item = 4;
    }
    ((uint32_t *)v->p)[n] = x;
    return 0;
}

/* Args[2]: zero but for a few events (a syscall exit's real time, a label's, task's or
 * region's name), so kept as (position, value) pairs in position order. */
typedef struct {
    const int64_t *at, *val;
    size_t n;
} Sparse;

static inline int64_t sparse_get(const Sparse *s, int64_t i) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (s->at[m] < i) lo = m + 1;
        else hi = m;
    }
    return lo < s->n && s->at[lo] == i ? s->val[lo] : 0;
}

/* Each event's P: one value per run of events from one P (a batch, or more in a row),
 * not one per event. at[k] is where run k starts (at[0] = 0, ascending). */
typedef struct {
    const int64_t *at;
    const int32_t *p;
    size_t n;
} Runs;

/* The run holding event i, looked up from hint (the last answer: events are mostly read
 * in runs). */
static inline size_t runs_find(const Runs *r, size_t i, size_t hint) {
    if (hint < r->n && (size_t)r->at[hint] <= i && (hint + 1 == r->n || (size_t)r->at[hint + 1] > i))
        return hint;
    size_t lo = 0, hi = r->n;
    while (hi - lo > 1) {
        size_t m = (lo + hi) / 2;
        if ((size_t)r->at[m] <= i) lo = m;
        else hi = m;
    }
    return lo;
}

/* ------------------------------------------------------------------ */
/* decode                                                              */

enum {
    EV_NONE = 0, EV_BATCH = 1, EV_FREQUENCY = 2, EV_STACK = 3, EV_PROC_START = 5,
    EV_PROC_STOP = 6, EV_GC_START = 7, EV_GO_CREATE = 13, EV_GO_START = 14,
    EV_GO_UNBLOCK = 21, EV_GO_BLOCK_NET = 27, EV_GO_SYS_CALL = 28, EV_GO_SYS_EXIT = 29,
    EV_GO_SYS_BLOCK = 30, EV_GO_IN_SYSCALL = 32, EV_TIMER_GOROUTINE = 35, EV_STRING = 37,
    EV_GO_START_LOCAL = 38, EV_GO_UNBLOCK_LOCAL = 39, EV_GO_SYS_EXIT_LOCAL = 40,
    EV_USER_LOG = 48, EV_CPU_SAMPLE = 49,
};

/* Per-type flags passed in from decode_v1.py. */
enum {
    F_KNOWN = 1, F_STACK = 2, F_TIMED = 4, F_SETTER = 8, F_CLEARER = 16, F_FROM_ARG = 32,
    F_A1 = 64, /* Args[1] is read after decoding (decode_v1.A1_READ) */
};

#define MAX_INT32 2147483647LL
/* decode_v1.MAX_TICKS and its message (exported, and tested equal). */
#define MAX_TICKS ((uint64_t)1 << 62)
/* gotrace.trace.events.MAX_TIME_NS. */
#define MAX_TIME_NS ((int64_t)1 << 60)
#define TIME_RANGE_ERROR "timestamp out of range (2^62 ticks or more)"
#define ERRLEN 200

typedef struct {
    const uint8_t *d;
    size_t size;
    char err[ERRLEN];
} Reader;

#define MAXARGS 4096 /* a 2048-byte argument list holds at most 2048 varints */

typedef struct {
    Vec ts, typ, g, a0, a1, stk; /* g, a0, a1: ICols */
    Vec a2at, a2val;            /* Args[2], a Sparse */
    Vec tsbase;                 /* ts is a TCol: its blocks' times */
    Vec prat, prp;              /* P: the runs of events of one P (a Runs) */
    Vec cpu; /* int64 quadruples */
    size_t n_events;
    int64_t cur_p, last_ts;
    int have_batch;
    size_t batch_offset, batch_event_index, batch_cpu_index;
    int64_t ticks;
    Map lastg;
    PyObject *strings, *stacks, *pcs, *timer;
} Dec;

static int dec_push(Vec *v, const void *x) {
    if (vec_reserve(v, v->n + 1) < 0) return -1;
    memcpy(v->p + v->n * v->item, x, v->item);
    v->n++;
    return 0;
}

/* Register an EvStack record; 1 = Go rejects it (message in err), -1 = Python error. */
static int dec_stack(Dec *s, const uint64_t *args, size_t nargs, char *err) {
    if (nargs < 2) {
        snprintf(err, ERRLEN, "EvStack has wrong number of arguments: want at least 2, got %zu",
                 nargs);
        return 1;
    }
    uint64_t size = args[1];
    if (size > 1000) {
        snprintf(err, ERRLEN, "EvStack has bad number of frames: %llu", (unsigned long long)size);
        return 1;
    }
    if (nargs != 2 + 4 * size) {
        snprintf(err, ERRLEN, "EvStack has wrong number of arguments: want %llu, got %zu",
                 (unsigned long long)(2 + 4 * size), nargs);
        return 1;
    }
    uint64_t sid = args[0] & 0xffffffffULL;
    if (sid == 0 || size == 0) return 0;
    PyObject *list = PyList_New((Py_ssize_t)size);
    if (list == NULL) return -1;
    for (uint64_t i = 0; i < size; i++) {
        uint64_t pc = args[2 + 4 * i];
        PyObject *k = PyLong_FromUnsignedLongLong(pc);
        if (k == NULL) goto fail;
        PyList_SET_ITEM(list, (Py_ssize_t)i, k);
        int has = PyDict_Contains(s->pcs, k);
        if (has < 0) goto fail;
        if (!has) {
            PyObject *v = Py_BuildValue("(KKK)", (unsigned long long)args[3 + 4 * i],
                                        (unsigned long long)args[4 + 4 * i],
                                        (unsigned long long)args[5 + 4 * i]);
            if (v == NULL || PyDict_SetItem(s->pcs, k, v) < 0) {
                Py_XDECREF(v);
                goto fail;
            }
            Py_DECREF(v);
        }
    }
    PyObject *key = PyLong_FromUnsignedLongLong(sid);
    if (key == NULL || PyDict_SetItem(s->stacks, key, list) < 0) {
        Py_XDECREF(key);
        goto fail;
    }
    Py_DECREF(key);
    Py_DECREF(list);
    return 0;
fail:
    Py_DECREF(list);
    return -1;
}

static PyObject *py_decode(PyObject *self, PyObject *a) {
    Py_buffer data;
    int version;
    const char *narg_t, *flags_t;
    Py_ssize_t narg_len, flags_len;
    PyObject *names;
    if (!PyArg_ParseTuple(a, "y*iy#y#O", &data, &version, &narg_t, &narg_len, &flags_t,
                          &flags_len, &names))
        return NULL;
    PyObject *result = NULL;
    Dec s;
    memset(&s, 0, sizeof s);
    s.a2at.item = s.a2val.item = s.prat.item = s.tsbase.item = 8;
    s.ts.item = 4;
    s.prp.item = s.g.item = s.a0.item = 4;
    s.stk.item = s.a1.item = 2;
    s.typ.item = 1;
    s.cpu.item = 32;
    uint64_t *args = malloc(MAXARGS * sizeof(uint64_t));
    s.strings = PyDict_New();
    s.stacks = PyDict_New();
    s.pcs = PyDict_New();
    s.timer = PySet_New(NULL);
    if (narg_len != 64 || flags_len != 64 || !PyTuple_Check(names) ||
        PyTuple_GET_SIZE(names) != 64) {
        PyErr_SetString(PyExc_ValueError, "bad tables");
        goto done;
    }
    if (!args || !s.strings || !s.stacks || !s.pcs || !s.timer || map_init(&s.lastg, 64) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    const uint8_t *d = data.buf;
    size_t size = (size_t)data.len, pos = 16;
    char err[ERRLEN];
    int failed = 0;
    size_t err_pos = 0;
    while (pos < size) {
        size_t start = pos;
        uint8_t b = d[pos++];
        int typ = b & 0x3f;
        size_t narg = (size_t)(b >> 6) + 1;
        uint8_t fl = (uint8_t)flags_t[typ];
        size_t nargs = 0;
        if (!(fl & F_KNOWN)) {
            snprintf(err, ERRLEN, "unknown event type %d", typ);
            goto bad;
        }
        if (typ == EV_STRING) {
            uint64_t sid, ln;
            if (varint_read(d, size, &pos, &sid)) goto varint;
            if (sid == 0) {
                snprintf(err, ERRLEN, "string has invalid id 0");
                goto bad;
            }
            PyObject *k = PyLong_FromUnsignedLongLong(sid);
            if (k == NULL) goto done;
            int has = PyDict_Contains(s.strings, k);
            if (has < 0) {
                Py_DECREF(k);
                goto done;
            }
            if (has) {
                Py_DECREF(k);
                snprintf(err, ERRLEN, "string has duplicate id %llu", (unsigned long long)sid);
                goto bad;
            }
            if (varint_read(d, size, &pos, &ln)) {
                Py_DECREF(k);
                goto varint;
            }
            const char *msg = NULL;
            if (ln == 0) msg = "string has invalid length 0";
            else if (ln > 1000000) msg = "too large";
            else if (pos + ln > size) msg = "failed to read trace: unexpected EOF";
            if (msg) {
                Py_DECREF(k);
                if (ln > 1000000)
                    snprintf(err, ERRLEN, "string has too large length %llu",
                             (unsigned long long)ln);
                else
                    snprintf(err, ERRLEN, "%s", msg);
                goto bad;
            }
            PyObject *v = PyBytes_FromStringAndSize((const char *)d + pos, (Py_ssize_t)ln);
            if (v == NULL || PyDict_SetItem(s.strings, k, v) < 0) {
                Py_XDECREF(v);
                Py_DECREF(k);
                goto done;
            }
            Py_DECREF(v);
            Py_DECREF(k);
            pos += ln;
            continue;
        }
        if (typ == EV_BATCH && narg != 2) {
            snprintf(err, ERRLEN, "EvBatch has wrong number of arguments: got %zu, want 2", narg);
            goto bad;
        }
        if (narg <= 3) {
            for (size_t i = 0; i < narg; i++)
                if (varint_read(d, size, &pos, &args[nargs++])) goto varint;
        } else {
            uint64_t ln;
            if (varint_read(d, size, &pos, &ln)) goto varint;
            if (ln > 2048) {
                snprintf(err, ERRLEN,
                         "failed to read event %d argument: length-prefixed argument too big: "
                         "%llu bytes, limit is 2048",
                         typ, (unsigned long long)ln);
                goto bad;
            }
            size_t end = pos + ln;
            if (end > size) {
                snprintf(err, ERRLEN, "failed to read trace: unexpected EOF");
                goto bad;
            }
            while (pos < end)
                if (varint_read(d, end, &pos, &args[nargs++])) goto varint;
            if (typ == EV_USER_LOG) {
                uint64_t sz;
                if (varint_read(d, size, &pos, &sz)) goto varint;
                if (sz > 1000000) {
                    snprintf(err, ERRLEN, "string is too large (len=%llu)",
                             (unsigned long long)sz);
                    goto bad;
                }
                if (pos + sz > size) {
                    snprintf(err, ERRLEN, "failed to read trace: unexpected EOF");
                    goto bad;
                }
                pos += sz;
            }
        }
        /* The record is well formed; now Go's checks on its meaning. */
        if (typ != EV_BATCH && !s.have_batch) {
            snprintf(err, ERRLEN,
                     "read event %d with current P of 0, but P has no batches yet", typ);
            goto bad;
        }
        if (typ != EV_STACK && nargs != (size_t)(uint8_t)narg_t[typ]) {
            PyObject *nm = PyTuple_GET_ITEM(names, typ);
            snprintf(err, ERRLEN, "%s has wrong number of arguments: want %d, got %zu",
                     PyBytes_Check(nm) ? PyBytes_AS_STRING(nm) : "?", (int)(uint8_t)narg_t[typ],
                     nargs);
            goto bad;
        }
        if (typ == EV_BATCH) {
            uint64_t pid = args[0];
            if (pid != UINT64_MAX && pid > (uint64_t)MAX_INT32) {
                snprintf(err, ERRLEN, "processor ID %llu is larger than maximum of %lld",
                         (unsigned long long)pid, MAX_INT32);
                goto bad;
            }
            if (args[1] >= MAX_TICKS) {
                snprintf(err, ERRLEN, TIME_RANGE_ERROR);
                goto bad;
            }
            s.cur_p = pid == UINT64_MAX ? -1 : (int64_t)pid;
            s.last_ts = (int64_t)args[1];
            s.have_batch = 1;
            s.batch_offset = start;
            s.batch_event_index = s.n_events;
            s.batch_cpu_index = s.cpu.n;
            continue;
        }
        if (typ == EV_STACK) {
            int r = dec_stack(&s, args, nargs, err);
            if (r < 0) goto done;
            if (r > 0) goto bad;
            continue;
        }
        if (typ == EV_FREQUENCY) {
            if ((int64_t)args[0] <= 0) {
                snprintf(err, ERRLEN, "time stamps out of order");
                goto bad;
            }
            s.ticks = (int64_t)args[0];
            continue;
        }
        if (typ == EV_TIMER_GOROUTINE) {
            PyObject *k = PyLong_FromUnsignedLongLong(args[0]);
            if (k == NULL || PySet_Add(s.timer, k) < 0) {
                Py_XDECREF(k);
                goto done;
            }
            Py_DECREF(k);
            continue;
        }
        if (typ == EV_CPU_SAMPLE) {
            if (args[1] >= MAX_TICKS) {
                snprintf(err, ERRLEN, TIME_RANGE_ERROR);
                goto bad;
            }
            int64_t q[4] = {(int64_t)args[1], (int64_t)(int32_t)(uint32_t)args[2],
                            (int64_t)args[3], (int64_t)(args[4] & 0xffffffffULL)};
            if (dec_push(&s.cpu, q) < 0) goto nomem;
            continue;
        }
        if (!(fl & F_TIMED)) continue;
        int has_stack = (fl & F_STACK) != 0;
        /* Both below 2^62, so the sum cannot wrap. */
        if (args[0] >= MAX_TICKS || (uint64_t)s.last_ts + args[0] >= MAX_TICKS
            || (typ == EV_GO_SYS_EXIT && args[3] >= MAX_TICKS)) {
            snprintf(err, ERRLEN, TIME_RANGE_ERROR);
            goto bad;
        }
        int64_t ts = (int64_t)((uint64_t)s.last_ts + args[0]);
        s.last_ts = ts;
        uint32_t stk = has_stack ? (uint32_t)args[nargs - 1] : 0;
        size_t nreal = nargs - 1 - (size_t)has_stack;
        int64_t av[3] = {0, 0, 0};
        for (size_t i = 0; i < nreal && i < 3; i++) av[i] = (int64_t)args[1 + i];
        Py_ssize_t slot = map_slot(&s.lastg, s.cur_p, 0, 0);
        if (slot < 0) goto nomem;
        int64_t g = s.lastg.v1[slot];
        if (fl & (F_SETTER | F_FROM_ARG)) g = av[0];
        if (fl & F_SETTER) s.lastg.v1[slot] = av[0];
        else if (fl & F_CLEARER) s.lastg.v1[slot] = 0;
        uint8_t t8 = (uint8_t)typ;
        int32_t p32 = (int32_t)s.cur_p;
        if (vec_reserve(&s.ts, s.ts.n + 1) < 0 || vec_reserve(&s.typ, s.typ.n + 1) < 0 ||
            vec_reserve(&s.g, s.g.n + 1) < 0 ||
            vec_reserve(&s.a0, s.a0.n + 1) < 0 || vec_reserve(&s.a1, s.a1.n + 1) < 0 ||
            vec_reserve(&s.stk, s.stk.n + 1) < 0)
            goto nomem;
        size_t n = s.n_events;
        if (tcol_put(&s.ts, &s.tsbase, n, ts) < 0) goto nomem;
        ((uint8_t *)s.typ.p)[n] = t8;
        if (s.prp.n == 0 || ((int32_t *)s.prp.p)[s.prp.n - 1] != p32) {
            int64_t at = (int64_t)n;
            if (dec_push(&s.prat, &at) < 0 || dec_push(&s.prp, &p32) < 0) goto nomem;
        }
        if (icol_put(&s.g, n, g) < 0 || icol_put(&s.a0, n, av[0]) < 0 ||
            icol_put(&s.a1, n, (fl & F_A1) ? av[1] : 0) < 0)
            goto nomem;
        if (av[2] != 0) {
            int64_t at = (int64_t)n;
            if (dec_push(&s.a2at, &at) < 0 || dec_push(&s.a2val, &av[2]) < 0) goto nomem;
        }
        if (scol_put(&s.stk, n, stk) < 0) goto nomem;
        s.ts.n = s.typ.n = s.g.n = s.a0.n = s.a1.n = s.stk.n = ++s.n_events;
        continue;
    varint:
        snprintf(err, ERRLEN, "malformatted base-128 varint");
    bad:
        failed = 1;
        err_pos = start;
        if (typ == EV_BATCH) {
            /* A bad batch header ends the batch before it, which is whole and kept. */
            s.have_batch = 1;
            s.batch_offset = start;
            s.batch_event_index = s.n_events;
            s.batch_cpu_index = s.cpu.n;
        }
        break;
    }
    if (failed) {
        /* Only whole batches are kept. */
        size_t keep = s.batch_event_index;
        if (s.have_batch) err_pos = s.batch_offset;
        if (s.n_events > keep) s.n_events = keep;
        s.ts.n = s.typ.n = s.g.n = s.a0.n = s.a1.n = s.stk.n = s.n_events;
        if (s.ts.item == 4) s.tsbase.n = (s.n_events + TS_BLOCK - 1) / TS_BLOCK;
        while (s.prat.n && ((int64_t *)s.prat.p)[s.prat.n - 1] >= (int64_t)keep) s.prat.n--;
        s.prp.n = s.prat.n;
        while (s.a2at.n && ((int64_t *)s.a2at.p)[s.a2at.n - 1] >= (int64_t)keep) s.a2at.n--;
        s.a2val.n = s.a2at.n;
        if (s.cpu.n > s.batch_cpu_index) s.cpu.n = s.batch_cpu_index;
    }
    PyObject *cpu = PyList_New((Py_ssize_t)s.cpu.n);
    if (cpu == NULL) goto done;
    for (size_t i = 0; i < s.cpu.n; i++) {
        int64_t *q = (int64_t *)(s.cpu.p + 32 * i);
        PyObject *t = Py_BuildValue("(LLLL)", (long long)q[0], (long long)q[1], (long long)q[2],
                                    (long long)q[3]);
        if (t == NULL) {
            Py_DECREF(cpu);
            goto done;
        }
        PyList_SET_ITEM(cpu, (Py_ssize_t)i, t);
    }
    PyObject *error = failed ? PyUnicode_FromString(err) : Py_NewRef(Py_None);
    if (error == NULL) {
        Py_DECREF(cpu);
        goto done;
    }
    result = Py_BuildValue("(NNNNNNNNNNNnNOOOOLNn)", vec_take(&s.ts), vec_take(&s.tsbase),
                           vec_take(&s.typ),
                           vec_take(&s.prat), vec_take(&s.prp), vec_take(&s.g), vec_take(&s.a0),
                           vec_take(&s.a1), vec_take(&s.a2at), vec_take(&s.a2val),
                           vec_take(&s.stk),
                           (Py_ssize_t)s.n_events, cpu, s.strings, s.stacks, s.pcs, s.timer,
                           (long long)s.ticks, error,
                           (Py_ssize_t)(failed ? (Py_ssize_t)err_pos : -1));
    goto done;
nomem:
    PyErr_NoMemory();
done:
    free(args);
    free(s.ts.p);
    free(s.typ.p);
    free(s.prat.p);
    free(s.prp.p);
    free(s.g.p);
    free(s.a0.p);
    free(s.a1.p);
    free(s.a2at.p);
    free(s.a2val.p);
    free(s.tsbase.p);
    free(s.stk.p);
    free(s.cpu.p);
    map_free(&s.lastg);
    Py_XDECREF(s.strings);
    Py_XDECREF(s.stacks);
    Py_XDECREF(s.pcs);
    Py_XDECREF(s.timer);
    PyBuffer_Release(&data);
    return result;
}

/* ------------------------------------------------------------------ */
/* order                                                               */

/* Columns of the merged input: main events [0, n) then CPU samples [n, n + nc). */
typedef struct {
    TCol ts;
    const uint8_t *typ;
    Runs p;
    ICol g, a0, a1;
    Sparse a2;
    size_t n;
    const int64_t *cts, *cp, *cg;
    size_t nc;
    const uint8_t *key, *init_status, *next_status, *init_seq, *next_seq;
} Cols;

#define PROFILE_P 1000005
#define GARBAGE_KEY (-2)
#define G_DEAD 0

static inline int64_t c_ts(const Cols *c, int64_t i) {
    return (size_t)i < c->n ? tcol(c->ts, (size_t)i) : c->cts[i - (int64_t)c->n];
}
static inline int c_typ(const Cols *c, int64_t i) {
    return (size_t)i < c->n ? c->typ[i] : EV_CPU_SAMPLE;
}
static inline int64_t c_stream(const Cols *c, int64_t i) {
    return (size_t)i < c->n ? (int64_t)c->p.p[runs_find(&c->p, (size_t)i, 0)] : PROFILE_P;
}
static inline int64_t c_g(const Cols *c, int64_t i) {
    return (size_t)i < c->n ? icol(c->g, (size_t)i) : c->cg[i - (int64_t)c->n];
}
static inline int64_t c_a0(const Cols *c, int64_t i) {
    return (size_t)i < c->n ? icol(c->a0, (size_t)i) : 0;
}
static inline int64_t c_a1(const Cols *c, int64_t i) {
    return (size_t)i < c->n ? icol(c->a1, (size_t)i) : 0;
}

/* Which goroutine an event's ordering precondition is about. */
static inline int64_t c_key(const Cols *c, int64_t i, int t) {
    switch (c->key[t]) {
    case 1: return c_g(c, i);
    case 2: return c_a0(c, i);
    default: return GARBAGE_KEY;
    }
}

/* transitionReady with the state (seq, status) of the key. */
static inline int ready(const Cols *c, int64_t i, int t, int64_t seq, int64_t status) {
    int64_t want;
    switch (c->init_seq[t]) {
    case 0: return status == c->init_status[t];
    case 1: want = 0; break;
    case 2: want = 1; break;
    case 3: want = c_a1(c, i); break;
    default: want = c_a0(c, i); break;
    }
    return status == c->init_status[t] && want == seq;
}

static inline int64_t next_seq(const Cols *c, int64_t i, int t, int64_t seq) {
    switch (c->next_seq[t]) {
    case 0: return seq;
    case 1: return (int64_t)((uint64_t)seq + 1);
    case 2: return 1;
    case 3: return 2;
    case 4: return (int64_t)((uint64_t)c_a1(c, i) + 1);
    default: return (int64_t)((uint64_t)c_a0(c, i) + 1);
    }
}

typedef struct {
    int64_t ts, idx;
} Pair;

static int pair_cmp(const void *x, const void *y) {
    const Pair *a = x, *b = y;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* An adjusted syscall exit: its new time and its position in the time order (first,
 * so that pair_cmp orders them), and the event. */
typedef struct {
    Pair at;
    int64_t e;
} Moved;

/* One stretch of consecutive events (in decode order) of one stream, and the next
 * stretch of the same stream (-1: none): a batch, in a valid trace. */
typedef struct {
    size_t a, b;
    int64_t next;
} Run;

/* Append to runs a stretch [a, a + 1) for each of the m events of pairs, sorted by
 * (ts, index), chained in that order; the index of the first, or -1 without memory. */
static int64_t sorted_runs(Run **runs, size_t *nruns, size_t *capruns, Pair *pairs, size_t m) {
    qsort(pairs, m, sizeof(Pair), pair_cmp);
    if (*nruns + m > *capruns) {
        size_t cap = *capruns ? *capruns : 1024;
        while (cap < *nruns + m) cap *= 2;
        Run *q = realloc(*runs, cap * sizeof(Run));
        if (!q) return -1;
        *runs = q;
        *capruns = cap;
    }
    int64_t first = (int64_t)*nruns;
    for (size_t j = 0; j < m; j++) {
        size_t i = (size_t)pairs[j].idx;
        (*runs)[*nruns] = (Run){i, i + 1, j + 1 < m ? (int64_t)*nruns + 1 : -1};
        (*nruns)++;
    }
    return first;
}

/* The merge's permutation: int32 entries while the events fit (below 2^31), else int64.
 * It sits beside every decoded column while they are checked and gathered, the v1 read's
 * peak. */
typedef struct {
    void *p;
    int wide;
} Perm;

static inline int64_t perm_get(const Perm *q, size_t i) {
    return q->wide ? ((const int64_t *)q->p)[i] : (int64_t)((const int32_t *)q->p)[i];
}

static inline void perm_set(Perm *q, size_t i, int64_t v) {
    if (q->wide) ((int64_t *)q->p)[i] = v;
    else ((int32_t *)q->p)[i] = (int32_t)v;
}

static inline int perm_alloc(Perm *q, size_t total) {
    q->wide = total > (size_t)INT32_MAX;
    q->p = malloc((total ? total : 1) * (q->wide ? 8 : 4));
    return q->p ? 0 : -1;
}

/* Stable argsort by ts: merge the per-stream runs (each one P's events, already
 * in time order in a valid trace) by (ts, index). A stream is walked as its list of
 * stretches, so nothing but the result is as long as the events; a stream out of
 * time order (damaged input) is sorted, and walked one event a stretch. */
static Perm stable_by_time(const Cols *c, size_t total) {
    Perm perm = {0};
    Run *runs = NULL;
    size_t nruns = 0, capruns = 0, ns = 0;
    size_t *heap = NULL, *pos = NULL;
    int64_t *cur = NULL;
    Map streams; /* stream -> (its first run, its last run) */
    if (perm_alloc(&perm, total) < 0 || map_init(&streams, 16) < 0) {
        free(perm.p);
        PyErr_NoMemory();
        return (Perm){0};
    }
    int64_t prev = 0;
    size_t run = 0;
    for (size_t i = 0; i < total; i++) {
        int64_t st = PROFILE_P;
        if (i < c->n) {
            run = runs_find(&c->p, i, run);
            st = c->p.p[run];
        }
        if (i > 0 && st == prev) {
            runs[nruns - 1].b = i + 1;
            continue;
        }
        if (nruns == capruns) {
            size_t cap = capruns ? 2 * capruns : 1024;
            Run *q = realloc(runs, cap * sizeof(Run));
            if (!q) goto nomem;
            runs = q;
            capruns = cap;
        }
        runs[nruns] = (Run){i, i + 1, -1};
        Py_ssize_t sl = map_slot(&streams, st, -1, -1);
        if (sl < 0) goto nomem;
        if (streams.v1[sl] < 0) {
            streams.v1[sl] = (int64_t)nruns;
            ns++;
        } else {
            runs[streams.v2[sl]].next = (int64_t)nruns;
        }
        streams.v2[sl] = (int64_t)nruns;
        nruns++;
        prev = st;
    }
    heap = malloc((ns ? ns : 1) * sizeof(size_t));
    pos = malloc((ns ? ns : 1) * sizeof(size_t));
    cur = malloc((ns ? ns : 1) * sizeof(int64_t));
    if (!heap || !pos || !cur) goto nomem;
    size_t k = 0;
    for (size_t sl = 0; sl < streams.cap; sl++) {
        if (!streams.used[sl]) continue;
        int64_t r = streams.v1[sl];
        /* in time order along its stretches? */
        int64_t last = INT64_MIN;
        size_t m = 0;
        int sorted = 1;
        for (int64_t q = r; q >= 0; q = runs[q].next)
            for (size_t i = runs[q].a; i < runs[q].b; i++, m++) {
                int64_t t = c_ts(c, (int64_t)i);
                sorted &= t >= last;
                last = t;
            }
        if (!sorted) {
            Pair *pairs = malloc(m * sizeof(Pair));
            if (!pairs) goto nomem;
            size_t j = 0;
            for (int64_t q = r; q >= 0; q = runs[q].next)
                for (size_t i = runs[q].a; i < runs[q].b; i++, j++)
                    pairs[j] = (Pair){c_ts(c, (int64_t)i), (int64_t)i};
            r = sorted_runs(&runs, &nruns, &capruns, pairs, m);
            free(pairs);
            if (r < 0) goto nomem;
        }
        cur[k] = r;
        pos[k] = runs[r].a;
        k++;
    }
    /* k-way merge with a binary heap of streams keyed by (ts, index). */
#define HKEY_LESS(x, y)                                                                     \
    (c_ts(c, (int64_t)pos[x]) < c_ts(c, (int64_t)pos[y]) ||                                 \
     (c_ts(c, (int64_t)pos[x]) == c_ts(c, (int64_t)pos[y]) && pos[x] < pos[y]))
    size_t hn = 0;
    for (size_t q = 0; q < ns; q++) {
        size_t j = hn++;
        heap[j] = q;
        while (j > 0) {
            size_t par = (j - 1) / 2;
            if (!HKEY_LESS(heap[j], heap[par])) break;
            size_t t = heap[j];
            heap[j] = heap[par];
            heap[par] = t;
            j = par;
        }
    }
    for (size_t o = 0; o < total; o++) {
        size_t q = heap[0];
        perm_set(&perm, o, (int64_t)pos[q]++);
        if (pos[q] == runs[cur[q]].b) {
            cur[q] = runs[cur[q]].next;
            if (cur[q] < 0) heap[0] = heap[--hn];
            else pos[q] = runs[cur[q]].a;
        }
        size_t j = 0;
        for (;;) {
            size_t l = 2 * j + 1, r = l + 1, m = j;
            if (l < hn && HKEY_LESS(heap[l], heap[m])) m = l;
            if (r < hn && HKEY_LESS(heap[r], heap[m])) m = r;
            if (m == j) break;
            size_t t = heap[j];
            heap[j] = heap[m];
            heap[m] = t;
            j = m;
        }
    }
#undef HKEY_LESS
    free(runs);
    free(heap);
    free(pos);
    free(cur);
    map_free(&streams);
    return perm;
nomem:
    free(perm.p);
    free(runs);
    free(heap);
    free(pos);
    free(cur);
    map_free(&streams);
    PyErr_NoMemory();
    return (Perm){0};
}

/* order_v1._repair: Go's greedy merge over the equal-time run perm[lo:hi],
 * starting from the goroutine states st (at lo). Returns events placed. */
static Py_ssize_t repair(const Cols *c, Perm *perm, size_t lo, size_t hi, Map *st) {
    size_t r = hi - lo;
    int64_t *evs = malloc(r * sizeof(int64_t));
    size_t *qpos = malloc(r * sizeof(size_t)); /* positions in evs, grouped by stream */
    int64_t *qstream = malloc(r * sizeof(int64_t));
    size_t *qoff = malloc((r + 1) * sizeof(size_t)), *qhead = malloc((r + 1) * sizeof(size_t));
    uint8_t *taken = calloc(r, 1);
    Py_ssize_t placed = -1;
    if (!evs || !qpos || !qstream || !qoff || !qhead || !taken) goto out;
    for (size_t j = 0; j < r; j++) evs[j] = perm_get(perm, lo + j);
    /* Streams in order of first appearance; each queue in run order. */
    size_t nq = 0;
    for (size_t j = 0; j < r; j++) {
        int64_t s = c_stream(c, evs[j]);
        size_t q = 0;
        while (q < nq && qstream[q] != s) q++;
        if (q == nq) qstream[nq++] = s;
    }
    size_t fillp = 0;
    for (size_t q = 0; q < nq; q++) {
        qoff[q] = fillp;
        for (size_t j = 0; j < r; j++)
            if (c_stream(c, evs[j]) == qstream[q]) qpos[fillp++] = j;
    }
    qoff[nq] = fillp;
    for (size_t q = 0; q < nq; q++) qhead[q] = qoff[q];
    placed = 0;
    for (;;) {
        size_t best = (size_t)-1, bestq = 0;
        for (size_t q = 0; q < nq; q++) {
            if (qhead[q] == qoff[q + 1]) continue;
            size_t j = qpos[qhead[q]];
            int64_t e = evs[j];
            int t = c_typ(c, e);
            if (c->key[t]) {
                Py_ssize_t s = map_find(st, c_key(c, e, t));
                int64_t seq = s >= 0 ? st->v1[s] : 0, status = s >= 0 ? st->v2[s] : G_DEAD;
                if (!ready(c, e, t, seq, status)) continue;
            }
            if (best == (size_t)-1 || j < best) {
                best = j;
                bestq = q;
            }
        }
        if (best == (size_t)-1) break;
        int64_t e = evs[best];
        int t = c_typ(c, e);
        if (c->key[t]) {
            Py_ssize_t s = map_slot(st, c_key(c, e, t), 0, G_DEAD);
            if (s < 0) {
                placed = -1;
                goto out;
            }
            st->v1[s] = next_seq(c, e, t, st->v1[s]);
            st->v2[s] = c->next_status[t];
        }
        qhead[bestq]++;
        taken[best] = 1;
        perm_set(perm, lo + (size_t)placed++, e);
    }
    size_t o = lo + (size_t)placed;
    for (size_t j = 0; j < r; j++)
        if (!taken[j]) perm_set(perm, o++, evs[j]);
out:
    free(evs);
    free(qpos);
    free(qstream);
    free(qoff);
    free(qhead);
    free(taken);
    if (placed < 0) PyErr_NoMemory();
    return placed;
}

/* A goroutine's state before the current equal-time run touched it. */
typedef struct {
    int64_t key, seq, status;
} Undo;

static int get_buf(PyObject *o, Py_buffer *b, Py_ssize_t item, int writable) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (b->len % item) {
        PyBuffer_Release(b);
        PyErr_SetString(PyExc_ValueError, "buffer size is not a multiple of the item size");
        return -1;
    }
    return 0;
}

/* An ICol of n items from o: 2, 4 or 8 bytes an item, told by its length. */
static int get_icol(PyObject *o, Py_buffer *b, size_t n, ICol *c, int writable) {
    if (get_buf(o, b, 1, writable) < 0) return -1;
    size_t len = (size_t)b->len;
    if (n ? len != 2 * n && len != 4 * n && len != 8 * n : len != 0) {
        PyBuffer_Release(b);
        PyErr_SetString(PyExc_ValueError, "columns differ in length");
        return -1;
    }
    c->p = b->buf;
    c->width = n ? (int)(len / n) : 8;
    return 0;
}

/* An SCol of n items from o: 2 or 4 bytes an item, told by its length. */
static int get_scol(PyObject *o, Py_buffer *b, size_t n, SCol *c, int writable) {
    if (get_buf(o, b, 1, writable) < 0) return -1;
    if ((size_t)b->len != 2 * n && (size_t)b->len != 4 * n) {
        PyBuffer_Release(b);
        PyErr_SetString(PyExc_ValueError, "columns differ in length");
        return -1;
    }
    c->p = b->buf;
    c->wide = n && (size_t)b->len == 4 * n;
    return 0;
}

/* A Sparse from its positions and values (int64 each, as many of both, positions
 * ascending below n): b[0] and b[1] are filled. */
static int get_sparse(PyObject *at, PyObject *val, Py_buffer *b, size_t n, Sparse *s) {
    if (get_buf(at, &b[0], 8, 0) < 0) return -1;
    if (get_buf(val, &b[1], 8, 0) < 0) {
        PyBuffer_Release(&b[0]);
        return -1;
    }
    s->at = b[0].buf;
    s->val = b[1].buf;
    s->n = (size_t)b[0].len / 8;
    int ok = b[1].len == b[0].len;
    for (size_t j = 0; ok && j < s->n; j++)
        ok = s->at[j] >= 0 && (size_t)s->at[j] < n && (j == 0 || s->at[j] > s->at[j - 1]);
    if (!ok) {
        PyBuffer_Release(&b[0]);
        PyBuffer_Release(&b[1]);
        PyErr_SetString(PyExc_ValueError, "bad sparse column");
        return -1;
    }
    return 0;
}

/* Runs of n events from their starts (int64) and Ps (int32): bat and bp are filled. */
static int get_runs(PyObject *at, PyObject *pv, Py_buffer *bat, Py_buffer *bp, size_t n,
                    Runs *r) {
    if (get_buf(at, bat, 8, 0) < 0) return -1;
    if (get_buf(pv, bp, 4, 0) < 0) {
        PyBuffer_Release(bat);
        return -1;
    }
    r->at = bat->buf;
    r->p = bp->buf;
    r->n = (size_t)bat->len / 8;
    int ok = (size_t)bp->len == 4 * r->n && (n == 0 ? r->n == 0 : r->n > 0 && r->at[0] == 0);
    for (size_t k = 1; ok && k < r->n; k++) ok = r->at[k] > r->at[k - 1] && (size_t)r->at[k] < n;
    if (!ok) {
        PyBuffer_Release(bat);
        PyBuffer_Release(bp);
        PyErr_SetString(PyExc_ValueError, "bad runs");
        return -1;
    }
    return 0;
}

/* A TCol from its column and its blocks' times (int64; none: the column is int64 times):
 * bts and bbase are filled, and *n is the number of events. */
static int get_tcol(PyObject *ts, PyObject *base, Py_buffer *bts, Py_buffer *bbase, TCol *c,
                    size_t *n) {
    if (get_buf(ts, bts, 1, 0) < 0) return -1;
    if (get_buf(base, bbase, 8, 0) < 0) {
        PyBuffer_Release(bts);
        return -1;
    }
    size_t nb = (size_t)bbase->len / 8, len = (size_t)bts->len;
    int ok = nb ? len % 4 == 0 && (len / 4 + TS_BLOCK - 1) / TS_BLOCK == nb : len % 8 == 0;
    if (!ok) {
        PyBuffer_Release(bts);
        PyBuffer_Release(bbase);
        PyErr_SetString(PyExc_ValueError, "bad times");
        return -1;
    }
    c->p = bts->buf;
    c->base = nb ? bbase->buf : NULL;
    *n = nb ? len / 4 : len / 8;
    return 0;
}

/* order(ts, ts_base, typ, p_at, p, g, a0, a1, a2_at, a2_val, cpu_ts, cpu_p, cpu_g, tables,
 * max_repairs) -> (perm, its item size, unordered, stray_exits, early_exits, moved): moved
 * holds (position in perm, real time) int64 pairs of the syscall exits that take their real
 * time. perm indexes main events, then CPU samples (index - number of events). */
static PyObject *py_order(PyObject *self, PyObject *a) {
    PyObject *o[11], *prun, *tsb;
    const char *tab;
    Py_ssize_t tablen, max_repairs;
    if (!PyArg_ParseTuple(a, "OOOOOOOOOOOOOy#n", &o[0], &tsb, &o[1], &o[2], &prun, &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &tab, &tablen,
                          &max_repairs))
        return NULL;
    if (tablen != 5 * 64) {
        PyErr_SetString(PyExc_ValueError, "bad tables");
        return NULL;
    }
    /* ts, typ, p (runs: two); g, a0, a1 (ICols); a2 (two); the CPU samples' ts, p, g */
    static const Py_ssize_t items[11] = {0, 1, 0, 0, 0, 0, 0, 0, 8, 8, 8};
    Py_buffer b[13]; /* b[11]: the runs' Ps, b[12]: the times' blocks */
    Vec fixes = {.item = 16};
    int nb = 0;
    PyObject *result = NULL;
    Perm perm = {0};
    Undo *undo = NULL;
    Dense sys = {0};
    SeqState st = {0};
    Cols c = {
        .key = (const uint8_t *)tab, .init_status = (const uint8_t *)tab + 64,
        .next_status = (const uint8_t *)tab + 128, .init_seq = (const uint8_t *)tab + 192,
        .next_seq = (const uint8_t *)tab + 256,
    };
    for (; nb < 11; nb++) {
        if (nb == 0) {
            if (get_tcol(o[0], tsb, &b[0], &b[12], &c.ts, &c.n) < 0) goto done;
        } else if (nb == 2) {
            if (get_runs(o[2], prun, &b[2], &b[11], c.n, &c.p) < 0) goto done;
        } else if (nb == 3 || nb == 4 || nb == 5) {
            ICol *ic = nb == 3 ? &c.g : nb == 4 ? &c.a0 : &c.a1;
            if (get_icol(o[nb], &b[nb], c.n, ic, 0) < 0) goto done;
        } else if (nb == 6) {
            if (get_sparse(o[6], o[7], &b[6], c.n, &c.a2) < 0) goto done;
            nb++;
        } else if (get_buf(o[nb], &b[nb], items[nb], 0) < 0) {
            goto done;
        }
    }
    c.typ = b[1].buf;
    c.cts = b[8].buf;
    c.cp = b[9].buf;
    c.cg = b[10].buf;
    c.nc = (size_t)b[8].len / 8;
    size_t n = c.n, total = n + c.nc;
    if ((size_t)b[1].len != n || (size_t)b[9].len != 8 * c.nc ||
        (size_t)b[10].len != 8 * c.nc) {
        PyErr_SetString(PyExc_ValueError, "columns differ in length");
        goto done;
    }
    for (int t = 0; t < 64; t++)
        if (c.key[t] > 3 || c.init_seq[t] > 4 || c.next_seq[t] > 5 || c.next_status[t] > 3) {
            PyErr_SetString(PyExc_ValueError, "bad tables");
            goto done;
        }
    perm = stable_by_time(&c, total);
    if (perm.p == NULL) goto done;
    if (seqs_init(&st, total + ((size_t)1 << 20)) < 0) goto nomem;
    size_t ucap = 64, un = 0;
    undo = malloc(ucap * sizeof(Undo));
    if (!undo) goto nomem;
    /* Check Go's merge preconditions along perm: repair an equal-time run the
     * first time it fails, otherwise keep the event where it is (counted). */
    size_t cut = total, i = 0, run_lo = 0, last_repaired = (size_t)-1;
    Py_ssize_t repairs = 0, unordered = 0, stray = 0, early = 0;
    int64_t run_ts = 0;
    while (i < cut) {
        int64_t e = perm_get(&perm, i), ts = c_ts(&c, e);
        if (i == run_lo || ts != run_ts) {
            if (i != run_lo) run_lo = i;
            run_ts = ts;
            un = 0;
        }
        int t = c_typ(&c, e);
        if (!c.key[t]) {
            i++;
            continue;
        }
        int64_t k = c_key(&c, e, t);
        int64_t seq = 0, status = G_DEAD;
        seqs_get(&st, k, &seq, &status);
        if (!ready(&c, e, t, seq, status)) {
            size_t lo = run_lo, hi = i + 1;
            while (hi < cut && c_ts(&c, perm_get(&perm, hi)) == ts) hi++;
            if (hi - lo > 1 && lo != last_repaired && repairs < max_repairs) {
                /* Back to the states at lo, then Go's greedy merge on the run. */
                for (size_t u = un; u-- > 0;) {
                    if (seqs_set(&st, undo[u].key, undo[u].seq, undo[u].status) < 0)
                        goto nomem;
                }
                un = 0;
                Map rs;
                if (map_init(&rs, hi - lo) < 0) goto nomem;
                for (size_t j = lo; j < hi; j++) {
                    int64_t ej = perm_get(&perm, j);
                    int tj = c_typ(&c, ej);
                    if (!c.key[tj]) continue;
                    int64_t kj = c_key(&c, ej, tj);
                    int64_t sq = 0, ss = G_DEAD;
                    seqs_get(&st, kj, &sq, &ss);
                    if (map_slot(&rs, kj, sq, ss) < 0) {
                        map_free(&rs);
                        goto nomem;
                    }
                }
                Py_ssize_t placed = repair(&c, &perm, lo, hi, &rs);
                map_free(&rs);
                if (placed < 0) goto done;
                repairs++;
                last_repaired = lo;
                i = lo;
                run_lo = lo;
                run_ts = ts;
                continue;
            }
            unordered++;
        }
        size_t u = 0;
        while (u < un && undo[u].key != k) u++;
        if (u == un) {
            if (un == ucap) {
                Undo *q = realloc(undo, 2 * ucap * sizeof(Undo));
                if (!q) goto nomem;
                undo = q;
                ucap *= 2;
            }
            undo[un++] = (Undo){k, seq, status};
        }
        if (seqs_set(&st, k, next_seq(&c, e, t, seq), c.next_status[t]) < 0) goto nomem;
        i++;
    }
    seqs_free(&st);
    /* Syscall exits take their real time (Go: lastSysBlock) unless Go would
     * reject them; those keep their emission time. */
    if (dense_init(&sys, total + ((size_t)1 << 20)) < 0) goto nomem;
    uint8_t *adj = calloc(cut ? cut : 1, 1);
    if (!adj) goto nomem;
    size_t nadj = 0;
    for (size_t j = 0; j < cut; j++) {
        int64_t e = perm_get(&perm, j);
        if ((size_t)e >= n) continue;
        int t = c.typ[e];
        if (t == EV_GO_SYS_BLOCK || t == EV_GO_IN_SYSCALL) {
            if (dense_set(&sys, icol(c.g, (size_t)e), tcol(c.ts, (size_t)e), 0) < 0) {
                free(adj);
                goto nomem;
            }
        } else if ((t == EV_GO_SYS_EXIT || t == EV_GO_SYS_EXIT_LOCAL) &&
                   sparse_get(&c.a2, e) != 0) {
            int64_t block_ts, unused, real = sparse_get(&c.a2, e);
            if (!dense_get(&sys, icol(c.g, (size_t)e), &block_ts, &unused)) stray++;
            else if (real < block_ts) early++;
            else {
                adj[j] = 1;
                nadj++;
            }
        }
    }
    dense_free(&sys);
    /* Adjusted exits move; everything else stays in time order. A stable sort
     * by the new times is a merge of the two sequences by (time, position). In a
     * valid trace an exit only moves earlier (its real time is at or before its
     * emission's), so every other event lands at or after where it was: merged in
     * place from the back, the slot written next never holds one not yet read.
     * Otherwise (damaged times) into a second array, reading the others from perm.
     * (Copies of perm here were three times its size, for a single exit.) */
    if (nadj) {
        Moved *moved = malloc(nadj * sizeof(Moved));
        if (!moved) {
            free(adj);
            goto nomem;
        }
        size_t nm = 0;
        int earlier = 1;
        for (size_t j = 0; j < cut; j++) {
            if (!adj[j]) continue;
            int64_t e = perm_get(&perm, j);
            int64_t real = sparse_get(&c.a2, e);
            if (real > tcol(c.ts, (size_t)e)) earlier = 0;
            moved[nm++] = (Moved){{real, (int64_t)j}, e};
        }
        qsort(moved, nm, sizeof(Moved), pair_cmp);
        if (earlier) {
            size_t w = cut, y = nm, x = cut; /* x: one past the next unread other event */
            while (w > 0) {
                while (x > 0 && adj[x - 1]) x--;
                int take_rest = y == 0;
                if (!take_rest && x > 0) {
                    int64_t tr = c_ts(&c, perm_get(&perm, x - 1)), tm = moved[y - 1].at.ts;
                    take_rest = tr > tm || (tr == tm && (int64_t)(x - 1) > moved[y - 1].at.idx);
                }
                if (take_rest) {
                    x--;
                    perm_set(&perm, --w, perm_get(&perm, x));
                } else {
                    perm_set(&perm, --w, moved[--y].e);
                    int64_t fx[2] = {(int64_t)w, moved[y].at.ts};
                    if (dec_push(&fixes, fx) < 0) {
                        free(moved);
                        free(adj);
                        goto nomem;
                    }
                }
            }
        } else {
            Perm np_;
            if (perm_alloc(&np_, total) < 0) {
                free(moved);
                free(adj);
                goto nomem;
            }
            size_t x = 0, y = 0, w = 0;
            while (w < cut) {
                while (x < cut && adj[x]) x++;
                int take_rest = y == nm;
                if (!take_rest && x < cut) {
                    int64_t tr = c_ts(&c, perm_get(&perm, x)), tm = moved[y].at.ts;
                    take_rest = tr < tm || (tr == tm && (int64_t)x < moved[y].at.idx);
                }
                if (!take_rest) {
                    int64_t fx[2] = {(int64_t)w, moved[y].at.ts};
                    if (dec_push(&fixes, fx) < 0) {
                        free(np_.p);
                        free(moved);
                        free(adj);
                        goto nomem;
                    }
                }
                perm_set(&np_, w++, take_rest ? perm_get(&perm, x++) : moved[y++].e);
            }
            free(perm.p);
            perm = np_;
        }
        free(moved);
    }
    free(adj);
    Py_ssize_t item = perm.wide ? 8 : 4;
    PyObject *pb = buf_wrap(perm.p, (Py_ssize_t)cut * item);
    perm.p = NULL;
    if (pb == NULL) goto done;
    result = Py_BuildValue("(NnnnnN)", pb, item, unordered, stray, early, vec_take(&fixes));
    goto done;
nomem:
    PyErr_NoMemory();
done:
    vec_free(&fixes);
    free(perm.p);
    free(undo);
    seqs_free(&st);
    dense_free(&sys);
    if (nb > 2) PyBuffer_Release(&b[11]);
    if (nb > 0) PyBuffer_Release(&b[12]);
    while (nb-- > 0) PyBuffer_Release(&b[nb]);
    return result;
}

/* Entry j of a permutation handed over from Python: int32 (pitem 4) or int64 entries. */
static inline size_t perm_entry(const Py_buffer *pb, Py_ssize_t pitem, size_t j) {
    return pitem == 4 ? (size_t)(uint32_t)((const int32_t *)pb->buf)[j]
                      : (size_t)((const int64_t *)pb->buf)[j];
}

/* Entry j of a gather's permutation, *k, which must be below limit; -1 with an exception
 * set if it is not. */
static int gather_entry(const Py_buffer *pb, Py_ssize_t pitem, size_t j, size_t limit,
                        size_t *k) {
    *k = perm_entry(pb, pitem, j);
    if (*k < limit) return 0;
    PyErr_SetString(PyExc_IndexError, "permutation index out of range");
    return -1;
}

/* Item k of a gather's source, once copied, counted as read in pg (a consuming gather's,
 * which gives back the page of its last item; a zeroed one counts nothing); indices of ns
 * and past are not the source's. -1 with an exception set: k was read before. */
static int gather_read(Pages *pg, size_t k, size_t ns) {
    if (k >= ns || pages_read(pg, k) == 0) return 0;
    PyErr_SetString(PyExc_ValueError, "gather: an index read twice");
    return -1;
}

/* gather(perm, src, extra, item, pitem[, consume]) -> Buf: out[i] = src[perm[i]], indices
 * past src continue into extra. With consume, src is read for the last time: each of its
 * whole pages goes back to the OS once the permutation has read every item on it, so that
 * a column and its ordered copy are not both whole at once (the v1 read's peak). Any index
 * read twice is then an error rather than a read of a page given back. */
static PyObject *py_gather(PyObject *self, PyObject *a) {
    PyObject *po, *so, *eo;
    Py_ssize_t item, pitem;
    int consume = 0;
    if (!PyArg_ParseTuple(a, "OOOnn|p", &po, &so, &eo, &item, &pitem, &consume)) return NULL;
    if ((item != 1 && item != 2 && item != 4 && item != 8) || (pitem != 4 && pitem != 8)) {
        PyErr_SetString(PyExc_ValueError, "item size must be 1, 2, 4 or 8, the permutation's 4 or 8");
        return NULL;
    }
    Py_buffer pb, sb, eb;
    if (get_buf(po, &pb, pitem, 0) < 0) return NULL;
    if (get_buf(so, &sb, item, 0) < 0) {
        PyBuffer_Release(&pb);
        return NULL;
    }
    if (get_buf(eo, &eb, item, 0) < 0) {
        PyBuffer_Release(&pb);
        PyBuffer_Release(&sb);
        return NULL;
    }
    size_t n = (size_t)(pb.len / pitem), ns = (size_t)(sb.len / item), ne = (size_t)(eb.len / item);
    char *out = malloc(n ? n * (size_t)item : 1);
    PyObject *r = NULL;
    Pages pg = {0};
    if (!out || (consume && pages_init(&pg, sb.buf, ns * (size_t)item, (size_t)item) < 0)) {
        free(out);
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k;
        if (gather_entry(&pb, pitem, i, ns + ne, &k) < 0) {
            free(out);
            goto done;
        }
        const char *from = k < ns ? (const char *)sb.buf + k * item
                                  : (const char *)eb.buf + (k - ns) * item;
        memcpy(out + i * item, from, (size_t)item);
        if (gather_read(&pg, k, ns) < 0) {
            free(out);
            goto done;
        }
    }
    r = buf_wrap(out, (Py_ssize_t)(n * item));
done:
    pages_free(&pg);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&sb);
    PyBuffer_Release(&eb);
    return r;
}

/* gather_sparse(perm, at, val, n, pitem) -> (at, val): the Sparse column (at, val) over
 * the n main events, in the order perm gives (indices of n and past are CPU samples,
 * whose Args[2] is 0). */
static PyObject *py_gather_sparse(PyObject *self, PyObject *a) {
    PyObject *po, *ao, *vo;
    Py_ssize_t n_, pitem;
    if (!PyArg_ParseTuple(a, "OOOnn", &po, &ao, &vo, &n_, &pitem)) return NULL;
    if ((pitem != 4 && pitem != 8) || n_ < 0) {
        PyErr_SetString(PyExc_ValueError, "the permutation's item size must be 4 or 8");
        return NULL;
    }
    size_t n = (size_t)n_;
    Py_buffer pb, sb[2];
    Sparse sp;
    if (get_buf(po, &pb, pitem, 0) < 0) return NULL;
    if (get_sparse(ao, vo, sb, n, &sp) < 0) {
        PyBuffer_Release(&pb);
        return NULL;
    }
    PyObject *r = NULL;
    Vec at = {.item = 8}, val = {.item = 8};
    uint8_t *mark = calloc(n / 8 + 1, 1);
    if (!mark || vec_reserve(&at, sp.n) < 0 || vec_reserve(&val, sp.n) < 0) goto nomem;
    for (size_t j = 0; j < sp.n; j++) mark[sp.at[j] >> 3] |= (uint8_t)(1u << (sp.at[j] & 7));
    size_t np_ = (size_t)pb.len / (size_t)pitem;
    for (size_t j = 0; j < np_ && at.n < sp.n; j++) {
        size_t e = perm_entry(&pb, pitem, j);
        if (e >= n || !((mark[e >> 3] >> (e & 7)) & 1)) continue;
        ((int64_t *)at.p)[at.n++] = (int64_t)j;
        ((int64_t *)val.p)[val.n++] = sparse_get(&sp, (int64_t)e);
    }
    r = Py_BuildValue("(NN)", vec_take(&at), vec_take(&val));
    goto done;
nomem:
    PyErr_NoMemory();
done:
    free(mark);
    vec_free(&at);
    vec_free(&val);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&sb[0]);
    PyBuffer_Release(&sb[1]);
    return r;
}

/* gather_kept(perm, col, typ, keep, n_extra, pitem[, consume]) -> (Buf, width): an ICol in
 * the order perm gives, its value kept for the events whose type keep marks (64 bytes, 0 or
 * 1) and 0 for the others and for the n_extra indices past it (CPU samples), in the fewest
 * bytes (2, 4 or 8) the kept values fit in: after the merge only the conversion reads
 * Args[1], of a few types, whose values are small where the merge's sequence numbers were
 * not. consume as gather's. */
static PyObject *py_gather_kept(PyObject *self, PyObject *a) {
    PyObject *po, *co, *to;
    const char *keep;
    Py_ssize_t keeplen, n_extra, pitem;
    int consume = 0;
    if (!PyArg_ParseTuple(a, "OOOy#nn|p", &po, &co, &to, &keep, &keeplen, &n_extra, &pitem,
                          &consume))
        return NULL;
    if (keeplen != 64 || n_extra < 0 || (pitem != 4 && pitem != 8)) {
        PyErr_SetString(PyExc_ValueError, "bad arguments");
        return NULL;
    }
    Py_buffer pb, cb, tb;
    ICol col;
    if (get_buf(to, &tb, 1, 0) < 0) return NULL;
    size_t n = (size_t)tb.len;
    if (get_buf(po, &pb, pitem, 0) < 0) {
        PyBuffer_Release(&tb);
        return NULL;
    }
    if (get_icol(co, &cb, n, &col, 0) < 0) {
        PyBuffer_Release(&tb);
        PyBuffer_Release(&pb);
        return NULL;
    }
    const uint8_t *typ = tb.buf;
    int width = 2;
    for (size_t i = 0; i < n && width < 8; i++) {
        if (typ[i] >= 64 || !keep[typ[i]]) continue;
        int64_t v = icol(col, i);
        if (v != (int64_t)(int32_t)v) width = 8;
        else if (v != (int64_t)(int16_t)v) width = 4;
    }
    size_t m = (size_t)pb.len / (size_t)pitem;
    char *out = malloc(m ? m * (size_t)width : 1);
    PyObject *r = NULL;
    Pages pg = {0};
    size_t cw = (size_t)col.width;
    if (!out || (consume && pages_init(&pg, cb.buf, n * cw, cw) < 0)) {
        free(out);
        PyErr_NoMemory();
        goto done;
    }
    for (size_t j = 0; j < m; j++) {
        size_t k;
        if (gather_entry(&pb, pitem, j, n + (size_t)n_extra, &k) < 0) {
            free(out);
            goto done;
        }
        int64_t v = k < n && typ[k] < 64 && keep[typ[k]] ? icol(col, k) : 0;
        switch (width) {
        case 2: ((int16_t *)out)[j] = (int16_t)v; break;
        case 4: ((int32_t *)out)[j] = (int32_t)v; break;
        default: ((int64_t *)out)[j] = v;
        }
        if (gather_read(&pg, k, n) < 0) {
            free(out);
            goto done;
        }
    }
    r = Py_BuildValue("(Ni)", buf_wrap(out, (Py_ssize_t)(m * (size_t)width)), width);
done:
    pages_free(&pg);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&tb);
    return r;
}

/* gather_ts(perm, ts, ts_base, extra, pitem[, consume]) -> Buf of int64: a TCol's times in
 * the order perm gives, indices past it continuing into extra (int64); consume as gather's. */
static PyObject *py_gather_ts(PyObject *self, PyObject *a) {
    PyObject *po, *to, *bo, *eo;
    Py_ssize_t pitem;
    int consume = 0;
    if (!PyArg_ParseTuple(a, "OOOOn|p", &po, &to, &bo, &eo, &pitem, &consume)) return NULL;
    if (pitem != 4 && pitem != 8) {
        PyErr_SetString(PyExc_ValueError, "the permutation's item size must be 4 or 8");
        return NULL;
    }
    Py_buffer pb, tb, bb, eb;
    TCol ts;
    size_t ns;
    if (get_buf(po, &pb, pitem, 0) < 0) return NULL;
    if (get_tcol(to, bo, &tb, &bb, &ts, &ns) < 0) {
        PyBuffer_Release(&pb);
        return NULL;
    }
    if (get_buf(eo, &eb, 8, 0) < 0) {
        PyBuffer_Release(&pb);
        PyBuffer_Release(&tb);
        PyBuffer_Release(&bb);
        return NULL;
    }
    size_t m = (size_t)pb.len / (size_t)pitem, ne = (size_t)eb.len / 8;
    size_t item = ts.base ? 4 : 8;
    int64_t *out = malloc(m ? m * 8 : 1);
    PyObject *r = NULL;
    Pages pg = {0};
    if (!out || (consume && pages_init(&pg, tb.buf, ns * item, item) < 0)) {
        free(out);
        PyErr_NoMemory();
        goto done;
    }
    for (size_t j = 0; j < m; j++) {
        size_t k;
        if (gather_entry(&pb, pitem, j, ns + ne, &k) < 0) {
            free(out);
            goto done;
        }
        out[j] = k < ns ? tcol(ts, k) : ((const int64_t *)eb.buf)[k - ns];
        if (gather_read(&pg, k, ns) < 0) {
            free(out);
            goto done;
        }
    }
    r = buf_wrap(out, (Py_ssize_t)(m * 8));
done:
    pages_free(&pg);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&tb);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&eb);
    return r;
}

/* gather_runs(perm, at, p, extra, n, pitem[, consume]) -> Buf of int32: each event's value
 * from the runs (at, p) over the n main events, in the order perm gives; indices past them
 * continue into extra (int32). With consume, perm is read for the last time, front to back,
 * and its pages go back as they are read: the new column grows as the permutation goes. */
static PyObject *py_gather_runs(PyObject *self, PyObject *a) {
    PyObject *po, *ao, *vo, *eo;
    Py_ssize_t n_, pitem;
    int consume = 0;
    if (!PyArg_ParseTuple(a, "OOOOnn|p", &po, &ao, &vo, &eo, &n_, &pitem, &consume)) return NULL;
    if ((pitem != 4 && pitem != 8) || n_ < 0) {
        PyErr_SetString(PyExc_ValueError, "the permutation's item size must be 4 or 8");
        return NULL;
    }
    size_t n = (size_t)n_;
    Py_buffer pb, rb[2], eb;
    Runs r;
    if (get_buf(po, &pb, pitem, 0) < 0) return NULL;
    if (get_runs(ao, vo, &rb[0], &rb[1], n, &r) < 0) {
        PyBuffer_Release(&pb);
        return NULL;
    }
    if (get_buf(eo, &eb, 4, 0) < 0) {
        PyBuffer_Release(&pb);
        PyBuffer_Release(&rb[0]);
        PyBuffer_Release(&rb[1]);
        return NULL;
    }
    size_t m = (size_t)pb.len / (size_t)pitem, ne = (size_t)eb.len / 4, hint = 0, done_ = 0;
    int32_t *out = malloc(m ? m * 4 : 1);
    PyObject *res = NULL;
    if (!out) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t j = 0; j < m; j++) {
        size_t e;
        if (gather_entry(&pb, pitem, j, n + ne, &e) < 0) {
            free(out);
            goto done;
        }
        if (e < n) {
            hint = runs_find(&r, e, hint);
            out[j] = r.p[hint];
        } else {
            out[j] = ((const int32_t *)eb.buf)[e - n];
        }
        if (consume && (j & 0xffff) == 0xffff) release_read(pb.buf, (j + 1) * (size_t)pitem, &done_);
    }
    res = buf_wrap(out, (Py_ssize_t)(m * 4));
done:
    PyBuffer_Release(&pb);
    PyBuffer_Release(&rb[0]);
    PyBuffer_Release(&rb[1]);
    PyBuffer_Release(&eb);
    return res;
}

/* ------------------------------------------------------------------ */
/* finish: order_v1's post-merge fix-ups, in place.                    */

static int in_sorted(const int64_t *a, size_t n, int64_t v) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (a[m] < v) lo = m + 1;
        else hi = m;
    }
    return lo < n && a[lo] == v;
}

/* finish(ts, typ, p, g, a0, stk, freq, timer_goids, stack_ids, sets_ev)
 * ts: ticks -> ns; p: fake Ps; stk: unknown stacks -> 0; typ: Local -> plain. */
static PyObject *py_finish(PyObject *self, PyObject *a) {
    PyObject *o[6], *tim, *sid;
    double freq;
    const char *sets;
    Py_ssize_t setslen;
    if (!PyArg_ParseTuple(a, "OOOOOOdOOy#", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &freq,
                          &tim, &sid, &sets, &setslen))
        return NULL;
    if (setslen != 64) {
        PyErr_SetString(PyExc_ValueError, "bad tables");
        return NULL;
    }
    static const Py_ssize_t items[6] = {8, 1, 4, 0, 0, 0};
    Py_buffer b[8];
    int nb = 0;
    PyObject *result = NULL;
    ByteState last = {0};
    uint8_t *known = NULL; /* bitmap of stack ids, when they are small */
    ICol g = {0}, a0 = {0};
    SCol stk = {0};
    size_t n = 0;
    for (; nb < 6; nb++) {
        if (nb == 3 || nb == 4) {
            if (get_icol(o[nb], &b[nb], n, nb == 3 ? &g : &a0, 0) < 0) goto done;
        } else if (nb == 5) {
            if (get_scol(o[5], &b[5], n, &stk, 1) < 0) goto done;
        } else if (get_buf(o[nb], &b[nb], items[nb], 1) < 0) {
            goto done;
        }
        if (nb == 0) n = (size_t)b[0].len / 8;
    }
    if (get_buf(tim, &b[6], 8, 0) < 0) goto done;
    nb++;
    if (get_buf(sid, &b[7], 8, 0) < 0) goto done;
    nb++;
    if ((size_t)b[1].len != n || (size_t)b[2].len != 4 * n) {
        PyErr_SetString(PyExc_ValueError, "columns differ in length");
        goto done;
    }
    int64_t *ts = b[0].buf;
    uint8_t *typ = b[1].buf;
    int32_t *p = b[2].buf;
    const int64_t *timer = b[6].buf, *ids = b[7].buf;
    size_t ntimer = (size_t)b[6].len / 8, nids = (size_t)b[7].len / 8;
    if (n) {
        int64_t t0 = ts[0];
        for (size_t i = 0; i < n; i++) {
            /* Sorted ticks below 2^62: the difference is exact; a time that the
             * frequency puts at or past MAX_TIME_NS is clamped there (and dropped). */
            double x = (double)(ts[i] - t0) * freq;
            ts[i] = x < (double)MAX_TIME_NS ? (int64_t)x : MAX_TIME_NS;
        }
    }
    int64_t max_id = nids ? ids[nids - 1] : 0;
    int bitmap = max_id >= 0 && max_id < ((int64_t)1 << 28);
    if (bitmap) {
        known = calloc((size_t)max_id / 8 + 1, 1);
        if (known)
            for (size_t j = 0; j < nids; j++)
                if (ids[j] >= 0) known[ids[j] >> 3] |= (uint8_t)(1u << (ids[j] & 7));
    }
    if ((bitmap && !known) || bytes_init(&last, n + ((size_t)1 << 20)) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int t = typ[i];
        int unblock = t == EV_GO_UNBLOCK || t == EV_GO_UNBLOCK_LOCAL;
        int after_net = 0;
        if (sets[t]) {
            int64_t k = sets[t] == 2 ? icol(a0, i) : icol(g, i);
            after_net = unblock && bytes_get(&last, k) == EV_GO_BLOCK_NET;
            if (bytes_set(&last, k, (uint8_t)t) < 0) {
                PyErr_NoMemory();
                goto done;
            }
        }
        if (unblock && ntimer && in_sorted(timer, ntimer, icol(g, i))) p[i] = PROFILE_P - 4;
        if (t == EV_GO_SYS_EXIT || t == EV_GO_SYS_EXIT_LOCAL) p[i] = PROFILE_P - 2;
        if (t == EV_GC_START) p[i] = PROFILE_P - 1;
        if (after_net) p[i] = PROFILE_P - 3;
        uint32_t sk = scol(stk, i);
        if (sk && !(bitmap ? (int64_t)sk <= max_id && (known[sk >> 3] >> (sk & 7)) & 1
                           : in_sorted(ids, nids, (int64_t)sk)))
            scol_zero(stk, i);
        if (t == EV_GO_START_LOCAL) typ[i] = EV_GO_START;
        else if (t == EV_GO_UNBLOCK_LOCAL) typ[i] = EV_GO_UNBLOCK;
        else if (t == EV_GO_SYS_EXIT_LOCAL) typ[i] = EV_GO_SYS_EXIT;
    }
    result = Py_NewRef(Py_None);
done:
    bytes_free(&last);
    free(known);
    while (nb-- > 0) PyBuffer_Release(&b[nb]);
    return result;
}

/* syscall_blocked(typ, g) -> Buf of int64: the positions, ascending, of the GoSysCalls whose
 * goroutine's next event is GoSysBlock (tracev1.go looks ahead the same way). Positions, not
 * a byte an event: they are few, and the flags sat beside the ordered columns. */
static PyObject *py_syscall_blocked(PyObject *self, PyObject *a) {
    PyObject *to, *go;
    if (!PyArg_ParseTuple(a, "OO", &to, &go)) return NULL;
    Py_buffer tb, gb;
    if (get_buf(to, &tb, 1, 0) < 0) return NULL;
    size_t n = (size_t)tb.len;
    ICol g;
    if (get_icol(go, &gb, n, &g, 0) < 0) {
        PyBuffer_Release(&tb);
        return NULL;
    }
    PyObject *r = NULL;
    Dense pending = {0};
    Vec out = {.item = 8};
    uint8_t *bits = calloc(n / 8 + 1, 1); /* the positions found, in the order found */
    if (!bits || dense_init(&pending, n + ((size_t)1 << 20)) < 0) goto oom;
    const uint8_t *typ = tb.buf;
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t at = -1, unused, gi = icol(g, i);
        int syscall = typ[i] == EV_GO_SYS_CALL;
        if (dense_get(&pending, gi, &at, &unused) && at >= 0) {
            if (typ[i] == EV_GO_SYS_BLOCK) {
                bits[at >> 3] |= (uint8_t)(1u << (at & 7));
                found++;
            }
            if (!syscall && dense_set(&pending, gi, -1, 0) < 0) goto oom;
        }
        if (syscall && dense_set(&pending, gi, (int64_t)i, 0) < 0) goto oom;
    }
    if (vec_reserve(&out, found) < 0) goto oom;
    for (size_t i = 0; i < n && out.n < found; i++)
        if ((bits[i >> 3] >> (i & 7)) & 1) ((int64_t *)out.p)[out.n++] = (int64_t)i;
    r = vec_take(&out);
    goto done;
oom:
    PyErr_NoMemory();
done:
    vec_free(&out);
    free(bits);
    dense_free(&pending);
    PyBuffer_Release(&tb);
    PyBuffer_Release(&gb);
    return r;
}

/* ------------------------------------------------------------------ */
/* convert: convert_v1.Converter._slice as one sequential pass.        */

enum {
    EV_GOMAXPROCS = 4, EV_STW_START = 9, EV_STW_DONE = 10, EV_GO_WAITING = 31,
    EV_GO_START_LABEL = 41, EV_USER_TASK_CREATE = 45, EV_USER_TASK_END = 46,
    EV_USER_REGION = 47,
};
enum { K_LABEL = 3, K_REGION_BEGIN = 10, K_REGION_END = 11, K_STATE_TRANSITION = 13 };
enum { GS_UNDETERMINED = 0, GS_RUNNABLE = 2, GS_RUNNING = 3, GS_SYSCALL = 5, RK_GOROUTINE = 1 };
#define NCOLS 13

/* The output columns of one slice, in events.COLUMNS order. */
typedef struct {
    int64_t *time, *g, *p, *m, *res, *task;
    uint8_t *kind, *rk, *frm, *to;
    int32_t *stack, *name, *tstack; /* raw uint32 trace stack ids until mapped */
    size_t n, cap;
} Out;

static void out_free(Out *o) {
    void *cols[NCOLS] = {o->time, o->kind, o->g, o->p, o->m, o->stack, o->rk,
                         o->res, o->frm, o->to, o->name, o->tstack, o->task};
    for (int k = 0; k < NCOLS; k++) free(cols[k]);
    memset(o, 0, sizeof *o);
}

static const size_t OUT_ITEM[NCOLS] = {8, 1, 8, 8, 8, 4, 1, 8, 1, 1, 4, 4, 8};

static int out_reserve(Out *o, size_t want) {
    if (want <= o->cap) return 0;
    size_t cap = o->cap ? o->cap : 1024;
    while (cap < want) cap *= 2;
    void **cols[NCOLS] = {(void **)&o->time, (void **)&o->kind, (void **)&o->g,
                          (void **)&o->p, (void **)&o->m, (void **)&o->stack,
                          (void **)&o->rk, (void **)&o->res, (void **)&o->frm,
                          (void **)&o->to, (void **)&o->name, (void **)&o->tstack,
                          (void **)&o->task};
    for (int k = 0; k < NCOLS; k++) {
        void *q = realloc(*cols[k], cap * OUT_ITEM[k]);
        if (!q) return -1;
        *cols[k] = q;
    }
    o->cap = cap;
    return 0;
}

static inline void out_put(Out *o, int64_t time, uint8_t kind, int64_t g, int64_t p, int64_t m,
                           uint32_t stack, uint8_t rk, int64_t res, uint8_t frm, uint8_t to,
                           int32_t name, uint32_t tstack, int64_t task) {
    size_t i = o->n++;
    o->time[i] = time;
    o->kind[i] = kind;
    o->g[i] = g;
    o->p[i] = p;
    o->m[i] = m;
    o->stack[i] = (int32_t)stack;
    o->rk[i] = rk;
    o->res[i] = res;
    o->frm[i] = frm;
    o->to[i] = to;
    o->name[i] = name;
    o->tstack[i] = (int32_t)tstack;
    o->task[i] = task;
}

typedef struct {
    PyObject_HEAD
    Py_buffer b[10];
    int nb;
    const int64_t *ts;
    ICol g, a0, a1;
    Sparse a2;
    const uint8_t *typ;
    const int64_t *blocked; /* positions of the GoSysCalls that block, ascending */
    size_t nblocked;
    const int32_t *p;
    SCol stk;
    size_t n;
    /* Converter's per-type tables: kind, rkind, frm, to, has_stack, res_src,
     * tstack_src, valid; then reason (a Tables string id). */
    uint8_t tab[8][64];
    int32_t reason[64];
    /* Sequential state carried between slices. */
    Dense procs;       /* P -> (a0 of its last ProcStart, flags P_*) */
    Map tasks;         /* task id -> (name, present) */
    Map strs;          /* trace string id -> Tables string id */
    Dense stacks;      /* trace stack id -> Tables stack id */
    Vec created;       /* goroutines created before the first Gomaxprocs, in order */
    Vec alive;         /* uint8 per entry of created */
    Map created_at;    /* gid -> (index in created, alive) */
    int64_t last_ts, slice_no;
    int32_t stw_reason;
    int pre_init;
} ConvObject;

enum { T_KIND, T_RK, T_FRM, T_TO, T_HAS_STACK, T_RES_SRC, T_TSTACK_SRC, T_VALID };
/* procs flags: the P's last ProcStart/Stop was a start; the P has had one;
 * the slice of that mark is flags >> 2. */
enum { P_STARTED = 1, P_SEEN = 2 };

static void conv_dealloc(PyObject *self) {
    ConvObject *c = (ConvObject *)self;
    while (c->nb-- > 0) PyBuffer_Release(&c->b[c->nb]);
    dense_free(&c->procs);
    map_free(&c->tasks);
    map_free(&c->strs);
    dense_free(&c->stacks);
    vec_free(&c->created);
    vec_free(&c->alive);
    map_free(&c->created_at);
    Py_TYPE(self)->tp_free(self);
}

static PyTypeObject ConvType;

/* Converter(ts, typ, p, g, a0, a1, a2_at, a2_val, stk, blocked, tables, reasons): the
 * ordered columns (ts int64, p int32, typ uint8; g, a0, a1 ICols, stk an SCol, a2 a
 * Sparse) and the positions of the syscalls that block (int64, ascending). */
static PyObject *py_converter(PyObject *self, PyObject *a) {
    PyObject *o[10];
    const char *tab;
    Py_ssize_t tablen;
    Py_buffer rb;
    if (!PyArg_ParseTuple(a, "OOOOOOOOOOy#y*", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &o[8], &o[9], &tab, &tablen, &rb))
        return NULL;
    if (tablen != 8 * 64 || rb.len != 64 * 4) {
        PyBuffer_Release(&rb);
        PyErr_SetString(PyExc_ValueError, "bad tables");
        return NULL;
    }
    ConvObject *c = PyObject_New(ConvObject, &ConvType);
    if (c == NULL) {
        PyBuffer_Release(&rb);
        return NULL;
    }
    memset((char *)c + sizeof(PyObject), 0, sizeof(ConvObject) - sizeof(PyObject));
    memcpy(c->tab, tab, sizeof c->tab);
    memcpy(c->reason, rb.buf, sizeof c->reason);
    PyBuffer_Release(&rb);
    c->created.item = 8;
    c->alive.item = 1;
    c->last_ts = -1;
    c->pre_init = 1;
    static const Py_ssize_t items[10] = {8, 1, 4, 0, 0, 0, 0, 0, 0, 8};
    size_t n = 0;
    for (; c->nb < 10; c->nb++) {
        int k = c->nb;
        if (k >= 3 && k <= 5) {
            if (get_icol(o[k], &c->b[k], n, k == 3 ? &c->g : k == 4 ? &c->a0 : &c->a1, 0) < 0)
                goto fail;
        } else if (k == 6) {
            if (get_sparse(o[6], o[7], &c->b[6], n, &c->a2) < 0) goto fail;
            c->nb++;
        } else if (k == 8) {
            if (get_scol(o[8], &c->b[8], n, &c->stk, 0) < 0) goto fail;
        } else {
            if (get_buf(o[k], &c->b[k], items[k], 0) < 0) goto fail;
            if (k == 0) n = (size_t)c->b[0].len / 8;
            else if (k != 9 && (size_t)c->b[k].len != n * (size_t)items[k]) {
                c->nb++;
                PyErr_SetString(PyExc_ValueError, "columns differ in length");
                goto fail;
            }
        }
    }
    for (int t = 0; t < 64; t++)
        if (c->tab[T_RES_SRC][t] > 3 || c->tab[T_TSTACK_SRC][t] > 2) {
            PyErr_SetString(PyExc_ValueError, "bad tables");
            goto fail;
        }
    c->n = n;
    c->ts = c->b[0].buf;
    c->typ = c->b[1].buf;
    c->p = c->b[2].buf;
    c->blocked = c->b[9].buf;
    c->nblocked = (size_t)c->b[9].len / 8;
    for (size_t k = 0; k < c->nblocked; k++)
        if (c->blocked[k] < 0 || (size_t)c->blocked[k] >= n || (k && c->blocked[k] <= c->blocked[k - 1])) {
            PyErr_SetString(PyExc_ValueError, "bad syscall positions");
            goto fail;
        }
    if (dense_init(&c->procs, 4096) < 0 || map_init(&c->tasks, 16) < 0 ||
        map_init(&c->strs, 64) < 0 || dense_init(&c->stacks, (size_t)1 << 24) < 0 ||
        map_init(&c->created_at, 64) < 0) {
        PyErr_NoMemory();
        goto fail;
    }
    return (PyObject *)c;
fail:
    Py_DECREF(c);
    return NULL;
}

/* A Python callback's int result; -1 with an exception set on failure. */
static int call_int(PyObject *cb, int64_t arg, int32_t *out) {
    PyObject *r = PyObject_CallFunction(cb, "L", (long long)arg);
    if (r == NULL) return -1;
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    if (v == -1 && PyErr_Occurred()) return -1;
    *out = (int32_t)v;
    return 0;
}

static int conv_string(ConvObject *c, PyObject *cb, int64_t sid, int32_t *out) {
    Py_ssize_t s = map_find(&c->strs, sid);
    if (s >= 0) {
        *out = (int32_t)c->strs.v1[s];
        return 0;
    }
    if (call_int(cb, sid, out) < 0) return -1;
    if (map_slot(&c->strs, sid, *out, 0) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int u32_cmp(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Trace stack ids -> Tables ids in place; ids not seen before are interned
 * in ascending order, as Converter._map_stacks does. */
static int conv_map_stacks(ConvObject *c, PyObject *cb, int32_t *col, size_t n) {
    Vec fresh = {.item = 4};
    int64_t v = 0, unused = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = (uint32_t)col[i];
        if (s == 0 || dense_get(&c->stacks, s, &v, &unused)) continue;
        if (dense_set(&c->stacks, s, -1, 0) < 0 || dec_push(&fresh, &s) < 0) goto nomem;
    }
    if (fresh.n) {
        qsort(fresh.p, fresh.n, 4, u32_cmp);
        for (size_t j = 0; j < fresh.n; j++) {
            uint32_t s = ((uint32_t *)fresh.p)[j];
            int32_t id;
            if (call_int(cb, s, &id) < 0) goto fail;
            if (dense_set(&c->stacks, s, id, 0) < 0) goto nomem;
        }
    }
    vec_free(&fresh);
    for (size_t i = 0; i < n; i++) {
        uint32_t s = (uint32_t)col[i];
        if (s == 0) continue;
        dense_get(&c->stacks, s, &v, &unused);
        col[i] = (int32_t)v;
    }
    return 0;
nomem:
    PyErr_NoMemory();
fail:
    vec_free(&fresh);
    return -1;
}

/* slice(lo, hi, string, stack, stw) -> (error or None, last_ts, columns):
 * the events of ordered input [lo, hi); string(sid), stack(sid) and stw(kid)
 * intern through the Python Converter. */
static PyObject *conv_slice(PyObject *self, PyObject *a) {
    ConvObject *c = (ConvObject *)self;
    Py_ssize_t lo_, hi_;
    PyObject *string_cb, *stack_cb, *stw_cb;
    if (!PyArg_ParseTuple(a, "nnOOO", &lo_, &hi_, &string_cb, &stack_cb, &stw_cb)) return NULL;
    if (lo_ < 0 || hi_ < lo_ || (size_t)hi_ > c->n) {
        PyErr_SetString(PyExc_IndexError, "slice out of range");
        return NULL;
    }
    size_t lo = (size_t)lo_, hi = (size_t)hi_;
    Out o = {0};
    Vec labels = {.item = 16}; /* (output index, string id) of GoStartLabel labels */
    PyObject *error = Py_NewRef(Py_None), *result = NULL;
    if (out_reserve(&o, (hi - lo) + (hi - lo) / 8 + 16) < 0) goto nomem;
    const uint8_t(*tab)[64] = c->tab;
    int64_t slice_no = c->slice_no++;
    for (size_t i = lo; i < hi; i++) {
        int t = c->typ[i];
        if (t >= 64 || !tab[T_VALID][t] || (t == EV_USER_REGION && icol(c->a1, i) > 1)) {
            Py_DECREF(error);
            error = PyUnicode_FromFormat("unexpected event type %d", t);
            if (error == NULL) goto done;
            break;
        }
        int64_t p = c->p[i], g = icol(c->g, i), a0 = icol(c->a0, i), a1 = icol(c->a1, i);
        int64_t ts = c->ts[i];
        /* Which thread runs the P (procMs), before this event's own update. */
        int64_t pa0 = 0, pfl = 0;
        dense_get(&c->procs, p, &pa0, &pfl);
        int have = (pfl & P_STARTED) && ((pfl >> 2) != slice_no || pa0 >= 0);
        int64_t val = pa0;
        int isstart = t == EV_PROC_START, isstop = t == EV_PROC_STOP;
        uint8_t frm = tab[T_FRM][t];
        if (isstart) {
            have = 1;
            val = a0;
        }
        int64_t m_raw = have ? val : 0;
        int64_t m = (p != -1 && have && t != EV_CPU_SAMPLE) ? val : -1;
        if (isstart || isstop) {
            if (!(pfl & P_SEEN)) frm = GS_UNDETERMINED;
            if (dense_set(&c->procs, p, isstart ? a0 : pa0,
                          P_SEEN | (isstart ? P_STARTED : 0) | (slice_no << 2)) < 0)
                goto nomem;
        }
        int32_t name = c->reason[t];
        int64_t task = 0;
        uint8_t kind = tab[T_KIND][t];
        switch (t) {
        case EV_STW_START:
            if (call_int(stw_cb, a0, &c->stw_reason) < 0) goto done;
            name = c->stw_reason;
            break;
        case EV_STW_DONE:
            name = c->stw_reason;
            break;
        case EV_USER_TASK_CREATE: {
            if (conv_string(c, string_cb, sparse_get(&c->a2, (int64_t)i), &name) < 0) goto done;
            Py_ssize_t s = map_slot(&c->tasks, a0, 0, 0);
            if (s < 0) goto nomem;
            c->tasks.v1[s] = name;
            c->tasks.v2[s] = 1;
            task = a0;
            break;
        }
        case EV_USER_TASK_END: {
            Py_ssize_t s = map_find(&c->tasks, a0);
            name = 0;
            if (s >= 0 && c->tasks.v2[s]) {
                name = (int32_t)c->tasks.v1[s];
                c->tasks.v2[s] = 0;
            }
            task = a0;
            break;
        }
        case EV_USER_REGION:
            if (conv_string(c, string_cb, sparse_get(&c->a2, (int64_t)i), &name) < 0) goto done;
            kind = a1 == 0 ? K_REGION_BEGIN : K_REGION_END;
            task = a0;
            break;
        case EV_USER_LOG:
            if (conv_string(c, string_cb, a1, &name) < 0) goto done;
            task = a0;
            break;
        }
        int64_t g_out = g == 0 ? -1 : g;
        int rsrc = tab[T_RES_SRC][t];
        int64_t res = rsrc == 1 ? g_out : rsrc == 2 ? a0 : rsrc == 3 ? p : 0;
        uint32_t stack = tab[T_HAS_STACK][t] ? scol(c->stk, i) : 0;
        int tsrc = tab[T_TSTACK_SRC][t];
        uint32_t tstack = tsrc == 1 ? scol(c->stk, i) : tsrc == 2 ? (uint32_t)a1 : 0;
        int count = t == EV_GO_SYS_BLOCK ? 0 : 1;
        /* Goroutines that existed at trace start: GoStatus until the first Gomaxprocs. */
        if (c->pre_init) {
            if (t == EV_GOMAXPROCS) {
                c->pre_init = 0;
                if (out_reserve(&o, o.n + c->created.n + 2 * (hi - i)) < 0) goto nomem;
                for (size_t j = 0; j < c->created.n; j++)
                    if (((uint8_t *)c->alive.p)[j])
                        out_put(&o, ts, K_STATE_TRANSITION, -1, -1, -1, 0, RK_GOROUTINE,
                                ((int64_t *)c->created.p)[j], GS_UNDETERMINED, GS_RUNNABLE, 0,
                                0, 0);
                vec_free(&c->created);
                vec_free(&c->alive);
                map_free(&c->created_at);
                continue;
            }
            if (t == EV_GO_CREATE) {
                Py_ssize_t s = map_find(&c->created_at, a0);
                if (s < 0 || !c->created_at.v2[s]) {
                    int64_t at = (int64_t)c->created.n;
                    uint8_t one = 1;
                    if (dec_push(&c->created, &a0) < 0 || dec_push(&c->alive, &one) < 0 ||
                        (s = map_slot(&c->created_at, a0, 0, 0)) < 0)
                        goto nomem;
                    c->created_at.v1[s] = at;
                    c->created_at.v2[s] = 1;
                }
                count = 0;
            } else if (t == EV_GO_START || t == EV_GO_WAITING || t == EV_GO_IN_SYSCALL) {
                if (t == EV_GO_START) frm = GS_UNDETERMINED;
                Py_ssize_t s = map_find(&c->created_at, a0);
                if (s >= 0 && c->created_at.v2[s]) {
                    ((uint8_t *)c->alive.p)[c->created_at.v1[s]] = 0;
                    c->created_at.v2[s] = 0;
                }
            }
        }
        if (count == 0) continue;
        /* A syscall that does not block next is a 1 ns begin/end pair; a
         * GoStartLabel is followed by its label. */
        int pair = t == EV_GO_SYS_CALL && !in_sorted(c->blocked, c->nblocked, (int64_t)i);
        int label = t == EV_GO_START_LABEL;
        int64_t g_ctx = (pair || label) ? g : g_out, m_ctx = (pair || label) ? m_raw : m;
        if (pair) res = g;
        if (o.n + 2 > o.cap && out_reserve(&o, o.n + 2 * (hi - i)) < 0) goto nomem;
        out_put(&o, ts, kind, g_ctx, p, m_ctx, stack, tab[T_RK][t], res, frm, tab[T_TO][t], name,
                tstack, task);
        if (pair)
            out_put(&o, (int64_t)((uint64_t)ts + 1), kind, g_ctx, p, m_ctx, 0, tab[T_RK][t], res,
                    GS_SYSCALL, GS_RUNNING, name, 0, task);
        else if (label) {
            int64_t lb[2] = {(int64_t)o.n, sparse_get(&c->a2, (int64_t)i)};
            if (dec_push(&labels, lb) < 0) goto nomem;
            out_put(&o, ts, K_LABEL, g_ctx, p, m_ctx, stack, 0, 0, 0, 0, 0, tstack, task);
        }
    }
    for (size_t j = 0; j < labels.n; j++) {
        int64_t *lb = (int64_t *)labels.p + 2 * j;
        if (conv_string(c, string_cb, lb[1], &o.name[lb[0]]) < 0) goto done;
    }
    if (conv_map_stacks(c, stack_cb, o.stack, o.n) < 0 ||
        conv_map_stacks(c, stack_cb, o.tstack, o.n) < 0)
        goto done;
    /* Two events never share a time: each is at least the previous + 1. */
    if (o.n) {
        int64_t u = (int64_t)((uint64_t)c->last_ts + 1);
        for (size_t i = 0; i < o.n; i++) {
            int64_t d = (int64_t)((uint64_t)o.time[i] - (uint64_t)i);
            if (d > u) u = d;
            o.time[i] = (int64_t)((uint64_t)u + (uint64_t)i);
        }
        c->last_ts = o.time[o.n - 1];
    }
    PyObject *cols = PyTuple_New(NCOLS);
    if (cols == NULL) goto done;
    void **ptrs[NCOLS] = {(void **)&o.time, (void **)&o.kind, (void **)&o.g, (void **)&o.p,
                          (void **)&o.m, (void **)&o.stack, (void **)&o.rk, (void **)&o.res,
                          (void **)&o.frm, (void **)&o.to, (void **)&o.name, (void **)&o.tstack,
                          (void **)&o.task};
    for (int k = 0; k < NCOLS; k++) {
        void *p = *ptrs[k];
        if (o.n < o.cap) {
            void *q = realloc(p, o.n ? o.n * OUT_ITEM[k] : 1);
            if (q) p = q;
        }
        *ptrs[k] = NULL;
        PyObject *b = buf_wrap(p, (Py_ssize_t)(o.n * OUT_ITEM[k]));
        if (b == NULL) {
            Py_DECREF(cols);
            goto done;
        }
        PyTuple_SET_ITEM(cols, k, b);
    }
    result = Py_BuildValue("(OLN)", error, (long long)c->last_ts, cols);
    goto done;
nomem:
    PyErr_NoMemory();
done:
    Py_XDECREF(error);
    out_free(&o);
    vec_free(&labels);
    return result;
}

static PyMethodDef conv_methods[] = {
    {"slice", conv_slice, METH_VARARGS, "Convert the ordered events [lo, hi) to columns."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ConvType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gotrace.trace._v1.Converter",
    .tp_basicsize = sizeof(ConvObject),
    .tp_dealloc = conv_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = conv_methods,
    .tp_doc = "convert_v1.Converter's sequential state, carried from slice to slice.",
};

static PyMethodDef methods[] = {
    {"decode", py_decode, METH_VARARGS, "Decode a v1 trace into columns, in file order."},
    {"order", py_order, METH_VARARGS, "Go's v1 event ordering: the final permutation."},
    {"gather_runs", py_gather_runs, METH_VARARGS, "A Runs column in permutation order."},
    {"gather_ts", py_gather_ts, METH_VARARGS, "A TCol's times in permutation order."},
    {"gather_kept", py_gather_kept, METH_VARARGS,
     "An ICol in permutation order, kept for some types only, narrowed."},
    {"gather_sparse", py_gather_sparse, METH_VARARGS,
     "A Sparse column in the order a permutation gives."},
    {"gather", py_gather, METH_VARARGS, "A column in permutation order."},
    {"finish", py_finish, METH_VARARGS, "order_v1's post-merge fix-ups, in place."},
    {"syscall_blocked", py_syscall_blocked, METH_VARARGS,
     "For each GoSysCall: does its goroutine block next?"},
    {"converter", py_converter, METH_VARARGS, "convert_v1.Converter's state over ordered columns."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_v1", NULL, -1, methods};

/* Copies of the Python side's numbers (spec_v1, decode_v1, order_v1, convert_v1,
 * events), exported in `constants` and tested equal. */
static const Constant CONSTANTS[] = {
    CONSTANT(EV_NONE), CONSTANT(EV_BATCH), CONSTANT(EV_FREQUENCY), CONSTANT(EV_STACK),
    CONSTANT(EV_GOMAXPROCS), CONSTANT(EV_PROC_START), CONSTANT(EV_PROC_STOP),
    CONSTANT(EV_GC_START), CONSTANT(EV_STW_START), CONSTANT(EV_STW_DONE), CONSTANT(EV_GO_CREATE),
    CONSTANT(EV_GO_START), CONSTANT(EV_GO_UNBLOCK), CONSTANT(EV_GO_BLOCK_NET),
    CONSTANT(EV_GO_SYS_CALL), CONSTANT(EV_GO_SYS_EXIT), CONSTANT(EV_GO_SYS_BLOCK),
    CONSTANT(EV_GO_WAITING), CONSTANT(EV_GO_IN_SYSCALL), CONSTANT(EV_TIMER_GOROUTINE),
    CONSTANT(EV_STRING), CONSTANT(EV_GO_START_LOCAL), CONSTANT(EV_GO_UNBLOCK_LOCAL),
    CONSTANT(EV_GO_SYS_EXIT_LOCAL), CONSTANT(EV_GO_START_LABEL), CONSTANT(EV_USER_TASK_CREATE),
    CONSTANT(EV_USER_TASK_END), CONSTANT(EV_USER_REGION), CONSTANT(EV_USER_LOG),
    CONSTANT(EV_CPU_SAMPLE), CONSTANT(F_KNOWN), CONSTANT(F_STACK), CONSTANT(F_TIMED),
    CONSTANT(F_SETTER), CONSTANT(F_CLEARER), CONSTANT(F_FROM_ARG), CONSTANT(F_A1),
    CONSTANT(MAX_INT32), CONSTANT(MAX_TICKS), CONSTANT(TS_BLOCK), CONSTANT(MAX_TIME_NS),
    CONSTANT(PROFILE_P), CONSTANT(GARBAGE_KEY),
    CONSTANT(G_DEAD), CONSTANT(K_LABEL), CONSTANT(K_REGION_BEGIN), CONSTANT(K_REGION_END),
    CONSTANT(K_STATE_TRANSITION), CONSTANT(GS_UNDETERMINED), CONSTANT(GS_RUNNABLE),
    CONSTANT(GS_RUNNING), CONSTANT(GS_SYSCALL), CONSTANT(RK_GOROUTINE), CONSTANT(T_KIND),
    CONSTANT(T_RK), CONSTANT(T_FRM), CONSTANT(T_TO), CONSTANT(T_HAS_STACK), CONSTANT(T_RES_SRC),
    CONSTANT(T_TSTACK_SRC), CONSTANT(T_VALID), CONSTANT(NCOLS),
};

PyMODINIT_FUNC PyInit__v1(void) {
    if (PyType_Ready(&BufType) < 0 || PyType_Ready(&ConvType) < 0) return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL) return NULL;
    PyObject *d = module_export(mod, CONSTANTS, sizeof CONSTANTS / sizeof *CONSTANTS);
    PyObject *msg = d ? PyUnicode_FromString(TIME_RANGE_ERROR) : NULL;
    if (msg == NULL || PyDict_SetItemString(d, "TIME_RANGE_ERROR", msg) < 0
        || PyModule_AddObjectRef(mod, "Converter", (PyObject *)&ConvType) < 0) {
        Py_XDECREF(msg);
        Py_DECREF(mod);
        return NULL;
    }
    Py_DECREF(msg);
    return mod;
}
