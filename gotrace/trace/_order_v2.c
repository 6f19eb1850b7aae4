/*
 * C twin of gotrace/trace/order_v2.py: Go 1.22+ event ordering.
 *
 * The same algorithm as the pure-Python module, statement for statement where
 * the order of checks decides which error a broken trace reports: per-M batch
 * cursors decoding varints straight from the file bytes, the frontier min-heap,
 * Go's pdqsort for ties on a stall, and order.go's state machine (goroutines,
 * procs, threads with sequence numbers; ranges, tasks, regions, GC) carried
 * across generations. Times are int64 ns: both twins reject, where it is read,
 * a time at or past MAX_TIME_NS (gotrace.trace.events), computing ticks * freq
 * in the same double arithmetic, so they fail at the same event.
 *
 * Output goes to flat growable buffers, one per field (event type, its four
 * arguments after dt, goroutine, proc, thread, raw time); build() turns them
 * into v2.py's EventChunk columns the way v2.build_chunk does with numpy (same
 * tables, passed in by set_columns and set_remap) and hands them to Python as
 * buffer objects numpy wraps without copying.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define GOTRACE_BUF_NAME "gotrace.trace._order_v2.Buf"
#include "../_buffers.h"
#include "_varint.h"

/* gotrace.trace.events.MAX_TIME_NS and MAX_PROC_ID (exported, and tested equal). */
#define MAX_TIME_NS ((int64_t)1 << 60)
#define MAX_PROC_ID ((int64_t)INT32_MAX)

/* tracev2 event types (spec_v2.py). These and the states and tables below are
 * copies of the spec's, exported in `constants` (see CONSTANTS) and tested equal. */
enum {
    EV_CPU_SAMPLE = 7, EV_PROCS_CHANGE = 9, EV_PROC_START = 10, EV_PROC_STOP = 11,
    EV_PROC_STEAL = 12, EV_PROC_STATUS = 13, EV_GO_CREATE = 14, EV_GO_CREATE_SYSCALL = 15,
    EV_GO_START = 16, EV_GO_DESTROY = 17, EV_GO_DESTROY_SYSCALL = 18, EV_GO_STOP = 19,
    EV_GO_BLOCK = 20, EV_GO_UNBLOCK = 21, EV_GO_SYSCALL_BEGIN = 22, EV_GO_SYSCALL_END = 23,
    EV_GO_SYSCALL_END_BLOCKED = 24, EV_GO_STATUS = 25, EV_STW_BEGIN = 26, EV_STW_END = 27,
    EV_GC_ACTIVE = 28, EV_GC_BEGIN = 29, EV_GC_END = 30, EV_GC_SWEEP_ACTIVE = 31,
    EV_GC_SWEEP_BEGIN = 32, EV_GC_SWEEP_END = 33, EV_GC_MARK_ASSIST_ACTIVE = 34,
    EV_GC_MARK_ASSIST_BEGIN = 35, EV_GC_MARK_ASSIST_END = 36, EV_HEAP_ALLOC = 37,
    EV_HEAP_GOAL = 38, EV_GO_LABEL = 39, EV_USER_TASK_BEGIN = 40, EV_USER_TASK_END = 41,
    EV_USER_REGION_BEGIN = 42, EV_USER_REGION_END = 43, EV_USER_LOG = 44, EV_GO_SWITCH = 45,
    EV_GO_SWITCH_DESTROY = 46, EV_GO_CREATE_BLOCKED = 47, EV_GO_STATUS_STACK = 48,
    MAX_EVENT = 127, NUM_SPECS = 137,
};
enum { GO_BAD, GO_RUNNABLE, GO_RUNNING, GO_SYSCALL, GO_WAITING };
enum { PROC_BAD, PROC_RUNNING, PROC_IDLE, PROC_SYSCALL, PROC_SYSCALL_ABANDONED };
enum { GS_UNDETERMINED = 0 };
enum { PS_UNDETERMINED = 0, PS_NOT_EXIST = 1, PS_RUNNING = 2, PS_IDLE = 3 };
enum { GC_UNDETERMINED, GC_NOT_RUNNING, GC_RUNNING };
#define NONE ((int64_t)-1)
#define NO_TASK UINT64_MAX

static const uint8_t GO_STATUS_TO_STATE[5] = {0, 2, 3, 5, 4};
static const uint8_t PROC_STATUS_TO_STATE[5] = {0, 2, 3, 2, 3};
static const char *const GO_STATUS_NAMES[5] = {"Bad", "Runnable", "Running", "Syscall",
                                                "Waiting"};
static const char *const PROC_STATUS_NAMES[5] = {"Bad", "Running", "Idle", "Syscall",
                                                  "SyscallAbandoned"};

static PyObject *OrderError;  /* gotrace.trace.order_v2.OrderError */

/* ------------------------------------------------------------------------ */
/* Ranges and regions: short lists, almost always empty.                      */

typedef struct { uint64_t typ, desc; } Range;
typedef struct { Py_ssize_t n, cap; Range v[]; } RangeList;
typedef struct { uint64_t task; PyObject *name; } Region;
typedef struct { Py_ssize_t n, cap; Region v[]; } RegionList;

static int range_push(RangeList **lp, uint64_t typ, uint64_t desc) {
    RangeList *l = *lp;
    if (l == NULL || l->n == l->cap) {
        Py_ssize_t cap = l ? 2 * l->cap : 4;
        RangeList *nl = PyMem_Realloc(l, sizeof(RangeList) + (size_t)cap * sizeof(Range));
        if (nl == NULL) { PyErr_NoMemory(); return -1; }
        if (l == NULL) nl->n = 0;
        nl->cap = cap;
        *lp = l = nl;
    }
    l->v[l->n].typ = typ;
    l->v[l->n].desc = desc;
    l->n++;
    return 0;
}

static int region_push(RegionList **lp, uint64_t task, PyObject *name) {
    RegionList *l = *lp;
    if (l == NULL || l->n == l->cap) {
        Py_ssize_t cap = l ? 2 * l->cap : 4;
        RegionList *nl = PyMem_Realloc(l, sizeof(RegionList) + (size_t)cap * sizeof(Region));
        if (nl == NULL) { PyErr_NoMemory(); return -1; }
        if (l == NULL) nl->n = 0;
        nl->cap = cap;
        *lp = l = nl;
    }
    Py_INCREF(name);
    l->v[l->n].task = task;
    l->v[l->n].name = name;
    l->n++;
    return 0;
}

static void regions_free(RegionList *l) {
    if (l == NULL) return;
    for (Py_ssize_t i = 0; i < l->n; i++) Py_DECREF(l->v[i].name);
    PyMem_Free(l);
}

/* ------------------------------------------------------------------------ */
/* Goroutine states: open addressing (linear probing, backward-shift delete),  */
/* entries inline. Pointers into it are invalidated by any insert or delete.   */

typedef struct {
    int64_t id;
    uint64_t seq, seq_gen;
    RangeList *ranges;
    RegionList *regions;
    uint8_t status, used;
} GState;

typedef struct { GState *slots; size_t mask, n; } GTable;

static inline size_t hash64(uint64_t k, size_t mask) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & mask;
}

static GState *g_get(GTable *t, int64_t id) {
    size_t i = hash64((uint64_t)id, t->mask);
    for (;;) {
        GState *s = &t->slots[i];
        if (!s->used) return NULL;
        if (s->id == id) return s;
        i = (i + 1) & t->mask;
    }
}

static int g_grow(GTable *t) {
    size_t cap = (t->mask + 1) * 2;
    GState *ns = PyMem_Calloc(cap, sizeof(GState));
    if (ns == NULL) { PyErr_NoMemory(); return -1; }
    for (size_t i = 0; i <= t->mask; i++) {
        GState *s = &t->slots[i];
        if (!s->used) continue;
        size_t j = hash64((uint64_t)s->id, cap - 1);
        while (ns[j].used) j = (j + 1) & (cap - 1);
        ns[j] = *s;
    }
    PyMem_Free(t->slots);
    t->slots = ns;
    t->mask = cap - 1;
    return 0;
}

/* A new state for id (not present). */
static GState *g_insert(GTable *t, int64_t id, uint8_t status, uint64_t gen) {
    if (2 * (t->n + 1) > t->mask + 1 && g_grow(t) < 0) return NULL;
    size_t i = hash64((uint64_t)id, t->mask);
    while (t->slots[i].used) i = (i + 1) & t->mask;
    GState *s = &t->slots[i];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->status = status;
    s->seq_gen = gen;
    s->used = 1;
    t->n++;
    return s;
}

static void g_delete(GTable *t, GState *s) {
    PyMem_Free(s->ranges);
    regions_free(s->regions);
    size_t i = (size_t)(s - t->slots), j = i;
    for (;;) {
        j = (j + 1) & t->mask;
        if (!t->slots[j].used) break;
        size_t k = hash64((uint64_t)t->slots[j].id, t->mask);
        /* Move j back to i unless its home k lies cyclically in (i, j]. */
        if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].used = 0;
    t->n--;
}

/* ------------------------------------------------------------------------ */
/* A small map uint64 -> pointer for procs, threads and tasks (same scheme).  */

typedef struct { uint64_t key; void *val; uint8_t used; } PSlot;
typedef struct { PSlot *slots; size_t mask, n; } PMap;

static void *pm_get(PMap *t, uint64_t key) {
    size_t i = hash64(key, t->mask);
    for (;;) {
        PSlot *s = &t->slots[i];
        if (!s->used) return NULL;
        if (s->key == key) return s->val;
        i = (i + 1) & t->mask;
    }
}

static int pm_put(PMap *t, uint64_t key, void *val) {  /* key not present */
    if (2 * (t->n + 1) > t->mask + 1) {
        size_t cap = (t->mask + 1) * 2;
        PSlot *ns = PyMem_Calloc(cap, sizeof(PSlot));
        if (ns == NULL) { PyErr_NoMemory(); return -1; }
        for (size_t i = 0; i <= t->mask; i++) {
            if (!t->slots[i].used) continue;
            size_t j = hash64(t->slots[i].key, cap - 1);
            while (ns[j].used) j = (j + 1) & (cap - 1);
            ns[j] = t->slots[i];
        }
        PyMem_Free(t->slots);
        t->slots = ns;
        t->mask = cap - 1;
    }
    size_t i = hash64(key, t->mask);
    while (t->slots[i].used) i = (i + 1) & t->mask;
    t->slots[i].key = key;
    t->slots[i].val = val;
    t->slots[i].used = 1;
    t->n++;
    return 0;
}

/* Remove key and return its value (NULL if absent). */
static void *pm_pop(PMap *t, uint64_t key) {
    size_t i = hash64(key, t->mask);
    for (;;) {
        if (!t->slots[i].used) return NULL;
        if (t->slots[i].key == key) break;
        i = (i + 1) & t->mask;
    }
    void *val = t->slots[i].val;
    size_t j = i;
    for (;;) {
        j = (j + 1) & t->mask;
        if (!t->slots[j].used) break;
        size_t k = hash64(t->slots[j].key, t->mask);
        if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].used = 0;
    t->n--;
    return val;
}

static int pm_init(PMap *t, size_t cap) {
    t->slots = PyMem_Calloc(cap, sizeof(PSlot));
    t->mask = cap - 1;
    t->n = 0;
    if (t->slots == NULL) { PyErr_NoMemory(); return -1; }
    return 0;
}

typedef struct { int64_t id; uint64_t seq, seq_gen; RangeList *ranges; uint8_t status; } PState;
typedef struct { int64_t g, p; } MState;
typedef struct { PyObject *name; uint64_t parent; } Task;

/* ------------------------------------------------------------------------ */
/* Batch cursors (batchcursor.go).                                           */

typedef struct { Py_ssize_t off, size; uint64_t base; } Batch;

typedef struct {
    int64_t m;
    MState *ms;            /* cached on first advance, like Cursor.ms */
    Batch *batches;
    Py_ssize_t nbatches, bidx;
    const uint8_t *pos, *end;
    uint64_t base;
    int64_t last_ts;
    /* The current event. */
    int64_t ev_time;
    uint64_t ev_typ;
    uint64_t ev_args[4];   /* after dt; 0 beyond the event's width */
} Cursor;

/* Local id -> global id: a dense table when ids are compact (they are, Go numbers
 * them from 1), binary search over sorted keys when a corrupt trace says otherwise. */
typedef struct {
    uint64_t *keys;
    int64_t *vals;
    Py_ssize_t n;
    int32_t *dense;
    uint64_t ndense;
} Remap;

#define DENSE_LIMIT ((uint64_t)1 << 22)

static void remap_free(Remap *r) {
    PyMem_Free(r->keys);
    PyMem_Free(r->vals);
    PyMem_Free(r->dense);
    memset(r, 0, sizeof *r);
}

/* _Remap._map: the global id, 0 for 0, -1 for an unknown id. */
static inline int64_t remap(const Remap *r, uint64_t x) {
    if (x < r->ndense) return r->dense[x];
    if (r->dense != NULL || r->n == 0) return x == 0 ? 0 : -1;
    Py_ssize_t lo = 0, hi = r->n;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (r->keys[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    if (lo < r->n && r->keys[lo] == x) return r->vals[lo];
    return x == 0 ? 0 : -1;
}

typedef struct {
    PyObject_HEAD
    /* Carried across generations. */
    GTable gs;
    PMap ps, ms, tasks;
    MState **m_order;      /* mstates in insertion order (dict iteration order) */
    int64_t *m_ids;
    Py_ssize_t nm, m_cap;
    PState **p_all;
    Py_ssize_t np_, p_cap;
    uint64_t gc_seq;
    int gc_state;
    uint64_t initial_gen;
    /* Spec tables from spec_v2. */
    uint8_t width[NUM_SPECS];
    uint8_t range_start[NUM_SPECS];
    PyObject *names;       /* tuple of event names */
    PyObject *empty;       /* "": the name string id 0 stands for */
    /* v2.py's column tables, indexed by event type (see set_columns). */
    uint8_t c_kind[256], c_res_kind[256], c_res_src[256], c_frm[256], c_to[256];
    uint8_t c_task[256], c_check_stack[256][4], c_check_string[256][4];
    int8_t c_stack_slot[256], c_name_slot[256], c_tstack_slot[256];
    int have_columns;
    /* The generation's string and stack ids -> Tables ids (see set_remap). */
    Remap rs, rk;
    /* Current generation. */
    uint64_t gen;
    double freq;
    Py_buffer data;
    int have_data;
    PyObject *strings;     /* dict: string id -> str */
    Cursor *cursors;
    Py_ssize_t ncursors;
    Cursor **fr;
    Py_ssize_t nfr;
    int64_t *cpu_t;
    int64_t *cpu_m, *cpu_p, *cpu_g;
    uint64_t *cpu_stack;
    Py_ssize_t ncpu, cpu_next;
    /* Output. */
    uint8_t *o_typ;
    uint64_t *o_args;
    int64_t *o_g, *o_p, *o_m, *o_t;
    Py_ssize_t n, cap, hint;
    PyObject *task_end_names;  /* list of str */
} Ordering;

static const char *ev_name(Ordering *o, uint64_t typ) {
    if (typ >= (uint64_t)PyTuple_GET_SIZE(o->names)) return "?";
    return PyUnicode_AsUTF8(PyTuple_GET_ITEM(o->names, (Py_ssize_t)typ));
}

static int order_error(const char *fmt, ...) {
    va_list vargs;
    va_start(vargs, fmt);
    PyObject *msg = PyUnicode_FromFormatV(fmt, vargs);
    va_end(vargs);
    if (msg != NULL) {
        PyErr_SetObject(OrderError, msg);
        Py_DECREF(msg);
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Output buffers.                                                           */

/* malloc'd, not PyMem: build() hands them to numpy as _buffers.h Bufs. */
static void out_free(Ordering *o) {
    free(o->o_typ); free(o->o_args); free(o->o_g);
    free(o->o_p); free(o->o_m); free(o->o_t);
    o->o_typ = NULL; o->o_args = NULL; o->o_g = o->o_p = o->o_m = o->o_t = NULL;
    o->n = o->cap = 0;
}

static int out_reserve(Ordering *o, Py_ssize_t need) {
    if (need <= o->cap) return 0;
    Py_ssize_t cap = o->cap ? 2 * o->cap : (o->hint > 4096 ? o->hint : 4096);
    while (cap < need) cap *= 2;
    uint8_t *typ = realloc(o->o_typ, (size_t)cap);
    if (typ) o->o_typ = typ;
    uint64_t *args = realloc(o->o_args, (size_t)cap * 4 * sizeof(uint64_t));
    if (args) o->o_args = args;
    int64_t *g = realloc(o->o_g, (size_t)cap * sizeof(int64_t));
    if (g) o->o_g = g;
    int64_t *p = realloc(o->o_p, (size_t)cap * sizeof(int64_t));
    if (p) o->o_p = p;
    int64_t *m = realloc(o->o_m, (size_t)cap * sizeof(int64_t));
    if (m) o->o_m = m;
    int64_t *t = realloc(o->o_t, (size_t)cap * sizeof(int64_t));
    if (t) o->o_t = t;
    if (!typ || !args || !g || !p || !m || !t) { PyErr_NoMemory(); return -1; }
    o->cap = cap;
    return 0;
}

static inline void emit(Ordering *o, uint64_t typ, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3, int64_t g, int64_t p, int64_t m, int64_t t) {
    Py_ssize_t i = o->n++;
    o->o_typ[i] = (uint8_t)typ;
    uint64_t *a = &o->o_args[4 * i];
    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3;
    o->o_g[i] = g;
    o->o_p[i] = p;
    o->o_m[i] = m;
    o->o_t[i] = t;
}

static inline void emit_ev(Ordering *o, Cursor *bc, int64_t g, int64_t p, int64_t m) {
    const uint64_t *a = bc->ev_args;
    emit(o, bc->ev_typ, a[0], a[1], a[2], a[3], g, p, m, bc->ev_time);
}

/* ------------------------------------------------------------------------ */
/* Cursor.next_event                                                          */

/* Cursor._time_error: a time past MAX_TIME_NS is damage, not a time. */
static int time_error(Cursor *c) {
    return order_error("batch at byte %zd: timestamp out of range (later than 2^60 ns)",
                       c->batches[c->bidx].off);
}

/* 1: an event is loaded; 0: the cursor is done; -1: error. */
static int next_event(Ordering *o, Cursor *c) {
    while (c->pos >= c->end) {
        c->bidx++;
        if (c->bidx >= c->nbatches) return 0;
        Batch *b = &c->batches[c->bidx];
        const uint8_t *start = (const uint8_t *)o->data.buf + b->off;
        if (!varints_valid(start, b->size))
            return order_error("batch at byte %zd: found invalid uvarint", b->off);
        c->pos = start;
        c->end = start + b->size;
        c->base = b->base;
        c->last_ts = 0;
    }
    if (c->last_ts == 0) {
        double base = (double)c->base * o->freq;
        if (base >= (double)MAX_TIME_NS) return time_error(c);
        c->last_ts = (int64_t)base;
    }
    const uint8_t *p = c->pos;
    uint64_t typ = varint_next(&p);
    if (typ >= NUM_SPECS) return order_error("found invalid event type: %llu",
                                             (unsigned long long)typ);
    int w = o->width[typ];
    if (w == 0) return order_error("found event without a timestamp: type=%llu",
                                   (unsigned long long)typ);
    uint64_t tok[5] = {0, 0, 0, 0, 0};
    for (int k = 0; k < w - 1; k++) {
        if (p >= c->end) return order_error("found invalid uvarint");
        tok[k] = varint_next(&p);
    }
    double dt = (double)tok[0] * o->freq;
    if (dt >= (double)MAX_TIME_NS) return time_error(c);
    int64_t t = (int64_t)dt + c->last_ts;
    if (t >= MAX_TIME_NS) return time_error(c);
    c->ev_time = t;
    c->last_ts = t;
    c->ev_typ = typ;
    memcpy(c->ev_args, &tok[1], sizeof c->ev_args);
    c->pos = p;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Frontier heap.                                                             */

#define T(i) (h[i]->ev_time)
#define SWAP(a, b) do { Cursor *tmp_ = h[a]; h[a] = h[b]; h[b] = tmp_; } while (0)

static Py_ssize_t heap_sift_up(Cursor **h, Py_ssize_t i) {
    while (i > 0 && T((i - 1) / 2) > T(i)) {
        Py_ssize_t j = (i - 1) / 2;
        SWAP(i, j);
        i = j;
    }
    return i;
}

static Py_ssize_t heap_sift_down(Cursor **h, Py_ssize_t n, Py_ssize_t i) {
    for (;;) {
        Py_ssize_t m = i;
        int64_t mt = i < n ? T(i) : (int64_t)INT64_MAX;
        Py_ssize_t c = 2 * i + 1;
        if (c < n && T(c) < mt) { mt = T(c); m = c; }
        c++;
        if (c < n && T(c) < mt) m = c;
        if (m == i) return i;
        SWAP(i, m);
        i = m;
    }
}

static void heap_update(Cursor **h, Py_ssize_t n, Py_ssize_t i) {
    if (heap_sift_up(h, i) != i) return;
    heap_sift_down(h, n, i);
}

static void heap_remove(Cursor **h, Py_ssize_t *n, Py_ssize_t i) {
    while (i > 0) {
        Py_ssize_t j = (i - 1) / 2;
        SWAP(j, i);
        i = j;
    }
    SWAP(0, *n - 1);
    (*n)--;
    heap_sift_down(h, *n, 0);
}

/* Go's slices.SortFunc (pdqsort), exactly as order_v2.py ports it. */

#define LT(i, j) (h[i]->ev_time < h[j]->ev_time)

static void insertion_sort(Cursor **h, Py_ssize_t a, Py_ssize_t b) {
    for (Py_ssize_t i = a + 1; i < b; i++)
        for (Py_ssize_t j = i; j > a && LT(j, j - 1); j--) SWAP(j, j - 1);
}

static void sift_down(Cursor **h, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t first) {
    Py_ssize_t root = lo;
    for (;;) {
        Py_ssize_t child = 2 * root + 1;
        if (child >= hi) return;
        if (child + 1 < hi && LT(first + child, first + child + 1)) child++;
        if (!LT(first + root, first + child)) return;
        SWAP(first + root, first + child);
        root = child;
    }
}

static void heap_sort(Cursor **h, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t first = a, lo = 0, hi = b - a;
    for (Py_ssize_t i = (hi - 1) / 2; i >= 0; i--) sift_down(h, i, hi, first);
    for (Py_ssize_t i = hi - 1; i >= 0; i--) {
        SWAP(first, first + i);
        sift_down(h, lo, i, first);
    }
}

static Py_ssize_t median(Cursor **h, Py_ssize_t a, Py_ssize_t b, Py_ssize_t c, int *swaps) {
    Py_ssize_t t;
    if (LT(b, a)) { (*swaps)++; t = a; a = b; b = t; }
    if (LT(c, b)) { (*swaps)++; t = b; b = c; c = t; }
    if (LT(b, a)) { (*swaps)++; t = a; a = b; b = t; }
    return b;
}

static Py_ssize_t choose_pivot(Cursor **h, Py_ssize_t a, Py_ssize_t b, int *hint) {
    Py_ssize_t n = b - a;
    int swaps = 0;
    Py_ssize_t i = a + n / 4, j = a + n / 4 * 2, k = a + n / 4 * 3;
    if (n >= 8) {
        if (n >= 50) {
            i = median(h, i - 1, i, i + 1, &swaps);
            j = median(h, j - 1, j, j + 1, &swaps);
            k = median(h, k - 1, k, k + 1, &swaps);
        }
        j = median(h, i, j, k, &swaps);
    }
    *hint = swaps == 0 ? 1 : swaps == 12 ? 2 : 0;
    return j;
}

static int partial_insertion_sort(Cursor **h, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t i = a + 1;
    for (int step = 0; step < 5; step++) {
        while (i < b && !LT(i, i - 1)) i++;
        if (i == b) return 1;
        if (b - a < 50) return 0;
        SWAP(i, i - 1);
        if (i - a >= 2)
            for (Py_ssize_t j = i - 1; j >= 1 && LT(j, j - 1); j--) SWAP(j, j - 1);
        if (b - i >= 2)
            for (Py_ssize_t j = i + 1; j < b && LT(j, j - 1); j++) SWAP(j, j - 1);
    }
    return 0;
}

static unsigned bit_length(uint64_t x) {
    unsigned n = 0;
    while (x) { n++; x >>= 1; }
    return n;
}

static void break_patterns(Cursor **h, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t n = b - a;
    if (n < 8) return;
    uint64_t r = (uint64_t)n;
    uint64_t modulus = (uint64_t)1 << bit_length((uint64_t)n);
    for (Py_ssize_t idx = a + (n / 4) * 2 - 1; idx <= a + (n / 4) * 2 + 1; idx++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        Py_ssize_t other = (Py_ssize_t)(r & (modulus - 1));
        if (other >= n) other -= n;
        SWAP(idx, a + other);
    }
}

static Py_ssize_t partition(Cursor **h, Py_ssize_t a, Py_ssize_t b, Py_ssize_t pivot,
                            int *already) {
    SWAP(a, pivot);
    Py_ssize_t i = a + 1, j = b - 1;
    while (i <= j && LT(i, a)) i++;
    while (i <= j && !LT(j, a)) j--;
    if (i > j) {
        SWAP(j, a);
        *already = 1;
        return j;
    }
    SWAP(i, j);
    i++;
    j--;
    for (;;) {
        while (i <= j && LT(i, a)) i++;
        while (i <= j && !LT(j, a)) j--;
        if (i > j) break;
        SWAP(i, j);
        i++;
        j--;
    }
    SWAP(j, a);
    *already = 0;
    return j;
}

static Py_ssize_t partition_equal(Cursor **h, Py_ssize_t a, Py_ssize_t b, Py_ssize_t pivot) {
    SWAP(a, pivot);
    Py_ssize_t i = a + 1, j = b - 1;
    for (;;) {
        while (i <= j && !LT(a, i)) i++;
        while (i <= j && LT(a, j)) j--;
        if (i > j) break;
        SWAP(i, j);
        i++;
        j--;
    }
    return i;
}

static void pdqsort(Cursor **h, Py_ssize_t a, Py_ssize_t b, unsigned limit) {
    int was_balanced = 1, was_partitioned = 1;
    for (;;) {
        Py_ssize_t n = b - a;
        if (n <= 12) {
            insertion_sort(h, a, b);
            return;
        }
        if (limit == 0) {
            heap_sort(h, a, b);
            return;
        }
        if (!was_balanced) {
            break_patterns(h, a, b);
            limit--;
        }
        int hint;
        Py_ssize_t pivot = choose_pivot(h, a, b, &hint);
        if (hint == 2) {
            for (Py_ssize_t x = a, y = b - 1; x < y; x++, y--) SWAP(x, y);
            pivot = (b - 1) - (pivot - a);
            hint = 1;
        }
        if (was_balanced && was_partitioned && hint == 1 && partial_insertion_sort(h, a, b))
            return;
        if (a > 0 && !LT(a - 1, pivot)) {
            a = partition_equal(h, a, b, pivot);
            continue;
        }
        Py_ssize_t mid = partition(h, a, b, pivot, &was_partitioned);
        Py_ssize_t left = mid - a, right = b - mid, threshold = n / 8;
        if (left < right) {
            was_balanced = left >= threshold;
            pdqsort(h, a, mid, limit);
            a = mid + 1;
        } else {
            was_balanced = right >= threshold;
            pdqsort(h, mid + 1, b, limit);
            b = mid;
        }
    }
}

#undef LT
#undef SWAP
#undef T

/* ------------------------------------------------------------------------ */
/* Ranges (order.go's rangeType bookkeeping).                                 */

static int begin_range(Ordering *o, RangeList **lp, uint64_t typ, uint64_t desc) {
    uint64_t st = o->range_start[typ];
    RangeList *l = *lp;
    for (Py_ssize_t i = 0; l && i < l->n; i++)
        if (l->v[i].typ == st && l->v[i].desc == desc)
            return order_error("discovered event already in-flight for when starting event %s",
                               ev_name(o, st));
    return range_push(lp, st, desc);
}

static PyObject *ranges_repr(RangeList *l) {
    PyObject *list = PyList_New(0);
    if (list == NULL) return NULL;
    for (Py_ssize_t i = 0; l && i < l->n; i++) {
        PyObject *t = Py_BuildValue("(KK)", (unsigned long long)l->v[i].typ,
                                    (unsigned long long)l->v[i].desc);
        if (t == NULL || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(t);
    }
    return list;
}

static int active_range(Ordering *o, RangeList **lp, uint64_t typ, int initial) {
    uint64_t st = o->range_start[typ];
    RangeList *l = *lp;
    int found = 0;
    for (Py_ssize_t i = 0; l && i < l->n; i++)
        if (l->v[i].typ == st && l->v[i].desc == 0) found = 1;
    if (initial) {
        if (found)
            return order_error("found named active range already in first gen: (%llu, 0)",
                               (unsigned long long)st);
        return range_push(lp, st, 0);
    }
    if (!found) {
        PyObject *r = ranges_repr(l);
        if (r == NULL) return -1;
        order_error("resource is missing active range: %s %R", ev_name(o, st), r);
        Py_DECREF(r);
        return -1;
    }
    return 0;
}

static int end_range(Ordering *o, RangeList *l, uint64_t typ, uint64_t *desc) {
    uint64_t st = o->range_start[typ];
    for (Py_ssize_t i = 0; l && i < l->n; i++) {
        if (l->v[i].typ == st) {
            *desc = l->v[i].desc;
            l->v[i] = l->v[l->n - 1];
            l->n--;
            return 0;
        }
    }
    return order_error("tried to end event %s, but not in-flight", ev_name(o, st));
}

/* ------------------------------------------------------------------------ */
/* State lookups.                                                             */

static inline PState *p_get(Ordering *o, int64_t id) { return pm_get(&o->ps, (uint64_t)id); }
static inline MState *m_get(Ordering *o, int64_t id) { return pm_get(&o->ms, (uint64_t)id); }

static MState *m_new(Ordering *o, int64_t id, int64_t g, int64_t p) {
    if (o->nm == o->m_cap) {
        Py_ssize_t cap = o->m_cap ? 2 * o->m_cap : 16;
        MState **order = PyMem_Realloc(o->m_order, (size_t)cap * sizeof(MState *));
        if (order) o->m_order = order;
        int64_t *ids = PyMem_Realloc(o->m_ids, (size_t)cap * sizeof(int64_t));
        if (ids) o->m_ids = ids;
        if (!order || !ids) { PyErr_NoMemory(); return NULL; }
        o->m_cap = cap;
    }
    MState *ms = PyMem_Malloc(sizeof(MState));
    if (ms == NULL) { PyErr_NoMemory(); return NULL; }
    ms->g = g;
    ms->p = p;
    if (pm_put(&o->ms, (uint64_t)id, ms) < 0) { PyMem_Free(ms); return NULL; }
    o->m_order[o->nm] = ms;
    o->m_ids[o->nm] = id;
    o->nm++;
    return ms;
}

static PState *p_new(Ordering *o, int64_t id, uint8_t status, uint64_t gen) {
    if (o->np_ == o->p_cap) {
        Py_ssize_t cap = o->p_cap ? 2 * o->p_cap : 16;
        PState **all = PyMem_Realloc(o->p_all, (size_t)cap * sizeof(PState *));
        if (all == NULL) { PyErr_NoMemory(); return NULL; }
        o->p_all = all;
        o->p_cap = cap;
    }
    PState *ps = PyMem_Calloc(1, sizeof(PState));
    if (ps == NULL) { PyErr_NoMemory(); return NULL; }
    ps->id = id;
    ps->status = status;
    ps->seq_gen = gen;
    if (pm_put(&o->ps, (uint64_t)id, ps) < 0) { PyMem_Free(ps); return NULL; }
    o->p_all[o->np_++] = ps;
    return ps;
}

/* The generation's string with this id, borrowed; NULL without an exception if absent.
 * Id 0 is always "" (Go's dataTable.get), as order_v2.Ordering._string says. */
static PyObject *gen_string(Ordering *o, uint64_t id, int *err) {
    if (id == 0) return o->empty;
    PyObject *key = PyLong_FromUnsignedLongLong(id);
    if (key == NULL) { *err = 1; return NULL; }
    PyObject *v = PyDict_GetItemWithError(o->strings, key);
    Py_DECREF(key);
    if (v == NULL && PyErr_Occurred()) *err = 1;
    return v;
}

#define CTX_ERR(what) order_error("expected " what)

/* order_v2._id_error: a goroutine id below 0 or a P id the model cannot hold. */
static int id_error(Ordering *o, const char *what, int64_t value, uint64_t typ) {
    return order_error("%s ID %lld out of range in %s event", what, (long long)value,
                       ev_name(o, typ));
}
#define NEED_THREAD() do { if (m == NONE) return CTX_ERR("a thread but didn't have one"); } while (0)
#define NEED_PROC() do { if (cp == NONE) return CTX_ERR("a proc but didn't have one"); } while (0)
#define NEED_GO() do { if (cg == NONE) return CTX_ERR("a goroutine but didn't have one"); } while (0)
#define USER_GO() do { NEED_THREAD(); NEED_PROC(); NEED_GO(); } while (0)
#define LL(x) ((long long)(x))
#define ULL(x) ((unsigned long long)(x))

/* ------------------------------------------------------------------------ */
/* ordering.Advance: 1 advanced, 0 not yet, -1 error.                        */

static int advance_rare(Ordering *o, Cursor *bc, uint64_t typ, const uint64_t *a, int64_t m,
                        MState *ms, int64_t cg, int64_t cp, uint64_t gen);

static int advance(Ordering *o, Cursor *bc) {
    uint64_t gen = o->gen;
    if (o->initial_gen == 0) o->initial_gen = gen;
    int64_t m = bc->m;
    MState *ms = bc->ms;
    int64_t cg, cp;
    if (m == NONE) {
        cg = NONE;
        cp = NONE;
    } else {
        if (ms == NULL) {
            ms = m_get(o, m);
            if (ms == NULL && (ms = m_new(o, m, NONE, NONE)) == NULL) return -1;
            bc->ms = ms;
        }
        cg = ms->g;
        cp = ms->p;
    }
    uint64_t typ = bc->ev_typ;
    const uint64_t *a = bc->ev_args;
    GState *st;
    PState *ps;

    switch (typ) {
    case EV_GO_START: {
        int64_t gid = (int64_t)a[0];
        uint64_t seq = a[1];
        st = g_get(&o->gs, gid);
        if (st == NULL || st->status != GO_RUNNABLE || st->seq_gen != gen || seq != st->seq + 1)
            return 0;
        NEED_THREAD();
        NEED_PROC();
        if (cg != NONE) return CTX_ERR("no goroutine but had one");
        st->status = GO_RUNNING;
        st->seq = seq;
        emit_ev(o, bc, cg, cp, m);
        if (ms) ms->g = gid;
        return 1;
    }
    case EV_GO_BLOCK: case EV_GO_STOP: case EV_GO_DESTROY:
        USER_GO();
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("event %s for goroutine (%lld) that doesn't exist",
                               ev_name(o, typ), LL(cg));
        if (st->status != GO_RUNNING)
            return order_error("%s event for goroutine that's not Running", ev_name(o, typ));
        if (typ == EV_GO_BLOCK) st->status = GO_WAITING;
        else if (typ == EV_GO_STOP) st->status = GO_RUNNABLE;
        else g_delete(&o->gs, st);
        emit_ev(o, bc, cg, cp, m);
        if (ms) ms->g = NONE;
        return 1;
    case EV_GO_UNBLOCK: {
        int64_t gid = (int64_t)a[0];
        uint64_t seq = a[1];
        st = g_get(&o->gs, gid);
        if (st == NULL || st->status != GO_WAITING || st->seq_gen != gen || seq != st->seq + 1)
            return 0;
        st->status = GO_RUNNABLE;
        st->seq = seq;
        emit_ev(o, bc, cg, cp, m);
        return 1;
    }
    case EV_GO_CREATE: case EV_GO_CREATE_BLOCKED: {
        NEED_THREAD();
        NEED_PROC();
        GState *cst = g_get(&o->gs, cg);
        if (cst != NULL && cst->status != GO_RUNNING)
            return order_error("%s event for goroutine that's not Running", ev_name(o, typ));
        int64_t newg = (int64_t)a[0];
        if (newg < 0) return id_error(o, "goroutine", newg, typ);
        if (g_get(&o->gs, newg) != NULL)
            return order_error("tried to create goroutine (%lld) that already exists", LL(newg));
        if (g_insert(&o->gs, newg, typ == EV_GO_CREATE ? GO_RUNNABLE : GO_WAITING, gen) == NULL)
            return -1;
        emit_ev(o, bc, cg, cp, m);
        return 1;
    }
    case EV_HEAP_ALLOC: case EV_HEAP_GOAL: case EV_GC_SWEEP_BEGIN: case EV_GC_SWEEP_END:
        NEED_THREAD();
        NEED_PROC();
        if (typ == EV_GC_SWEEP_BEGIN || typ == EV_GC_SWEEP_END) {
            ps = p_get(o, cp);
            if (ps == NULL) return order_error("unknown proc %lld", LL(cp));
            if (typ == EV_GC_SWEEP_BEGIN) {
                if (begin_range(o, &ps->ranges, typ, 0) < 0) return -1;
            } else {
                uint64_t desc;
                if (end_range(o, ps->ranges, typ, &desc) < 0) return -1;
            }
        }
        emit_ev(o, bc, cg, cp, m);
        return 1;
    case EV_GO_SYSCALL_BEGIN: {
        USER_GO();
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("event GoSyscallBegin for goroutine (%lld) that doesn't exist",
                               LL(cg));
        if (st->status != GO_RUNNING)
            return order_error("GoSyscallBegin event for goroutine that's not Running");
        st->status = GO_SYSCALL;
        ps = p_get(o, cp);
        if (ps == NULL)
            return order_error("uninitialized proc %lld found during GoSyscallBegin", LL(cp));
        ps->status = PROC_SYSCALL;
        uint64_t pseq = a[0];
        if (!(ps->seq_gen == gen && pseq == ps->seq + 1))
            return order_error("failed to advance GoSyscallBegin: can't make sequence: "
                               "%llu (gen=%llu) -> %llu (gen=%llu)", ULL(ps->seq),
                               ULL(ps->seq_gen), ULL(pseq), ULL(gen));
        ps->seq = pseq;
        emit_ev(o, bc, cg, cp, m);
        return 1;
    }
    case EV_GO_SYSCALL_END:
        USER_GO();
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("event GoSyscallEnd for goroutine (%lld) that doesn't exist",
                               LL(cg));
        if (st->status != GO_SYSCALL)
            return order_error("GoSyscallEnd event for goroutine that's not Running");
        st->status = GO_RUNNING;
        ps = p_get(o, cp);
        if (ps == NULL)
            return order_error("uninitialized proc %lld found during GoSyscallEnd", LL(cp));
        if (ps->status != PROC_SYSCALL)
            return order_error("expected proc %lld in state Syscall, but got %s instead", LL(cp),
                               PROC_STATUS_NAMES[ps->status]);
        ps->status = PROC_RUNNING;
        emit_ev(o, bc, cg, cp, m);
        return 1;
    case EV_GO_SYSCALL_END_BLOCKED:
        if (cp != NONE) {
            ps = p_get(o, cp);
            if (ps == NULL)
                return order_error("uninitialized proc %lld found during GoSyscallEndBlocked",
                                   LL(cp));
            if (ps->status == PROC_SYSCALL) return 0;
        }
        NEED_THREAD();
        NEED_GO();
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("event GoSyscallEndBlocked for goroutine (%lld) that doesn't "
                               "exist", LL(cg));
        if (st->status != GO_SYSCALL)
            return order_error("GoSyscallEndBlocked event for goroutine that's not Running");
        st->status = GO_RUNNABLE;
        emit_ev(o, bc, cg, cp, m);
        if (ms) ms->g = NONE;
        return 1;
    case EV_PROC_START: {
        int64_t pid = (int64_t)a[0];
        uint64_t seq = a[1];
        ps = p_get(o, pid);
        if (ps == NULL || ps->status != PROC_IDLE || ps->seq_gen != gen || seq != ps->seq + 1
            || cp != NONE)
            return 0;
        NEED_THREAD();
        ps->status = PROC_RUNNING;
        ps->seq = seq;
        emit_ev(o, bc, cg, cp, m);
        if (ms) ms->p = pid;
        return 1;
    }
    case EV_PROC_STOP:
        ps = p_get(o, cp);
        if (ps == NULL)
            return order_error("event ProcStop for proc (%lld) that doesn't exist", LL(cp));
        if (ps->status != PROC_RUNNING && ps->status != PROC_SYSCALL)
            return order_error("ProcStop event for proc that's not Running or Syscall");
        NEED_THREAD();
        NEED_PROC();
        ps->status = PROC_IDLE;
        emit_ev(o, bc, cg, cp, m);
        if (ms) ms->p = NONE;
        return 1;
    default:
        return advance_rare(o, bc, typ, a, m, ms, cg, cp, gen);
    }
}

static int advance_rare(Ordering *o, Cursor *bc, uint64_t typ, const uint64_t *a, int64_t m,
                        MState *ms, int64_t cg, int64_t cp, uint64_t gen) {
    int64_t ng = cg, np_ = cp;
    int64_t t = bc->ev_time;
    GState *st;
    PState *ps;
    MState *oms;
    int initial = gen == o->initial_gen;

    switch (typ) {
    case EV_GO_STATUS: case EV_GO_STATUS_STACK: {
        uint64_t graw = a[0];
        int64_t gid = (int64_t)graw, mid = (int64_t)a[1];
        uint64_t status = a[2], stack = typ == EV_GO_STATUS_STACK ? a[3] : 0;
        if (status >= 5)
            return order_error("invalid status for goroutine %lld: %llu", LL(gid), ULL(status));
        if (gid < 0) return id_error(o, "goroutine", gid, typ);
        uint64_t old = GO_STATUS_TO_STATE[status];
        st = g_get(&o->gs, gid);
        if (st != NULL) {
            if (st->status != status)
                return order_error("inconsistent status for goroutine %lld: old %s vs. new %s",
                                   LL(gid), GO_STATUS_NAMES[st->status], GO_STATUS_NAMES[status]);
            st->seq_gen = gen;
            st->seq = 0;
        } else if (initial) {
            if (g_insert(&o->gs, gid, (uint8_t)status, gen) == NULL) return -1;
            old = GS_UNDETERMINED;
        } else {
            return order_error("found goroutine status for new goroutine after the first "
                               "generation: id=%lld status=%s", LL(gid), GO_STATUS_NAMES[status]);
        }
        int64_t em = m, eg = cg;
        if (status == GO_RUNNING) {
            ng = gid;
        } else if (status == GO_SYSCALL) {
            if (mid == NONE)
                return order_error("found goroutine %lld in syscall without a thread", LL(gid));
            if (mid == m) {
                if (!initial && cg != gid)
                    return order_error("inconsistent thread for syscalling goroutine %lld: "
                                       "thread has goroutine %lld", LL(gid), LL(cg));
                ng = gid;
            } else {
                oms = m_get(o, mid);
                if (oms != NULL) {
                    if (oms->g != gid)
                        return order_error("inconsistent thread for syscalling goroutine %lld: "
                                           "thread has goroutine %lld", LL(gid), LL(oms->g));
                    eg = oms->g;
                } else if (m_new(o, mid, gid, NONE) == NULL) {
                    return -1;
                }
                em = mid;
            }
        }
        emit(o, typ, graw, a[1], (old << 32) | status, stack, eg, cp, em, t);
        break;
    }
    case EV_PROC_STATUS: {
        uint64_t praw = a[0], status = a[1];
        int64_t pid = (int64_t)praw;
        if (status >= 5)
            return order_error("invalid status for proc %lld: %llu", LL(pid), ULL(status));
        if (pid < 0 || pid > MAX_PROC_ID) return id_error(o, "proc", pid, typ);
        uint64_t old = PROC_STATUS_TO_STATE[status], new_status = status;
        ps = p_get(o, pid);
        if (ps != NULL) {
            if (status == PROC_SYSCALL_ABANDONED && ps->status == PROC_SYSCALL) {
                old = PS_RUNNING;
                new_status = PROC_SYSCALL;
            } else if (status == PROC_SYSCALL_ABANDONED && ps->status == PROC_SYSCALL_ABANDONED) {
                old = PS_IDLE;
            } else if (ps->status != status) {
                return order_error("inconsistent status for proc %lld: old %s vs. new %s",
                                   LL(pid), PROC_STATUS_NAMES[ps->status],
                                   PROC_STATUS_NAMES[status]);
            }
            ps->seq_gen = gen;
            ps->seq = 0;
        } else {
            if (p_new(o, pid, (uint8_t)status, gen) == NULL) return -1;
            old = initial ? PS_UNDETERMINED : PS_NOT_EXIST;
        }
        if (status == PROC_RUNNING || status == PROC_SYSCALL) np_ = pid;
        int64_t em = m, eg = cg, ep = cp;
        if (status == PROC_SYSCALL_ABANDONED && old == PS_RUNNING) {
            int found = 0;
            for (Py_ssize_t i = 0; i < o->nm; i++) {
                if (o->m_order[i]->p == pid) {
                    em = o->m_ids[i];
                    ep = pid;
                    eg = o->m_order[i]->g;
                    found = 1;
                }
            }
            if (!found)
                return order_error("failed to find sched context for proc %lld that's about to "
                                   "be stolen", LL(pid));
        }
        emit(o, typ, praw, new_status, old, 0, eg, ep, em, t);
        break;
    }
    case EV_PROC_STEAL: {
        uint64_t praw = a[0], seq = a[1];
        int64_t pid = (int64_t)praw;
        ps = p_get(o, pid);
        if (ps == NULL || (ps->status != PROC_SYSCALL && ps->status != PROC_SYSCALL_ABANDONED)
            || ps->seq_gen != gen || seq != ps->seq + 1)
            return 0;
        NEED_THREAD();
        uint64_t old_status = ps->status;
        ps->status = PROC_IDLE;
        ps->seq = seq;
        if (old_status != PROC_SYSCALL_ABANDONED) {
            int64_t mid = (int64_t)a[2];
            if (mid == m) {
                if (cp != pid)
                    return order_error("tried to self-steal proc %lld (thread %lld), but got "
                                       "proc %lld instead", LL(pid), LL(mid), LL(cp));
                np_ = NONE;
            } else {
                oms = m_get(o, mid);
                if (oms == NULL)
                    return order_error("stole proc from non-existent thread %lld", LL(mid));
                if (oms->p != pid)
                    return order_error("tried to steal proc %lld from thread %lld, but got proc "
                                       "%lld instead", LL(pid), LL(mid), LL(oms->p));
                oms->p = NONE;
            }
        }
        emit(o, typ, praw, seq, a[2], old_status, cg, cp, m, t);
        break;
    }
    case EV_GO_CREATE_SYSCALL: {
        NEED_THREAD();
        if (cg != NONE) return CTX_ERR("no goroutine but had one");
        int64_t newg = (int64_t)a[0];
        if (newg < 0) return id_error(o, "goroutine", newg, typ);
        if (g_get(&o->gs, newg) != NULL)
            return order_error("tried to create goroutine (%lld) in syscall that already exists",
                               LL(newg));
        if (g_insert(&o->gs, newg, GO_SYSCALL, gen) == NULL) return -1;
        ng = newg;
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_GO_DESTROY_SYSCALL:
        NEED_THREAD();
        NEED_GO();
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("event GoDestroySyscall for goroutine (%lld) that doesn't exist",
                               LL(cg));
        if (st->status != GO_SYSCALL)
            return order_error("GoDestroySyscall event for goroutine that's not Syscall");
        g_delete(&o->gs, st);
        ng = NONE;
        if (cp != NONE) {
            ps = p_get(o, cp);
            if (ps == NULL)
                return order_error("found invalid proc %lld during GoDestroySyscall", LL(cp));
            if (ps->status != PROC_SYSCALL)
                return order_error("proc %lld in unexpected state %s during GoDestroySyscall",
                                   LL(cp), PROC_STATUS_NAMES[ps->status]);
            ps->status = PROC_SYSCALL_ABANDONED;
            np_ = NONE;
            emit(o, EV_PROC_STEAL, (uint64_t)cp, 0, 0, PROC_SYSCALL, cg, cp, m, t);
        }
        emit_ev(o, bc, cg, cp, m);
        break;
    case EV_GO_SWITCH: case EV_GO_SWITCH_DESTROY: {
        USER_GO();
        GState *cur = g_get(&o->gs, cg);
        if (cur == NULL)
            return order_error("event %s for goroutine (%lld) that doesn't exist",
                               ev_name(o, typ), LL(cg));
        if (cur->status != GO_RUNNING)
            return order_error("%s event for goroutine that's not Running", ev_name(o, typ));
        uint64_t nraw = a[0], seq = a[1];
        int64_t nextg = (int64_t)nraw;
        GState *nst = g_get(&o->gs, nextg);
        if (nst == NULL || nst->status != GO_WAITING || nst->seq_gen != gen
            || seq != nst->seq + 1)
            return 0;
        emit_ev(o, bc, cg, cp, m);
        /* nst before cur: deleting cur may move nst in the table. */
        nst->status = GO_RUNNING;
        nst->seq = seq;
        if (typ == EV_GO_SWITCH) {
            cur->status = GO_WAITING;
            emit(o, EV_GO_BLOCK, 0, 0, 0, 0, cg, cp, m, t);
        } else {
            g_delete(&o->gs, cur);
            emit(o, EV_GO_DESTROY, 0, 0, 0, 0, cg, cp, m, t);
        }
        ng = nextg;
        emit(o, EV_GO_START, nraw, seq, 0, 0, NONE, cp, m, t);
        break;
    }
    case EV_STW_BEGIN: case EV_GC_MARK_ASSIST_BEGIN:
        USER_GO();
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("encountered event of type %llu without known state for current "
                               "goroutine %lld", ULL(typ), LL(cg));
        if (begin_range(o, &st->ranges, typ, typ == EV_STW_BEGIN ? a[0] : 0) < 0) return -1;
        emit_ev(o, bc, cg, cp, m);
        break;
    case EV_STW_END: case EV_GC_MARK_ASSIST_END: {
        USER_GO();
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("encountered event of type %llu without known state for current "
                               "goroutine %lld", ULL(typ), LL(cg));
        uint64_t desc;
        if (end_range(o, st->ranges, typ, &desc) < 0) return -1;
        if (typ == EV_STW_END) emit(o, typ, desc, 0, 0, 0, cg, cp, m, t);
        else emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_GC_MARK_ASSIST_ACTIVE: {
        int64_t gid = (int64_t)a[0];
        st = g_get(&o->gs, gid);
        if (st == NULL)
            return order_error("uninitialized goroutine %lld found during GCMarkAssistActive",
                               LL(gid));
        if (active_range(o, &st->ranges, typ, initial) < 0) return -1;
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_GC_SWEEP_ACTIVE: {
        int64_t pid = (int64_t)a[0];
        ps = p_get(o, pid);
        if (ps == NULL)
            return order_error("encountered GCSweepActive for unknown proc %lld", LL(pid));
        if (active_range(o, &ps->ranges, typ, initial) < 0) return -1;
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_GC_ACTIVE: {
        uint64_t seq = a[0];
        if (initial) {
            if (o->gc_state != GC_UNDETERMINED)
                return order_error("GCActive in the first generation isn't first GC event");
            o->gc_seq = seq;
            o->gc_state = GC_RUNNING;
        } else {
            if (seq != o->gc_seq + 1) return 0;
            if (o->gc_state != GC_RUNNING)
                return order_error("encountered GCActive while GC was not in progress");
            o->gc_seq = seq;
            USER_GO();
        }
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_GC_BEGIN: {
        uint64_t seq = a[0];
        if (o->gc_state != GC_UNDETERMINED) {
            if (seq != o->gc_seq + 1) return 0;
            if (o->gc_state == GC_RUNNING)
                return order_error("encountered GCBegin while GC was already in progress");
            o->gc_seq = seq;
            o->gc_state = GC_RUNNING;
            USER_GO();
        } else {
            o->gc_seq = seq;
            o->gc_state = GC_RUNNING;
        }
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_GC_END: {
        uint64_t seq = a[0];
        if (seq != o->gc_seq + 1) return 0;
        if (o->gc_state == GC_NOT_RUNNING)
            return order_error("encountered GCEnd when GC was not in progress");
        if (o->gc_state == GC_UNDETERMINED)
            return order_error("encountered GCEnd when GC was in an undetermined state");
        o->gc_seq = seq;
        o->gc_state = GC_NOT_RUNNING;
        USER_GO();
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_PROCS_CHANGE: case EV_GO_LABEL: case EV_USER_LOG:
        USER_GO();
        emit_ev(o, bc, cg, cp, m);
        break;
    case EV_USER_TASK_BEGIN: {
        uint64_t tid = a[0], parent = a[1];
        if (pm_get(&o->tasks, tid) != NULL)
            return order_error("task ID conflict: %llu", ULL(tid));
        if (parent == 0) parent = NO_TASK;
        int err = 0;
        PyObject *name = gen_string(o, a[2], &err);
        if (err) return -1;
        if (name == NULL)
            return order_error("invalid string ID %llu for UserTaskBegin event", ULL(a[2]));
        Task *task = PyMem_Malloc(sizeof(Task));
        if (task == NULL) { PyErr_NoMemory(); return -1; }
        Py_INCREF(name);
        task->name = name;
        task->parent = parent;
        if (pm_put(&o->tasks, tid, task) < 0) {
            Py_DECREF(name);
            PyMem_Free(task);
            return -1;
        }
        USER_GO();
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    case EV_USER_TASK_END: {
        uint64_t tid = a[0];
        Task *task = pm_pop(&o->tasks, tid);
        PyObject *name;
        uint64_t parent = NO_TASK;
        if (task != NULL) {
            name = task->name;  /* the reference moves to us */
            parent = task->parent;
            PyMem_Free(task);
        } else {
            name = PyUnicode_FromString("");
            if (name == NULL) return -1;
        }
        if (m == NONE || cp == NONE || cg == NONE) {
            Py_DECREF(name);
            USER_GO();
        }
        Py_ssize_t idx = PyList_GET_SIZE(o->task_end_names);
        int rc = PyList_Append(o->task_end_names, name);
        Py_DECREF(name);
        if (rc < 0) return -1;
        emit(o, typ, tid, a[1], parent, (uint64_t)idx, cg, cp, m, t);
        break;
    }
    case EV_USER_REGION_BEGIN: case EV_USER_REGION_END: {
        USER_GO();
        uint64_t tid = a[0];
        int err = 0;
        PyObject *name = gen_string(o, a[1], &err);
        if (err) return -1;
        if (name == NULL)
            return order_error("invalid string ID %llu for %s event", ULL(a[1]), ev_name(o, typ));
        st = g_get(&o->gs, cg);
        if (st == NULL)
            return order_error("encountered %s without known state for current goroutine %lld",
                               ev_name(o, typ), LL(cg));
        if (typ == EV_USER_REGION_BEGIN) {
            if (region_push(&st->regions, tid, name) < 0) return -1;
        } else if (st->regions != NULL && st->regions->n > 0) {
            Region *top = &st->regions->v[st->regions->n - 1];
            int same = top->task == tid;
            if (same) {
                same = PyObject_RichCompareBool(top->name, name, Py_EQ);
                if (same < 0) return -1;
            }
            if (!same) return order_error("misuse of region in goroutine %lld", LL(cg));
            Py_DECREF(top->name);
            st->regions->n--;
        }
        emit_ev(o, bc, cg, cp, m);
        break;
    }
    default:
        if (typ > MAX_EVENT && typ < NUM_SPECS) {
            NEED_THREAD();
            emit_ev(o, bc, cg, cp, m);
            break;
        }
        return order_error("bad event type found while ordering: %llu", ULL(typ));
    }
    if (ms != NULL) {
        ms->g = ng;
        ms->p = np_;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Python glue.                                                               */

static void gen_free(Ordering *o) {
    if (o->cursors) {
        for (Py_ssize_t i = 0; i < o->ncursors; i++) PyMem_Free(o->cursors[i].batches);
    }
    PyMem_Free(o->cursors);
    PyMem_Free(o->fr);
    o->cursors = NULL;
    o->fr = NULL;
    o->ncursors = o->nfr = 0;
    PyMem_Free(o->cpu_t); PyMem_Free(o->cpu_m); PyMem_Free(o->cpu_p);
    PyMem_Free(o->cpu_g); PyMem_Free(o->cpu_stack);
    o->cpu_t = NULL; o->cpu_m = o->cpu_p = o->cpu_g = NULL; o->cpu_stack = NULL;
    o->ncpu = o->cpu_next = 0;
    if (o->have_data) {
        PyBuffer_Release(&o->data);
        o->have_data = 0;
    }
    Py_CLEAR(o->strings);
}

static int Ordering_init(Ordering *o, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"widths", "range_start", "names", NULL};
    Py_buffer widths, starts;
    PyObject *names;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*O!", kwlist, &widths, &starts,
                                     &PyTuple_Type, &names))
        return -1;
    int ok = widths.len == NUM_SPECS && starts.len == NUM_SPECS
             && PyTuple_GET_SIZE(names) == NUM_SPECS;
    if (ok) {
        memcpy(o->width, widths.buf, NUM_SPECS);
        memcpy(o->range_start, starts.buf, NUM_SPECS);
    }
    PyBuffer_Release(&widths);
    PyBuffer_Release(&starts);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "spec tables do not match this build");
        return -1;
    }
    if (o->gs.slots != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Ordering already initialised");
        return -1;
    }
    Py_INCREF(names);
    o->names = names;
    o->empty = PyUnicode_FromString("");
    if (o->empty == NULL) return -1;
    o->gs.slots = PyMem_Calloc(1024, sizeof(GState));
    if (o->gs.slots == NULL) { PyErr_NoMemory(); return -1; }
    o->gs.mask = 1023;
    if (pm_init(&o->ps, 64) < 0 || pm_init(&o->ms, 64) < 0 || pm_init(&o->tasks, 64) < 0)
        return -1;
    o->task_end_names = PyList_New(0);
    return o->task_end_names ? 0 : -1;
}

static void Ordering_dealloc(Ordering *o) {
    gen_free(o);
    remap_free(&o->rs);
    remap_free(&o->rk);
    out_free(o);
    if (o->gs.slots) {
        for (size_t i = 0; i <= o->gs.mask; i++) {
            if (o->gs.slots[i].used) {
                PyMem_Free(o->gs.slots[i].ranges);
                regions_free(o->gs.slots[i].regions);
            }
        }
        PyMem_Free(o->gs.slots);
    }
    for (Py_ssize_t i = 0; i < o->np_; i++) {
        PyMem_Free(o->p_all[i]->ranges);
        PyMem_Free(o->p_all[i]);
    }
    PyMem_Free(o->p_all);
    for (Py_ssize_t i = 0; i < o->nm; i++) PyMem_Free(o->m_order[i]);
    PyMem_Free(o->m_order);
    PyMem_Free(o->m_ids);
    if (o->tasks.slots) {
        for (size_t i = 0; i <= o->tasks.mask; i++) {
            if (o->tasks.slots[i].used) {
                Task *task = o->tasks.slots[i].val;
                Py_DECREF(task->name);
                PyMem_Free(task);
            }
        }
    }
    PyMem_Free(o->ps.slots);
    PyMem_Free(o->ms.slots);
    PyMem_Free(o->tasks.slots);
    Py_XDECREF(o->names);
    Py_XDECREF(o->empty);
    Py_XDECREF(o->task_end_names);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static int parse_batches(PyObject *list, Cursor *c) {
    PyObject *seq = PySequence_Fast(list, "batches must be a sequence");
    if (seq == NULL) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    c->batches = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Batch));
    if (c->batches == NULL) { Py_DECREF(seq); PyErr_NoMemory(); return -1; }
    c->nbatches = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t off, size;
        unsigned long long base;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "nnK", &off, &size, &base)) {
            Py_DECREF(seq);
            return -1;
        }
        c->batches[i].off = off;
        c->batches[i].size = size;
        c->batches[i].base = base;
    }
    Py_DECREF(seq);
    return 0;
}

static PyObject *Ordering_start_generation(Ordering *o, PyObject *args) {
    unsigned long long gen;
    double freq;
    PyObject *data, *strings, *ms_batches, *cpu;
    if (!PyArg_ParseTuple(args, "KdOO!OO", &gen, &freq, &data, &PyDict_Type, &strings,
                          &ms_batches, &cpu))
        return NULL;
    gen_free(o);
    if (PyObject_GetBuffer(data, &o->data, PyBUF_SIMPLE) < 0) return NULL;
    o->have_data = 1;
    o->gen = gen;
    o->freq = freq;
    Py_INCREF(strings);
    o->strings = strings;

    PyObject *seq = PySequence_Fast(ms_batches, "ms_batches must be a sequence");
    if (seq == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    o->cursors = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Cursor));
    o->fr = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Cursor *));
    if (o->cursors == NULL || o->fr == NULL) { Py_DECREF(seq); return PyErr_NoMemory(); }
    for (Py_ssize_t i = 0; i < n; i++) {
        Cursor *c = &o->cursors[i];
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
        long long m;
        PyObject *batches;
        c->bidx = -1;
        o->ncursors = i + 1;
        if (!PyArg_ParseTuple(pair, "LO", &m, &batches) || parse_batches(batches, c) < 0) {
            Py_DECREF(seq);
            return NULL;
        }
        c->m = m;
    }
    Py_DECREF(seq);

    seq = PySequence_Fast(cpu, "cpu must be a sequence");
    if (seq == NULL) return NULL;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
    size_t cap = k ? (size_t)k : 1;
    o->cpu_t = PyMem_Calloc(cap, sizeof(int64_t));
    o->cpu_m = PyMem_Calloc(cap, sizeof(int64_t));
    o->cpu_p = PyMem_Calloc(cap, sizeof(int64_t));
    o->cpu_g = PyMem_Calloc(cap, sizeof(int64_t));
    o->cpu_stack = PyMem_Calloc(cap, sizeof(uint64_t));
    if (!o->cpu_t || !o->cpu_m || !o->cpu_p || !o->cpu_g || !o->cpu_stack) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        long long time, m, p, g;
        unsigned long long stack;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "LLLLK", &time, &m, &p, &g,
                              &stack)) {
            Py_DECREF(seq);
            return NULL;
        }
        o->cpu_t[i] = time;
        o->cpu_m[i] = m;
        o->cpu_p[i] = p;
        o->cpu_g[i] = g;
        o->cpu_stack[i] = stack;
    }
    o->ncpu = k;
    Py_DECREF(seq);

    for (Py_ssize_t i = 0; i < o->ncursors; i++) {
        Cursor *c = &o->cursors[i];
        int r = next_event(o, c);
        if (r < 0) return NULL;
        if (r) {
            o->fr[o->nfr] = c;
            heap_sift_up(o->fr, o->nfr++);
        }
    }
    Py_RETURN_NONE;
}

/* low_water(): the file offset of the first byte the generation's orderer may still
 * read (the start of the earliest current batch among the Ms not done; each M's
 * batches are in file order), or None when every M is done. */
static PyObject *Ordering_low_water(Ordering *o, PyObject *unused) {
    Py_ssize_t low = -1;
    for (Py_ssize_t i = 0; i < o->ncursors; i++) {
        const Cursor *c = &o->cursors[i];
        Py_ssize_t b = c->bidx < 0 ? 0 : c->bidx;
        if (b >= c->nbatches) continue;
        if (low < 0 || c->batches[b].off < low) low = c->batches[b].off;
    }
    if (low < 0) Py_RETURN_NONE;
    return PyLong_FromSsize_t(low);
}

static PyObject *Ordering_emit_side(Ordering *o, PyObject *args) {
    unsigned long long typ, a0, a1, a2, a3;
    long long g, p, m, t;
    if (!PyArg_ParseTuple(args, "(KKKKK)LLLL", &typ, &a0, &a1, &a2, &a3, &g, &p, &m, &t)
        || out_reserve(o, o->n + 1) < 0)
        return NULL;
    emit(o, typ, a0, a1, a2, a3, g, p, m, t);
    Py_RETURN_NONE;
}

static PyObject *Ordering_run(Ordering *o, PyObject *arg) {
    Py_ssize_t limit = PyLong_AsSsize_t(arg);
    if (limit == -1 && PyErr_Occurred()) return NULL;
    o->hint = limit + 16;
    Cursor **fr = o->fr;
    while (o->n < limit) {
        if (out_reserve(o, o->n + 8) < 0) return NULL;
        if (o->cpu_next < o->ncpu) {
            Py_ssize_t s = o->cpu_next;
            if (o->nfr == 0 || o->cpu_t[s] < fr[0]->ev_time) {
                o->cpu_next++;
                emit(o, EV_CPU_SAMPLE, o->cpu_stack[s], 0, 0, 0, o->cpu_g[s], o->cpu_p[s],
                     o->cpu_m[s], o->cpu_t[s]);
                continue;
            }
        } else if (o->nfr == 0) {
            Py_RETURN_TRUE;
        }
        Cursor *bc = fr[0];
        int r = advance(o, bc);
        if (r < 0) return NULL;
        if (r) {
            r = next_event(o, bc);
            if (r < 0) return NULL;
            if (r) heap_sift_down(fr, o->nfr, 0);
            else heap_remove(fr, &o->nfr, 0);
            continue;
        }
        pdqsort(fr, 0, o->nfr, bit_length((uint64_t)o->nfr));
        /* A flag, not the loop index: removing a finished cursor shrinks nfr, so
         * "i reached nfr" would also hold after the last cursor advanced. */
        int advanced = 0;
        for (Py_ssize_t i = 1; i < o->nfr && !advanced; i++) {
            bc = fr[i];
            r = advance(o, bc);
            if (r < 0) return NULL;
            if (r) {
                advanced = 1;
                r = next_event(o, bc);
                if (r < 0) return NULL;
                if (r) heap_update(fr, o->nfr, i);
                else heap_remove(fr, &o->nfr, i);
            }
        }
        if (!advanced) {
            order_error("broken trace: failed to advance (generation %llu)", ULL(o->gen));
            return NULL;
        }
    }
    Py_RETURN_FALSE;
}

static int load_remap(Remap *r, PyObject *keys_obj, PyObject *vals_obj) {
    Py_buffer kb, vb;
    if (PyObject_GetBuffer(keys_obj, &kb, PyBUF_SIMPLE) < 0) return -1;
    if (PyObject_GetBuffer(vals_obj, &vb, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&kb);
        return -1;
    }
    remap_free(r);
    Py_ssize_t n = kb.len / (Py_ssize_t)sizeof(uint64_t);
    int rc = -1;
    if (vb.len != n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "remap keys and values differ in length");
        goto done;
    }
    r->keys = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(uint64_t));
    r->vals = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (!r->keys || !r->vals) { PyErr_NoMemory(); goto done; }
    memcpy(r->keys, kb.buf, (size_t)n * sizeof(uint64_t));
    memcpy(r->vals, vb.buf, (size_t)n * sizeof(int64_t));
    r->n = n;
    for (Py_ssize_t i = 1; i < n; i++) {
        if (r->keys[i] <= r->keys[i - 1]) {
            PyErr_SetString(PyExc_ValueError, "remap keys must be sorted and unique");
            goto done;
        }
    }
    uint64_t top = n ? r->keys[n - 1] : 0;
    if (top < DENSE_LIMIT) {
        r->ndense = top + 1;
        r->dense = PyMem_Malloc((size_t)r->ndense * sizeof(int32_t));
        if (r->dense == NULL) { PyErr_NoMemory(); goto done; }
        for (uint64_t i = 0; i < r->ndense; i++) r->dense[i] = i == 0 ? 0 : -1;
        for (Py_ssize_t i = 0; i < n; i++) r->dense[r->keys[i]] = (int32_t)r->vals[i];
    }
    rc = 0;
done:
    PyBuffer_Release(&kb);
    PyBuffer_Release(&vb);
    return rc;
}

static PyObject *Ordering_set_remap(Ordering *o, PyObject *args) {
    PyObject *sk, *sv, *kk, *kv;
    if (!PyArg_ParseTuple(args, "OOOO", &sk, &sv, &kk, &kv)) return NULL;
    if (load_remap(&o->rs, sk, sv) < 0 || load_remap(&o->rk, kk, kv) < 0) return NULL;
    Py_RETURN_NONE;
}

static int copy_table(PyObject *obj, void *dst, Py_ssize_t len) {
    Py_buffer b;
    if (PyObject_GetBuffer(obj, &b, PyBUF_SIMPLE) < 0) return -1;
    int ok = b.len == len;
    if (ok) memcpy(dst, b.buf, (size_t)len);
    PyBuffer_Release(&b);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "column table of the wrong size");
        return -1;
    }
    return 0;
}

static PyObject *Ordering_set_columns(Ordering *o, PyObject *args) {
    PyObject *t[11];
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOO", &t[0], &t[1], &t[2], &t[3], &t[4], &t[5],
                          &t[6], &t[7], &t[8], &t[9], &t[10]))
        return NULL;
    if (copy_table(t[0], o->c_kind, 256) < 0 || copy_table(t[1], o->c_stack_slot, 256) < 0
        || copy_table(t[2], o->c_res_kind, 256) < 0 || copy_table(t[3], o->c_res_src, 256) < 0
        || copy_table(t[4], o->c_frm, 256) < 0 || copy_table(t[5], o->c_to, 256) < 0
        || copy_table(t[6], o->c_name_slot, 256) < 0
        || copy_table(t[7], o->c_tstack_slot, 256) < 0 || copy_table(t[8], o->c_task, 256) < 0
        || copy_table(t[9], o->c_check_stack, 1024) < 0
        || copy_table(t[10], o->c_check_string, 1024) < 0)
        return NULL;
    o->have_columns = 1;
    Py_RETURN_NONE;
}

/* v2.build_chunk for the buffered events, minus the names Python interns itself
 * (ranges, stop-the-world kinds, task types), which stay 0 here. */
static PyObject *Ordering_build(Ordering *o, PyObject *arg) {
    if (!o->have_columns) {
        PyErr_SetString(PyExc_RuntimeError, "set_columns() was not called");
        return NULL;
    }
    long long start = PyLong_AsLongLong(arg);
    if (start == -1 && PyErr_Occurred()) return NULL;
    Py_ssize_t n = o->n;
    if (out_reserve(o, 1) < 0) return NULL;
    const uint8_t *typ = o->o_typ;
    const uint64_t *args = o->o_args;
    /* validateTableIDs: the first event naming an unknown string or stack ends the chunk. */
    Py_ssize_t cut = n;
    for (Py_ssize_t i = 0; i < n && cut == n; i++) {
        uint8_t ty = typ[i];
        const uint64_t *a = &args[4 * i];
        for (int k = 0; k < 4; k++) {
            if ((o->c_check_stack[ty][k] && remap(&o->rk, a[k]) < 0)
                || (o->c_check_string[ty][k] && remap(&o->rs, a[k]) < 0))
                cut = i;
        }
        if ((ty == EV_STW_BEGIN || ty == EV_STW_END) && remap(&o->rs, a[0]) < 0) cut = i;
    }
    size_t sz = (size_t)(cut ? cut : 1);
    int64_t *time = column_alloc(sz * sizeof(int64_t));
    uint8_t *kind = column_alloc(sz), *res_kind = column_alloc(sz);
    uint8_t *frm = column_alloc(sz), *to = column_alloc(sz);
    int32_t *stack = column_alloc(sz * sizeof(int32_t)), *name = column_alloc(sz * sizeof(int32_t));
    int32_t *tstack = column_alloc(sz * sizeof(int32_t));
    int64_t *res = column_alloc(sz * sizeof(int64_t)), *task = column_alloc(sz * sizeof(int64_t));
    if (!time || !kind || !res_kind || !frm || !to || !stack || !name || !tstack || !res || !task) {
        free(time); free(kind); free(res_kind); free(frm); free(to); free(stack); free(name);
        free(tstack); free(res); free(task);
        return PyErr_NoMemory();
    }
    /* Go's monotonic fix-up, as numpy computes it (no overflow: times < MAX_TIME_NS). */
    int64_t u = start;
    for (Py_ssize_t i = 0; i < cut; i++) {
        int64_t v = o->o_t[i] - (int64_t)i;
        if (v > u) u = v;
        time[i] = u + (int64_t)i;
        uint8_t ty = typ[i];
        const uint64_t *a = &args[4 * i];
        kind[i] = o->c_kind[ty];
        res_kind[i] = o->c_res_kind[ty];
        int slot = o->c_stack_slot[ty];
        stack[i] = (int32_t)remap(&o->rk, slot >= 0 ? a[slot] : 0);
        switch (o->c_res_src[ty]) {
        case 1: res[i] = o->o_g[i]; break;
        case 2: res[i] = o->o_p[i]; break;
        case 3: res[i] = (int64_t)a[0]; break;
        default: res[i] = 0;
        }
        uint8_t f = o->c_frm[ty], tt = o->c_to[ty];
        if (ty == EV_GO_STATUS || ty == EV_GO_STATUS_STACK) {
            uint64_t st = a[2] & 0xFFFFFFFFu;
            f = (uint8_t)(a[2] >> 32);
            tt = GO_STATUS_TO_STATE[st < 4 ? st : 4];
        } else if (ty == EV_PROC_STATUS) {
            f = (uint8_t)a[2];
            tt = PROC_STATUS_TO_STATE[a[1] < 4 ? a[1] : 4];
        } else if (ty == EV_PROC_STEAL) {
            f = a[3] == PROC_SYSCALL_ABANDONED ? PS_IDLE : PS_RUNNING;
        }
        frm[i] = f;
        to[i] = tt;
        slot = o->c_name_slot[ty];
        name[i] = slot >= 0 ? (int32_t)remap(&o->rs, a[slot]) : 0;
        slot = o->c_tstack_slot[ty];
        tstack[i] = slot >= 0 ? (int32_t)remap(&o->rk, a[slot]) : 0;
        task[i] = o->c_task[ty] ? (int64_t)a[0] : 0;
    }
    int64_t last = cut ? time[cut - 1] : start;
    PyObject *items[17] = {
        PyLong_FromSsize_t(cut),
        PyLong_FromLongLong(last),
        buf_wrap(time, cut * 8), buf_wrap(kind, cut), buf_wrap(o->o_g, n * 8),
        buf_wrap(o->o_p, n * 8), buf_wrap(o->o_m, n * 8), buf_wrap(stack, cut * 4),
        buf_wrap(res_kind, cut), buf_wrap(res, cut * 8), buf_wrap(frm, cut), buf_wrap(to, cut),
        buf_wrap(name, cut * 4), buf_wrap(tstack, cut * 4), buf_wrap(task, cut * 8),
        buf_wrap(o->o_typ, n), buf_wrap(o->o_args, n * 32),
    };
    free(o->o_t);
    o->o_typ = NULL; o->o_args = NULL; o->o_g = o->o_p = o->o_m = o->o_t = NULL;
    o->n = o->cap = 0;
    PyObject *res_t = PyTuple_New(17);
    int ok = res_t != NULL;
    for (int i = 0; i < 17; i++) {
        if (items[i] == NULL) ok = 0;
        if (res_t != NULL) PyTuple_SET_ITEM(res_t, i, items[i] ? items[i] : Py_NewRef(Py_None));
        else Py_XDECREF(items[i]);
    }
    if (!ok) {
        Py_XDECREF(res_t);
        return NULL;
    }
    PyObject *names = o->task_end_names;
    o->task_end_names = PyList_New(0);
    if (o->task_end_names == NULL) {
        o->task_end_names = names;
        Py_DECREF(res_t);
        return NULL;
    }
    PyObject *out = Py_BuildValue("(NN)", res_t, names);
    return out;
}

static PyMethodDef Ordering_methods[] = {
    {"set_columns", (PyCFunction)Ordering_set_columns, METH_VARARGS,
     "set_columns(kind, stack_slot, res_kind, res_src, frm, to, name_slot, tstack_slot, task, "
     "check_stack, check_string): v2.py's per-type column tables, as bytes."},
    {"set_remap", (PyCFunction)Ordering_set_remap, METH_VARARGS,
     "set_remap(str_keys, str_vals, stack_keys, stack_vals): this generation's ids -> Tables "
     "ids (sorted uint64 keys, int64 values)."},
    {"build", (PyCFunction)Ordering_build, METH_O,
     "build(last_ts + 1) -> ((cut, last, time, kind, g, p, m, stack, res_kind, res, frm, to, "
     "name, tstack, task, typ, args), task_end_names): the buffered events as columns, cut at "
     "the first unknown string or stack id; new buffers start."},
    {"low_water", (PyCFunction)Ordering_low_water, METH_NOARGS,
     "low_water(): the first file offset the generation may still read, or None."},
    {"start_generation", (PyCFunction)Ordering_start_generation, METH_VARARGS,
     "start_generation(gen, freq, data, strings, ms_batches, cpu): installGen."},
    {"emit_side", (PyCFunction)Ordering_emit_side, METH_VARARGS,
     "emit_side((typ, a0, a1, a2, a3), g, p, m, t): buffer an event the reader made."},
    {"run", (PyCFunction)Ordering_run, METH_O,
     "run(limit) -> bool: order until limit events are buffered; True when the generation "
     "is done."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject OrderingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gotrace.trace._order_v2.Ordering",
    .tp_basicsize = sizeof(Ordering),
    .tp_dealloc = (destructor)Ordering_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "order_v2.Ordering in C: state across generations plus output buffers.",
    .tp_methods = Ordering_methods,
    .tp_init = (initproc)Ordering_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_order_v2",
    "C accelerator for gotrace.trace.order_v2 (same results, same errors).", -1, NULL,
};

static const Constant CONSTANTS[] = {
    CONSTANT(EV_CPU_SAMPLE), CONSTANT(EV_PROCS_CHANGE), CONSTANT(EV_PROC_START),
    CONSTANT(EV_PROC_STOP), CONSTANT(EV_PROC_STEAL), CONSTANT(EV_PROC_STATUS),
    CONSTANT(EV_GO_CREATE), CONSTANT(EV_GO_CREATE_SYSCALL), CONSTANT(EV_GO_START),
    CONSTANT(EV_GO_DESTROY), CONSTANT(EV_GO_DESTROY_SYSCALL), CONSTANT(EV_GO_STOP),
    CONSTANT(EV_GO_BLOCK), CONSTANT(EV_GO_UNBLOCK), CONSTANT(EV_GO_SYSCALL_BEGIN),
    CONSTANT(EV_GO_SYSCALL_END), CONSTANT(EV_GO_SYSCALL_END_BLOCKED), CONSTANT(EV_GO_STATUS),
    CONSTANT(EV_STW_BEGIN), CONSTANT(EV_STW_END), CONSTANT(EV_GC_ACTIVE), CONSTANT(EV_GC_BEGIN),
    CONSTANT(EV_GC_END), CONSTANT(EV_GC_SWEEP_ACTIVE), CONSTANT(EV_GC_SWEEP_BEGIN),
    CONSTANT(EV_GC_SWEEP_END), CONSTANT(EV_GC_MARK_ASSIST_ACTIVE),
    CONSTANT(EV_GC_MARK_ASSIST_BEGIN), CONSTANT(EV_GC_MARK_ASSIST_END), CONSTANT(EV_HEAP_ALLOC),
    CONSTANT(EV_HEAP_GOAL), CONSTANT(EV_GO_LABEL), CONSTANT(EV_USER_TASK_BEGIN),
    CONSTANT(EV_USER_TASK_END), CONSTANT(EV_USER_REGION_BEGIN), CONSTANT(EV_USER_REGION_END),
    CONSTANT(EV_USER_LOG), CONSTANT(EV_GO_SWITCH), CONSTANT(EV_GO_SWITCH_DESTROY),
    CONSTANT(EV_GO_CREATE_BLOCKED), CONSTANT(EV_GO_STATUS_STACK), CONSTANT(MAX_EVENT),
    CONSTANT(NUM_SPECS), CONSTANT(GO_BAD), CONSTANT(GO_RUNNABLE), CONSTANT(GO_RUNNING),
    CONSTANT(GO_SYSCALL), CONSTANT(GO_WAITING), CONSTANT(PROC_BAD), CONSTANT(PROC_RUNNING),
    CONSTANT(PROC_IDLE), CONSTANT(PROC_SYSCALL), CONSTANT(PROC_SYSCALL_ABANDONED),
    CONSTANT(GS_UNDETERMINED), CONSTANT(PS_UNDETERMINED), CONSTANT(PS_NOT_EXIST),
    CONSTANT(PS_RUNNING), CONSTANT(PS_IDLE), CONSTANT(GC_UNDETERMINED), CONSTANT(GC_NOT_RUNNING),
    CONSTANT(GC_RUNNING), CONSTANT(NONE), CONSTANT(MAX_TIME_NS), CONSTANT(MAX_PROC_ID),
};

PyMODINIT_FUNC PyInit__order_v2(void) {
    if (PyType_Ready(&OrderingType) < 0 || PyType_Ready(&BufType) < 0) return NULL;
    PyObject *py = PyImport_ImportModule("gotrace.trace.order_v2");
    if (py == NULL) return NULL;
    OrderError = PyObject_GetAttrString(py, "OrderError");
    Py_DECREF(py);
    if (OrderError == NULL) return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL) return NULL;
    PyObject *d;
    if (PyModule_AddObjectRef(mod, "Ordering", (PyObject *)&OrderingType) < 0
        || (d = module_export(mod, CONSTANTS, sizeof CONSTANTS / sizeof *CONSTANTS)) == NULL
        || export_table(d, "GO_STATUS_TO_STATE", GO_STATUS_TO_STATE, 5) < 0
        || export_table(d, "PROC_STATUS_TO_STATE", PROC_STATUS_TO_STATE, 5) < 0
        || export_names(d, "GO_STATUS_NAMES", GO_STATUS_NAMES, 5) < 0
        || export_names(d, "PROC_STATUS_NAMES", PROC_STATUS_NAMES, 5) < 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
