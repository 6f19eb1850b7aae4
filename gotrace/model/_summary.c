/* C twin of from_trace.py's goroutine summary.
 *
 * from_trace.py states the algorithm with numpy (collect goroutine transitions,
 * stable-sort them by goroutine, derive Go's summarizer facts per row), which
 * holds every transition at once. This file runs it as Go's own summarizer
 * does, streaming: each transition closes the goroutine's open interval
 * (accounting its time) and opens the next, so what is held per goroutine is
 * one row of facts, not its history. That is most of a big trace's memory: a
 * 119 MB trace has 21.5 M transitions but 3.7 M goroutines. The intervals are
 * kept only when asked for (the viewer's stories and per-P timelines need
 * them; the summary commands do not), in the order they close, and
 * counting-sorted by row at the end. Given spill files, the intervals go to disk a
 * batch at a time as they close and are sorted from there into the caller's files
 * (see sort_spilled), so that they never sit in memory whole: 620 MB of a 111 MB
 * trace's. The side columns (syncs, syscall and P
 * transitions, ranges) are kept as they come and stay in Python.
 * tests/model/test_from_trace_native.py checks both paths give the same model.
 *
 * Columns are returned as Buf objects (malloc'd memory exported through the
 * buffer protocol) and wrapped with numpy.frombuffer on the Python side.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#ifndef _WIN32
#include <unistd.h>
#endif

/* Go's trace.EventKind, GoState, ProcState and ResourceKind values (events.py),
 * exported in `constants` and tested equal. */
enum { K_SYNC = 1, K_RANGE_BEGIN = 5, K_RANGE_END = 7, K_STATE_TRANSITION = 13 };
enum { G_UNDETERMINED = 0, G_NOT_EXIST = 1, G_RUNNABLE = 2, G_RUNNING = 3, G_WAITING = 4,
       G_SYSCALL = 5 };
enum { R_GOROUTINE = 1, R_PROC = 2 };
#define NONE (-1)

#define GOTRACE_BUF_NAME "gotrace.model._summary.Buf"
#include "../_buffers.h"

#define PUSH(v, T, x) (((T *)(v).p)[(v).n++] = (T)(x))

/* ------------------------------------------------------------------ */
/* Goroutine id -> provisional row (order of first appearance).         */

typedef struct {
    int64_t *key;
    int32_t *val; /* -1: empty slot */
    size_t cap, len;
} IdMap;

/* Goroutine ids are handed out nearly sequentially: a hash that keeps nearby
 * ids in nearby slots keeps the table's working set in cache. The xor-shifts
 * are a bijection, so distinct ids still spread over the high bits. */
static size_t id_hash(int64_t k) {
    uint64_t x = (uint64_t)k;
    return (size_t)(x ^ (x >> 16) ^ (x >> 32));
}

static int idmap_init(IdMap *m, size_t cap) {
    m->cap = cap;
    m->len = 0;
    m->key = malloc(cap * sizeof(int64_t));
    m->val = malloc(cap * sizeof(int32_t));
    if (!m->key || !m->val) return -1;
    memset(m->val, 0xff, cap * sizeof(int32_t));
    return 0;
}

static void idmap_free(IdMap *m) {
    free(m->key);
    free(m->val);
    m->key = NULL;
    m->val = NULL;
    m->cap = m->len = 0;
}

static int idmap_grow(IdMap *m) {
    IdMap n;
    if (idmap_init(&n, m->cap * 2) < 0) {
        idmap_free(&n);
        return -1;
    }
    size_t mask = n.cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->val[i] < 0) continue;
        size_t j = id_hash(m->key[i]) & mask;
        while (n.val[j] >= 0) j = (j + 1) & mask;
        n.key[j] = m->key[i];
        n.val[j] = m->val[i];
    }
    n.len = m->len;
    idmap_free(m);
    *m = n;
    return 0;
}

/* The slot of k; *fresh says it was just inserted (its value is then -1). */
static Py_ssize_t idmap_slot(IdMap *m, int64_t k, int *fresh) {
    if ((m->len + 1) * 10 > m->cap * 7 && idmap_grow(m) < 0) return -1;
    size_t mask = m->cap - 1, i = id_hash(k) & mask;
    while (m->val[i] >= 0) {
        if (m->key[i] == k) {
            *fresh = 0;
            return (Py_ssize_t)i;
        }
        i = (i + 1) & mask;
    }
    m->key[i] = k;
    m->len++;
    *fresh = 1;
    return (Py_ssize_t)i;
}

/* The hash map's pairs cost 12 bytes at 70% load (about 26 a goroutine), while Go hands
 * out goroutine ids nearly densely from 1: a plain array indexed by id costs 4 bytes
 * an id. Ids below a bound proportional to the rows so far go to the array; the rest
 * (sparse, negative or huge ids from a damaged trace) to the hash map. An id hashed
 * before the bound grew past it is still found there. */
typedef struct {
    IdMap hash;
    int32_t *direct; /* -1: none */
    size_t dcap;
} RowMap;

static void rowmap_free(RowMap *m) {
    idmap_free(&m->hash);
    free(m->direct);
    m->direct = NULL;
    m->dcap = 0;
}

static Py_ssize_t idmap_find(const IdMap *m, int64_t k) {
    if (m->len == 0) return -1;
    size_t mask = m->cap - 1, i = id_hash(k) & mask;
    while (m->val[i] >= 0) {
        if (m->key[i] == k) return (Py_ssize_t)i;
        i = (i + 1) & mask;
    }
    return -1;
}

/* The row of id k (-1 when *fresh: just added, the caller sets it); NULL: no memory. */
static int32_t *rowmap_slot(RowMap *m, int64_t k, size_t nrows, int *fresh) {
    *fresh = 0;
    if (k >= 0 && (uint64_t)k < m->dcap && m->direct[k] >= 0) return &m->direct[k];
    Py_ssize_t h = idmap_find(&m->hash, k);
    if (h >= 0) return &m->hash.val[h];
    *fresh = 1;
    size_t bound = 4 * (nrows + 1) + 65536;
    if (k >= 0 && (uint64_t)k < bound) {
        if ((uint64_t)k >= m->dcap) {
            size_t cap = m->dcap ? m->dcap * 2 : 65536;
            while (cap <= (uint64_t)k) cap *= 2;
            int32_t *d = realloc(m->direct, cap * sizeof(int32_t));
            if (d == NULL) return NULL;
            memset(d + m->dcap, 0xff, (cap - m->dcap) * sizeof(int32_t));
            m->direct = d;
            m->dcap = cap;
        }
        return &m->direct[k];
    }
    int ignored;
    Py_ssize_t slot = idmap_slot(&m->hash, k, &ignored);
    return slot < 0 ? NULL : &m->hash.val[slot];
}

/* ------------------------------------------------------------------ */
/* Collector                                                            */

enum { SYS_T, SYS_RES, SYS_FRM, SYS_TO, SYS_P, SYS_SEQ, N_SYS };
enum { PR_T, PR_RES, PR_FRM, PR_TO, PR_SEQ, N_PR };
enum { RG_T, RG_KIND, RG_NAME, RG_RES_KIND, RG_RES, RG_SEQ, N_RG };
/* Per provisional row (goroutines in order of first appearance), one column a
 * fact: Go's summarizer state for the row's current segment. ST is the open
 * interval's start (absolute); REASON, P and TS are the last transition's;
 * NSTACK the segment's first transition stack with a named root; BLOCK the
 * head of the segment's block-time list; CNT the row's transitions. STATE's high
 * bit (CREATED_BIT) says the segment began with the goroutine's creation: its
 * creation time is then FIRST, so CREATED is a column only in the output. */
enum {
    R_ID, R_ST, R_FIRST, R_CREATED, R_START, R_ENDED, R_CREATOR, R_EXEC, R_SCHED,
    R_REASON, R_P, R_TS, R_NSTACK, R_CSTACK, R_SSTACK, R_LSTACK, R_BLOCK, R_CNT, R_STATE, N_R
};
#define CREATED_BIT 0x80
#define STATE_OF(c, r) ((uint8_t)(((uint8_t *)(c)->row[R_STATE].p)[r] & ~CREATED_BIT))
/* The intervals, in the order they close (time order within a row). */
enum { I_ROW, I_START, I_END, I_STATE, I_REASON, I_P, I_STACK, N_IV };
/* Spilling: intervals kept in memory between writes to the spill file, and sorted in
 * memory at once from the partition file (33 and 40 MB of a load's peak); changed only
 * by tests (spill_sizes). */
static size_t spill_at = (size_t)1 << 20, window = (size_t)1 << 20;

static const size_t sys_items[N_SYS] = {8, 8, 1, 1, 8, 8};
static const size_t pr_items[N_PR] = {8, 8, 1, 1, 8};
static const size_t rg_items[N_RG] = {8, 1, 4, 1, 8, 8};
static const size_t r_items[N_R] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1};
static const size_t iv_items[N_IV] = {4, 8, 8, 1, 4, 4, 4};

/* Block time of one (row segment, reason); a row's nodes form a list. */
typedef struct {
    int32_t reason;
    int32_t next;
    int64_t ns;
} BlockNode;

/* The wakes at one stack (see Collector.wakes). */
typedef struct {
    int64_t n, last;
} Wake;

typedef struct {
    PyObject_HEAD
    int intervals; /* keep every interval (the viewer's story and timelines) */
    /* 0: the intervals only (ids()): no summary facts, block times, wakes or syscalls, a
     * read of a trace whose model is already made, for its interval table. */
    int summary;
    Vec row[N_R];
    Vec blocks;
    Vec iv[N_IV];
    RowMap ids;
    Vec syncs, sys[N_SYS], pr[N_PR], rg[N_RG];
    Vec proc_ids; /* distinct, in order of appearance */
    uint8_t *used;  /* transition stacks seen, by id */
    size_t used_len;
    /* By stack id: how often a goroutine waiting there was woken, and when last
     * (model.core.Wakes); wake_len entries, zero where none was. */
    Wake *wakes;
    size_t wake_len;
    int64_t first, last, seen, sync;
    int32_t forever; /* string id of the wait reason "forever" once interned, else -1 */
    int done;
    int busy; /* add() is running without the GIL */
    /* Between goroutines() and intervals(): each provisional row's final row, where
     * each final row's intervals start, and the number of rows. */
    int32_t *remap;
    int64_t *starts;
    size_t nrows;
    /* Spilling (spill_fd >= 0): batches of intervals written to spill_fd one after
     * another (their counts in `batches`, `spilled` intervals in `spill_bytes` bytes);
     * part_fd holds them again partitioned by output window while they are sorted. */
    int spill_fd, part_fd;
    size_t batch_max, window; /* spill_at and the window when it was made */
    Vec batches;
    size_t spilled, spill_bytes;
} Collector;

#define RI64(c, f) ((int64_t *)(c)->row[f].p)
#define RI32(c, f) ((int32_t *)(c)->row[f].p)

/* Whether another thread is inside this collector (add() runs without the GIL); if so,
 * a RuntimeError is set: its columns must not change under it. */
static int col_busy(Collector *c) {
    if (!c->busy) return 0;
    PyErr_SetString(PyExc_RuntimeError, "the collector is in use by another thread");
    return 1;
}

static void col_free_all(Collector *c) {
    for (int k = 0; k < N_R; k++) vec_free(&c->row[k]);
    for (int k = 0; k < N_IV; k++) vec_free(&c->iv[k]);
    for (int k = 0; k < N_SYS; k++) vec_free(&c->sys[k]);
    for (int k = 0; k < N_PR; k++) vec_free(&c->pr[k]);
    for (int k = 0; k < N_RG; k++) vec_free(&c->rg[k]);
    vec_free(&c->blocks);
    vec_free(&c->syncs);
    vec_free(&c->proc_ids);
    rowmap_free(&c->ids);
    free(c->used);
    c->used = NULL;
    c->used_len = 0;
    free(c->wakes);
    c->wakes = NULL;
    c->wake_len = 0;
    free(c->remap);
    c->remap = NULL;
    free(c->starts);
    c->starts = NULL;
    vec_free(&c->batches);
    c->spilled = c->spill_bytes = 0;
}

static int col_init(PyObject *self, PyObject *args, PyObject *kw) {
    Collector *c = (Collector *)self;
    static char *kwlist[] = {"intervals", "spill", "summary", NULL};
    int intervals = 1, spill_fd = -1, part_fd = -1, summary = 1;
    PyObject *spill = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|pOp", kwlist, &intervals, &spill, &summary))
        return -1;
    if (spill != Py_None && !PyArg_ParseTuple(spill, "ii;spill must be a pair of file descriptors",
                                              &spill_fd, &part_fd))
        return -1;
    if (col_busy(c)) return -1;
#ifdef _WIN32
    if (spill_fd >= 0) {
        PyErr_SetString(PyExc_NotImplementedError, "spilling intervals needs pread/pwrite");
        return -1;
    }
#endif
    if ((spill != Py_None && (spill_fd < 0 || part_fd < 0)) || (spill_fd >= 0 && !intervals)) {
        PyErr_SetString(PyExc_ValueError, "spill needs two files, and intervals kept");
        return -1;
    }
    if (!summary && !intervals) {
        PyErr_SetString(PyExc_ValueError, "a collector without the summary keeps the intervals");
        return -1;
    }
    col_free_all(c);
    c->intervals = intervals;
    c->summary = summary;
    c->spill_fd = spill_fd;
    c->part_fd = part_fd;
    c->batch_max = spill_at;
    c->window = window;
    c->batches.item = 8;
    for (int k = 0; k < N_R; k++) c->row[k].item = r_items[k];
    for (int k = 0; k < N_IV; k++) c->iv[k].item = iv_items[k];
    for (int k = 0; k < N_SYS; k++) c->sys[k].item = sys_items[k];
    for (int k = 0; k < N_PR; k++) c->pr[k].item = pr_items[k];
    for (int k = 0; k < N_RG; k++) c->rg[k].item = rg_items[k];
    c->blocks.item = sizeof(BlockNode);
    c->syncs.item = 8;
    c->proc_ids.item = 8;
    if (idmap_init(&c->ids.hash, 1024) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    c->first = c->last = c->seen = c->sync = 0;
    c->forever = -1;
    c->done = 0;
    return 0;
}

static void col_dealloc(PyObject *self) {
    col_free_all((Collector *)self);
    Py_TYPE(self)->tp_free(self);
}

static int reserve_all(Vec *v, int n, size_t want) {
    for (int k = 0; k < n; k++)
        if (vec_reserve_growing(&v[k], v[k].n + want) < 0) return -1;
    return 0;
}

/* Make (*p)[index] exist in an array of *len items of `item` bytes indexed by stack id,
 * doubling it from 1024 and zeroing what it adds. */
static int grow_by_id(void **p, size_t *len, size_t item, size_t index) {
    if (index < *len) return 0;
    size_t n = *len ? *len : 1024;
    while (n <= index) n *= 2;
    char *q = realloc(*p, n * item);
    if (q == NULL) return -1;
    memset(q + *len * item, 0, (n - *len) * item);
    *p = q;
    *len = n;
    return 0;
}

static int mark_used(Collector *c, int32_t s) {
    if (s < 0) return 0;
    if (grow_by_id((void **)&c->used, &c->used_len, 1, (size_t)s) < 0) return -1;
    c->used[s] = 1;
    return 0;
}

/* A goroutine waiting at stack s was woken at t (ns since the first event). */
static int wake_add(Collector *c, int32_t s, int64_t t) {
    if (s <= 0) return 0;
    if (grow_by_id((void **)&c->wakes, &c->wake_len, sizeof(Wake), (size_t)s) < 0) return -1;
    Wake *w = &c->wakes[s];
    if (w->n++ == 0 || t > w->last) w->last = t;
    return 0;
}

static int get_buf(PyObject *o, Py_buffer *b, Py_ssize_t item) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (b->itemsize != item || b->len % item) {
        PyBuffer_Release(b);
        PyErr_SetString(PyExc_ValueError, "column of the wrong item size");
        return -1;
    }
    return 0;
}

enum { OK = 0, NOMEM = -1, TOOBIG = -2, IOERR = -3, DISAGREE = -4 };

/* spill_sizes(batch, window) -> the previous pair: for tests, which need many batches
 * and windows from a small trace. Collectors made after it use the new sizes. */
static PyObject *spill_sizes(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t batch, w;
    if (!PyArg_ParseTuple(args, "nn", &batch, &w)) return NULL;
    if (batch < 1 || w < 1) {
        PyErr_SetString(PyExc_ValueError, "sizes must be positive");
        return NULL;
    }
    PyObject *old = Py_BuildValue("(nn)", (Py_ssize_t)spill_at, (Py_ssize_t)window);
    spill_at = (size_t)batch;
    window = (size_t)w;
    return old;
}

#ifndef _WIN32
/* The whole of [buf, buf + len) to or from fd at off (-1 with errno on failure; a short
 * read is EIO: a spill file is never shorter than what was written to it). */
static int write_all(int fd, const void *buf, size_t len, size_t off) {
    const char *p = buf;
    while (len) {
        ssize_t k = pwrite(fd, p, len, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k, len -= (size_t)k, off += (size_t)k;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len, size_t off) {
    char *p = buf;
    while (len) {
        ssize_t k = pread(fd, p, len, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (k == 0) errno = EIO;
            return -1;
        }
        p += k, len -= (size_t)k, off += (size_t)k;
    }
    return 0;
}
#else
#define ftruncate(fd, n) ((void)(fd), (void)(n), errno = ENOSYS, -1)
static int write_all(int fd, const void *buf, size_t len, size_t off) {
    (void)fd, (void)buf, (void)len, (void)off;
    errno = ENOSYS;
    return -1;
}

static int read_all(int fd, void *buf, size_t len, size_t off) {
    (void)fd, (void)buf, (void)len, (void)off;
    errno = ENOSYS;
    return -1;
}
#endif

/* Give back [off, off + len) of a scratch file already read for the last time: its pages,
 * dirty and never to be read again, go without being written to disk (Linux; elsewhere
 * the file is emptied at the end of its pass). A spilled load dirtied 2.7 GB of page
 * cache on a 111 MB trace, past the kernel's threshold for writing back, and the disk's
 * writes slowed whatever ran next. */
#if defined(__linux__)
#include <fcntl.h>
static void forget(int fd, size_t off, size_t len) {
    if (len) (void)fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}
#else
static void forget(int fd, size_t off, size_t len) {
    (void)fd, (void)off, (void)len;
}
#endif

/* What TOOBIG means to the caller: the model's row and interval indexes are int32. */
static void set_too_big(void) {
    PyErr_SetString(PyExc_OverflowError, "too many goroutine transitions for one model");
}

/* An error code as the Python exception it stands for (errno set for IOERR). */
static void set_error(int e) {
    if (e == NOMEM)
        PyErr_NoMemory();
    else if (e == TOOBIG)
        set_too_big();
    else if (e == IOERR)
        PyErr_SetFromErrno(PyExc_OSError);
    else if (e == DISAGREE)
        PyErr_SetString(PyExc_RuntimeError, "goroutine id map and rows disagree");
}

/* The intervals in memory appended to the spill file as one batch, column after
 * column; the memory is then reused for the next batch. */
static int flush_batch(Collector *c) {
    size_t n = c->iv[I_ROW].n;
    if (n == 0) return OK;
    if (vec_reserve(&c->batches, c->batches.n + 1) < 0) return NOMEM;
    size_t at = c->spill_bytes;
    for (int k = 0; k < N_IV; k++) {
        size_t len = n * iv_items[k];
        if (write_all(c->spill_fd, c->iv[k].p, len, at) < 0) return IOERR;
        at += len;
    }
    for (int k = 0; k < N_IV; k++) c->iv[k].n = 0;
    c->spill_bytes = at;
    PUSH(c->batches, int64_t, n);
    c->spilled += n;
    return OK;
}

/* Whether row column f is kept while reading: the last transition's P and stack, and
 * the count of transitions, serve only the intervals; CREATED and ID are made at the
 * end (the id map knows every row's id). Without the summary only what the intervals
 * read is kept: the open interval's start, state and reason, the P, stack and count. */
static int row_kept(const Collector *c, int f) {
    if (!c->summary)
        return f == R_ST || f == R_STATE || f == R_REASON || f == R_P || f == R_TS || f == R_CNT;
    return f != R_CREATED && f != R_ID && (c->intervals || (f != R_P && f != R_TS && f != R_CNT));
}

/* Add dur to row r's block time for reason. */
static int block_add(Collector *c, int32_t r, int32_t reason, int64_t dur) {
    BlockNode *b = (BlockNode *)c->blocks.p;
    int32_t *head = RI32(c, R_BLOCK);
    for (int32_t j = head[r]; j >= 0; j = b[j].next) {
        if (b[j].reason == reason) {
            b[j].ns += dur;
            return OK;
        }
    }
    if (c->blocks.n >= INT32_MAX) return TOOBIG;
    if (vec_reserve_growing(&c->blocks, c->blocks.n + 1) < 0) return NOMEM;
    b = (BlockNode *)c->blocks.p;
    int32_t j = (int32_t)c->blocks.n++;
    b[j].reason = reason;
    b[j].next = head[r];
    b[j].ns = dur;
    head[r] = j;
    return OK;
}

/* Close row r's open interval at en: account its time as Go's summarizer does
 * (a terminal state counts nothing) and keep it when intervals are wanted. */
static int close_row(Collector *c, int32_t r, int64_t en) {
    uint8_t s = STATE_OF(c, r);
    int32_t rs = RI32(c, R_REASON)[r];
    int64_t st = RI64(c, R_ST)[r];
    int terminal = s == G_NOT_EXIST || (s == G_WAITING && rs == c->forever);
    if (!terminal && c->summary) {
        int64_t dur = en - st;
        if (s == G_RUNNING) {
            RI64(c, R_EXEC)[r] += dur;
        } else if (s == G_RUNNABLE) {
            RI64(c, R_SCHED)[r] += dur;
        } else if (s == G_WAITING) {
            int e = block_add(c, r, rs, dur);
            if (e != OK) return e;
        }
    }
    if (!c->intervals) return OK;
    if (c->spilled + c->iv[I_ROW].n >= INT32_MAX) return TOOBIG;
    if (c->spill_fd >= 0 && (c->iv[I_ROW].n >= c->batch_max || c->iv[I_ROW].cap < c->batch_max)) {
        int e = flush_batch(c);
        if (e != OK) return e;
        for (int k = 0; k < N_IV; k++)
            if (c->iv[k].cap < c->batch_max && vec_realloc(&c->iv[k], c->batch_max) < 0) return NOMEM;
    }
    /* Room was made for the chunk (col_add) or for every row (col_goroutines), or for
     * the batch when spilling. */
    /* An exit is a zero-length mark at the time the goroutine ended. */
    PUSH(c->iv[I_ROW], int32_t, r);
    PUSH(c->iv[I_START], int64_t, st - c->first);
    PUSH(c->iv[I_END], int64_t, (s == G_NOT_EXIST ? st : en) - c->first);
    PUSH(c->iv[I_STATE], uint8_t, s);
    PUSH(c->iv[I_REASON], int32_t, s == G_WAITING ? rs : 0);
    PUSH(c->iv[I_P], int32_t, s == G_RUNNING ? RI32(c, R_P)[r] : NONE);
    PUSH(c->iv[I_STACK], int32_t, RI32(c, R_TS)[r]);
    return OK;
}

/* One goroutine transition of row r, in stream order: Go's summarizer step. */
static int transition(Collector *c, int32_t r, int fresh, int64_t t, uint8_t frm, uint8_t to,
                      int32_t rs, int32_t p, int64_t g, int32_t stack, int32_t ts,
                      const uint8_t *named, size_t nnamed) {
    if (!fresh) {
        /* Woken: the wait ends in runnable or running (an exit or a reset is no wake). */
        if (c->summary && STATE_OF(c, r) == G_WAITING && RI32(c, R_REASON)[r] != c->forever &&
            (to == G_RUNNABLE || to == G_RUNNING) && wake_add(c, RI32(c, R_LSTACK)[r], t - c->first) < 0)
            return NOMEM;
        int e = close_row(c, r, t);
        if (e != OK) return e;
    }
    if (c->intervals) {
        int32_t *cnt = RI32(c, R_CNT);
        if (cnt[r] == INT32_MAX) return TOOBIG;
        cnt[r]++;
        RI32(c, R_P)[r] = p;
        RI32(c, R_TS)[r] = ts;
    }
    /* Undetermined: accounted from the last sync (Go's syncTs). */
    int64_t st = frm == G_UNDETERMINED ? c->sync : t;
    /* Only a row's last segment counts: one starts at its first transition and
     * at every transition out of NotExist/Undetermined. */
    if (!c->summary) { /* the intervals only: the open interval's start, state and reason */
        uint8_t *sp = (uint8_t *)c->row[R_STATE].p + r;
        *sp = to;
        RI32(c, R_REASON)[r] = rs;
        RI64(c, R_ST)[r] = st;
        return OK;
    }
    if (fresh || frm == G_UNDETERMINED || frm == G_NOT_EXIST) {
        int from_notexist = frm == G_NOT_EXIST;
        RI64(c, R_EXEC)[r] = 0;
        RI64(c, R_SCHED)[r] = 0;
        RI32(c, R_BLOCK)[r] = -1;
        RI64(c, R_START)[r] = NONE;
        RI64(c, R_ENDED)[r] = NONE;
        RI32(c, R_NSTACK)[r] = 0;
        uint8_t *flags = (uint8_t *)c->row[R_STATE].p + r;
        *flags = (uint8_t)((*flags & ~CREATED_BIT) | (from_notexist ? CREATED_BIT : 0));
        RI64(c, R_CREATOR)[r] = from_notexist ? g : NONE;
        RI32(c, R_CSTACK)[r] = from_notexist ? stack : 0;
        RI32(c, R_SSTACK)[r] = from_notexist ? ts : 0;
        RI64(c, R_FIRST)[r] = st - c->first;
    }
    int terminal = to == G_NOT_EXIST || (to == G_WAITING && rs == c->forever);
    if (to == G_RUNNING && RI64(c, R_START)[r] == NONE) RI64(c, R_START)[r] = t - c->first;
    if (terminal) RI64(c, R_ENDED)[r] = t - c->first;
    /* Go names a goroutine by the root function of its first transition stack
     * whose root function is not empty. */
    if (RI32(c, R_NSTACK)[r] == 0 && ts > 0 && (size_t)ts < nnamed && named[ts])
        RI32(c, R_NSTACK)[r] = ts;
    if (ts != 0) RI32(c, R_LSTACK)[r] = ts;
    uint8_t *sp = (uint8_t *)c->row[R_STATE].p + r;
    *sp = (uint8_t)((*sp & CREATED_BIT) | to);
    RI32(c, R_REASON)[r] = rs;
    RI64(c, R_ST)[r] = st;
    return OK;
}

/* One chunk's columns, as add() received them. */
typedef struct {
    size_t n;
    const int64_t *t, *res, *p, *g;
    const uint8_t *kind, *rk, *frm, *to, *named;
    const int32_t *name, *stack, *tstack;
    size_t nnamed;
} Chunk;

/* Run one chunk's events through the summary: OK, NOMEM or TOOBIG. Touches no
 * Python object, so add() runs it without the GIL: the reader orders the next
 * generation meanwhile. */
static int add_chunk(Collector *c, const Chunk *k) {
    size_t n = k->n;
    const int64_t *t = k->t, *res = k->res, *p = k->p, *g = k->g;
    const uint8_t *kind = k->kind, *rk = k->rk, *frm = k->frm, *to = k->to;
    const int32_t *name = k->name, *stack = k->stack, *tstack = k->tstack;
    if (c->seen == 0) c->first = c->sync = t[0];
    c->last = t[n - 1];
    /* An event closes at most one interval: room for the chunk's, once (untouched
     * capacity costs address space, not memory). */
    if (c->intervals && c->spill_fd < 0 && reserve_all(c->iv, N_IV, n) < 0) return NOMEM;
    int64_t last_id = 0;
    int32_t last_row = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t seq = c->seen + (int64_t)i;
        uint8_t ki = kind[i];
        if (ki == K_SYNC) {
            if (vec_reserve(&c->syncs, c->syncs.n + 1) < 0) return NOMEM;
            PUSH(c->syncs, int64_t, t[i]);
            c->sync = t[i];
        } else if (ki >= K_RANGE_BEGIN && ki <= K_RANGE_END) {
            if (reserve_all(c->rg, N_RG, 1) < 0) return NOMEM;
            PUSH(c->rg[RG_T], int64_t, t[i]);
            PUSH(c->rg[RG_KIND], uint8_t, ki);
            PUSH(c->rg[RG_NAME], int32_t, name[i]);
            PUSH(c->rg[RG_RES_KIND], uint8_t, rk[i]);
            PUSH(c->rg[RG_RES], int64_t, res[i]);
            PUSH(c->rg[RG_SEQ], int64_t, seq);
        }
        if (ki != K_STATE_TRANSITION) continue;
        if (rk[i] == R_PROC) {
            const int64_t *ids = (const int64_t *)c->proc_ids.p;
            size_t j = 0;
            while (j < c->proc_ids.n && ids[j] != res[i]) j++;
            if (j == c->proc_ids.n) {
                if (vec_reserve(&c->proc_ids, j + 1) < 0) return NOMEM;
                PUSH(c->proc_ids, int64_t, res[i]);
            }
            if (frm[i] != to[i]) {
                if (reserve_all(c->pr, N_PR, 1) < 0) return NOMEM;
                PUSH(c->pr[PR_T], int64_t, t[i]);
                PUSH(c->pr[PR_RES], int64_t, res[i]);
                PUSH(c->pr[PR_FRM], uint8_t, frm[i]);
                PUSH(c->pr[PR_TO], uint8_t, to[i]);
                PUSH(c->pr[PR_SEQ], int64_t, seq);
            }
            continue;
        }
        if (rk[i] != R_GOROUTINE || frm[i] == to[i]) continue;
        int fresh = 0;
        int32_t *slot = NULL;
        int32_t r = last_row;
        if (r < 0 || res[i] != last_id) {
            slot = rowmap_slot(&c->ids, res[i], c->row[R_STATE].n, &fresh);
            if (slot == NULL) return NOMEM;
            r = *slot;
        }
        if (fresh) {
            if (c->row[R_STATE].n >= INT32_MAX) return TOOBIG;
            r = (int32_t)c->row[R_STATE].n;
            for (int f = 0; f < N_R; f++) {
                if (!row_kept(c, f)) continue;
                if (vec_reserve_growing(&c->row[f], c->row[f].n + 1) < 0) return NOMEM;
                memset(c->row[f].p + c->row[f].n * c->row[f].item, 0, c->row[f].item);
                c->row[f].n++;
            }
            *slot = r;
        }
        last_id = res[i];
        last_row = r;
        if (c->summary && mark_used(c, tstack[i]) < 0) return NOMEM;
        int e = transition(c, r, fresh, t[i], frm[i], to[i], name[i], (int32_t)p[i], g[i],
                           stack[i], tstack[i], k->named, k->nnamed);
        if (e != OK) return e;
        if (c->summary && (frm[i] == G_SYSCALL || to[i] == G_SYSCALL)) {
            if (reserve_all(c->sys, N_SYS, 1) < 0) return NOMEM;
            PUSH(c->sys[SYS_T], int64_t, t[i]);
            PUSH(c->sys[SYS_RES], int64_t, res[i]);
            PUSH(c->sys[SYS_FRM], uint8_t, frm[i]);
            PUSH(c->sys[SYS_TO], uint8_t, to[i]);
            PUSH(c->sys[SYS_P], int64_t, p[i]);
            PUSH(c->sys[SYS_SEQ], int64_t, seq);
        }
    }
    c->seen += (int64_t)n;
    return OK;
}

/* add(time, kind, res_kind, res, frm, to, name, p, g, stack, tstack, forever,
 * named): run one chunk's events through the summary, keeping the side
 * columns as from_trace._Collector.add does. forever is the string id of
 * "forever" (-1 until interned); named[s] says stack s's root frame names a
 * function, for every stack interned so far. The buffers stay held (their
 * owners cannot resize them) while the GIL is released. */
static PyObject *col_add(PyObject *self, PyObject *args) {
    Collector *c = (Collector *)self;
    enum { A_T, A_KIND, A_RES_KIND, A_RES, A_FRM, A_TO, A_NAME, A_P, A_G, A_STACK, A_TSTACK, N_A };
    static const Py_ssize_t items[N_A] = {8, 1, 1, 8, 1, 1, 4, 8, 8, 4, 4};
    PyObject *o[N_A], *no;
    int forever;
    if (col_busy(c)) return NULL;
    if (c->done) {
        PyErr_SetString(PyExc_RuntimeError, "the collector was already summarized");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOiO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &o[8], &o[9], &o[10], &forever, &no))
        return NULL;
    Py_buffer b[N_A], nb;
    int nbufs = 0, have_named = 0;
    PyObject *result = NULL;
    for (; nbufs < N_A; nbufs++)
        if (get_buf(o[nbufs], &b[nbufs], items[nbufs]) < 0) goto done;
    if (get_buf(no, &nb, 1) < 0) goto done;
    have_named = 1;
    size_t n = (size_t)(b[A_T].len / 8);
    for (int k = 0; k < N_A; k++) {
        if ((size_t)(b[k].len / items[k]) != n) {
            PyErr_SetString(PyExc_ValueError, "columns of different lengths");
            goto done;
        }
    }
    c->forever = forever;
    if (n == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Chunk chunk = {
        .n = n, .t = b[A_T].buf, .res = b[A_RES].buf, .p = b[A_P].buf, .g = b[A_G].buf,
        .kind = b[A_KIND].buf, .rk = b[A_RES_KIND].buf, .frm = b[A_FRM].buf, .to = b[A_TO].buf,
        .named = nb.buf, .name = b[A_NAME].buf, .stack = b[A_STACK].buf,
        .tstack = b[A_TSTACK].buf, .nnamed = (size_t)nb.len,
    };
    int e;
    c->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    e = add_chunk(c, &chunk);
    Py_END_ALLOW_THREADS
    c->busy = 0;
    if (e != OK)
        set_error(e);
    else
        result = Py_NewRef(Py_None);
done:
    for (int k = 0; k < nbufs; k++) PyBuffer_Release(&b[k]);
    if (have_named) PyBuffer_Release(&nb);
    return result;
}

/* A tuple of the vectors' memory as Bufs (the vectors are emptied). */
static PyObject *take_tuple(Vec *v, int n) {
    PyObject *t = PyTuple_New(n);
    if (t == NULL) return NULL;
    for (int k = 0; k < n; k++) {
        PyObject *b = vec_take(&v[k]);
        if (b == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, k, b);
    }
    return t;
}

/* side() -> (first, last, seen, syncs, sys columns, proc columns, range
 * columns, proc ids, used transition stacks): everything but the goroutine
 * summary, handed over to Python. */
static PyObject *col_side(PyObject *self, PyObject *unused) {
    Collector *c = (Collector *)self;
    if (col_busy(c)) return NULL;
    PyObject *syncs = vec_take(&c->syncs);
    PyObject *sys = take_tuple(c->sys, N_SYS);
    PyObject *pr = take_tuple(c->pr, N_PR);
    PyObject *rg = take_tuple(c->rg, N_RG);
    PyObject *pids = vec_take(&c->proc_ids);
    Vec used = {NULL, 0, 0, 4};
    for (size_t s = 0; s < c->used_len; s++) {
        if (!c->used[s]) continue;
        if (vec_reserve(&used, used.n + 1) < 0) {
            vec_free(&used);
            PyErr_NoMemory();
            goto fail;
        }
        PUSH(used, int32_t, s);
    }
    PyObject *u = vec_take(&used);
    if (!syncs || !sys || !pr || !rg || !pids || !u) {
        Py_XDECREF(u);
        goto fail;
    }
    return Py_BuildValue("LLLNNNNNN", (long long)c->first, (long long)c->last,
                         (long long)c->seen, syncs, sys, pr, rg, pids, u);
fail:
    Py_XDECREF(syncs);
    Py_XDECREF(sys);
    Py_XDECREF(pr);
    Py_XDECREF(rg);
    Py_XDECREF(pids);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* goroutines                                                           */

typedef struct {
    uint64_t key;
    int32_t row;
} KeyRow;

/* Stable LSD radix sort of (key, row) pairs by key, 11 bits a pass. */
static int radix_sort(KeyRow *a, size_t n) {
    uint64_t all = 0;
    for (size_t i = 0; i < n; i++) all |= a[i].key;
    KeyRow *tmp = malloc((n ? n : 1) * sizeof(KeyRow));
    if (tmp == NULL) return -1;
    KeyRow *src = a, *dst = tmp;
    size_t count[2048];
    for (unsigned shift = 0; shift < 64 && (all >> shift); shift += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++) count[(src[i].key >> shift) & 2047]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t x = count[d];
            count[d] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++) dst[count[(src[i].key >> shift) & 2047]++] = src[i];
        KeyRow *x = src;
        src = dst;
        dst = x;
    }
    if (src != a) memcpy(a, src, n * sizeof(KeyRow));
    free(tmp);
    return 0;
}

/* *byrow_out[k] = the row with the k-th smallest id and ids[k] = that id, read off the
 * id map (one row an id): its direct table is in id order already (4 bytes an id, no
 * sort), and the ids it hashed (negative, sparse or huge ones: few, unless the trace's
 * ids come from elsewhere) are radix-sorted as (id, row) pairs, 16 bytes each twice,
 * and merged in. So the rows need no id column while the trace is read. When no id
 * was hashed (Go's own ids), the direct table becomes byrow in place: compacted, it is
 * byrow, and the map gives it up. -1: no memory, -2: map and rows disagree. */
#define SIGN_BIT ((uint64_t)1 << 63)
static int rows_by_id(RowMap *m, size_t n, int32_t **byrow_out, int64_t *ids) {
    if (m->hash.len == 0) {
        size_t k = 0;
        for (size_t v = 0; v < m->dcap && k < n; v++) {
            int32_t r = m->direct[v];
            if (r < 0) continue;
            ids[k] = (int64_t)v;
            m->direct[k++] = r; /* k <= v: nothing unread is overwritten */
        }
        if (k != n) return -2;
        *byrow_out = m->direct ? m->direct : malloc(sizeof(int32_t));
        m->direct = NULL;
        m->dcap = 0;
        return *byrow_out ? 0 : -1;
    }
    int32_t *byrow = *byrow_out = malloc((n ? n : 1) * sizeof(int32_t));
    if (byrow == NULL) return -1;
    size_t nh = m->hash.len, j = 0;
    KeyRow *kr = malloc((nh ? nh : 1) * sizeof(KeyRow));
    if (kr == NULL) return -1;
    for (size_t i = 0; i < m->hash.cap && j < nh; i++) {
        if (m->hash.val[i] < 0) continue;
        kr[j].key = (uint64_t)m->hash.key[i] ^ SIGN_BIT; /* signed order as unsigned */
        kr[j].row = m->hash.val[i];
        j++;
    }
    if (radix_sort(kr, j) < 0) {
        free(kr);
        return -1;
    }
    size_t h = 0, k = 0;
    for (size_t v = 0; v < m->dcap && k < n; v++) {
        int32_t r = m->direct[v];
        if (r < 0) continue;
        for (; h < j && (int64_t)(kr[h].key ^ SIGN_BIT) < (int64_t)v && k < n; h++, k++) {
            byrow[k] = kr[h].row;
            ids[k] = (int64_t)(kr[h].key ^ SIGN_BIT);
        }
        if (k == n) break;
        byrow[k] = r;
        ids[k++] = (int64_t)v;
    }
    for (; h < j && k < n; h++, k++) {
        byrow[k] = kr[h].row;
        ids[k] = (int64_t)(kr[h].key ^ SIGN_BIT);
    }
    free(kr);
    return k == n ? 0 : -2; /* else the map and the rows disagree: cannot happen */
}

/* Scatter a column into sorted order (out[pos[i]] = in[i]), into `into` when
 * given, else into new memory (NULL when out of it). The input's memory is
 * handed over through `spare` when given, else freed: already faulted in, it
 * is the next column's destination, which saves a third of the page faults. */
static void *scatter(Vec *in, const int32_t *pos, void *into, void **spare) {
    size_t n = in->n, item = in->item;
    char *out = into != NULL ? into : column_alloc(n * item);
    if (out == NULL) return NULL;
    const char *src = in->p;
    if (item == 8) {
        for (size_t i = 0; i < n; i++) ((int64_t *)out)[pos[i]] = ((const int64_t *)src)[i];
    } else if (item == 4) {
        for (size_t i = 0; i < n; i++) ((int32_t *)out)[pos[i]] = ((const int32_t *)src)[i];
    } else {
        for (size_t i = 0; i < n; i++) ((uint8_t *)out)[pos[i]] = ((const uint8_t *)src)[i];
    }
    if (spare != NULL) {
        *spare = in->p;
        in->p = NULL;
    }
    vec_free(in);
    return out;
}

/* Column `in` put in id order in place: item k becomes item byrow[k], following the
 * permutation's cycles (`done`: a bitmap of n bits, cleared here). In place, for a
 * gathered copy would hold a second column of the biggest at the model's peak. */
#define GATHER_CYCLES(T)                                                     \
    do {                                                                     \
        T *a = (T *)in->p;                                                   \
        for (size_t k = 0; k < n; k++) {                                     \
            if (done[k >> 6] >> (k & 63) & 1) continue;                      \
            T first = a[k];                                                  \
            size_t j = k;                                                    \
            for (;;) {                                                       \
                done[j >> 6] |= (uint64_t)1 << (j & 63);                     \
                size_t src = (size_t)byrow[j];                               \
                if (src == k) {                                              \
                    a[j] = first;                                            \
                    break;                                                   \
                }                                                            \
                a[j] = a[src];                                               \
                j = src;                                                     \
            }                                                                \
        }                                                                    \
    } while (0)

static void gather(Vec *in, const int32_t *byrow, size_t n, uint64_t *done) {
    memset(done, 0, ((n + 63) / 64) * sizeof(uint64_t));
    if (in->item == 8) {
        GATHER_CYCLES(int64_t);
    } else if (in->item == 4) {
        GATHER_CYCLES(int32_t);
    } else {
        GATHER_CYCLES(uint8_t);
    }
}

/* The end of a read, for goroutines() and ids(): every row's open interval closed at the
 * last event; the `nrows` ids in ascending order into `ids` and, for each final row, its
 * provisional row into *byrow; with intervals kept, c->remap (each provisional row's final
 * row) and c->starts (where each final row's intervals start) made for intervals(). OK,
 * NOMEM, TOOBIG, IOERR or DISAGREE. */
static int finish_rows(Collector *c, size_t nrows, int64_t *ids, int32_t **byrow) {
    if (c->intervals && c->spill_fd < 0 && reserve_all(c->iv, N_IV, nrows) < 0) return NOMEM;
    for (size_t r = 0; r < nrows; r++) {
        int e = close_row(c, (int32_t)r, c->last);
        if (e != OK) return e;
    }
    int e = rows_by_id(&c->ids, nrows, byrow, ids);
    if (e == -1) return NOMEM;
    if (e < 0) return DISAGREE;
    rowmap_free(&c->ids);
    if (!c->intervals) return OK;
    if (!(c->remap = malloc((nrows ? nrows : 1) * sizeof(int32_t))) ||
        !(c->starts = malloc((nrows + 1) * sizeof(int64_t))))
        return NOMEM;
    const int32_t *cnt = RI32(c, R_CNT), *by = *byrow;
    c->starts[0] = 0;
    for (size_t k = 0; k < nrows; k++) {
        c->remap[by[k]] = (int32_t)k;
        c->starts[k + 1] = c->starts[k] + cnt[by[k]];
    }
    c->nrows = nrows;
    return OK;
}

/* goroutines(root_names) -> (goroutine columns..., block_row, block_reason, block_ns,
 * wake_stack, wake_count, wake_last). root_names[s] is the string id of stack s's root function (0:
 * none). Closes every row's last interval at the last event and sorts the rows
 * by goroutine id. A collector made with intervals=True keeps its intervals for
 * intervals(); any other is consumed. */
static PyObject *col_goroutines(PyObject *self, PyObject *args) {
    Collector *c = (Collector *)self;
    PyObject *no;
    if (!PyArg_ParseTuple(args, "O", &no) || col_busy(c)) return NULL;
    if (c->done || !c->summary) {
        PyErr_SetString(PyExc_RuntimeError, c->done ? "the collector was already summarized"
                                                    : "a collector without the summary gives ids()");
        return NULL;
    }
    Py_buffer nb;
    if (get_buf(no, &nb, 4) < 0) return NULL;
    const int32_t *root = nb.buf;
    size_t nroot = (size_t)(nb.len / 4);
    size_t nrows = c->row[R_STATE].n;
    int64_t last = c->last;
    PyObject *result = NULL;
    int32_t *byrow = NULL;
    Vec wstack = {NULL, 0, 0, 4}, wcount = {NULL, 0, 0, 8}, wlast = {NULL, 0, 0, 8};
    int32_t *brow = NULL, *breason = NULL;
    int64_t *bns = NULL;
    size_t nbrows = 0;
    c->done = 1;

    /* Rows in goroutine id order, and the ids, from the id map. */
    int64_t *ids = (int64_t *)column_alloc(nrows * 8);
    if (ids == NULL) goto nomem;
    c->row[R_ID].p = (char *)ids;
    c->row[R_ID].n = c->row[R_ID].cap = nrows;
    int e = finish_rows(c, nrows, ids, &byrow);
    if (e != OK) {
        set_error(e);
        goto done;
    }
    int sorted = 1;
    for (size_t r = 0; r < nrows; r++) sorted &= byrow[r] == (int32_t)r;

    /* Block time by reason, in reason order, as np.unique leaves it: the nodes put in
     * (row, reason) order in place, each then saying its row where it said its next
     * node. In place, for a copy would hold the blocks twice at the model's peak. A node's place is first kept
     * in its next as -2 - place (below any link); nodes of a segment a later one
     * replaced are in no list, and go last, to be dropped. */
    BlockNode *bn = (BlockNode *)c->blocks.p;
    size_t nblocks = c->blocks.n;
    int32_t *head = RI32(c, R_BLOCK);
    size_t pos = 0;
    for (size_t k = 0; k < nrows; k++) {
        int32_t j = head[byrow[k]];
        size_t count = 0;
        while (j >= 0) {
            int32_t nxt = bn[j].next;
            bn[j].next = -2 - (int32_t)pos++;
            count++;
            j = nxt;
        }
        head[byrow[k]] = (int32_t)count; /* row k's count, for its row numbers */
    }
    size_t kept = pos;
    for (size_t i = 0; i < nblocks; i++)
        if (bn[i].next >= -1) bn[i].next = -2 - (int32_t)pos++;
    for (size_t i = 0; i < nblocks; i++) { /* each swap settles one node */
        while ((size_t)(-2 - (int64_t)bn[i].next) != i) {
            size_t d = (size_t)(-2 - (int64_t)bn[i].next);
            BlockNode x = bn[d];
            bn[d] = bn[i];
            bn[i] = x;
        }
    }
    c->blocks.n = kept;
    pos = 0;
    for (size_t k = 0; k < nrows; k++) {
        size_t count = (size_t)head[byrow[k]];
        BlockNode *seg = bn + pos;
        for (size_t i = 1; i < count; i++) { /* reasons are distinct within a row */
            BlockNode x = seg[i];
            size_t j = i;
            while (j > 0 && seg[j - 1].reason > x.reason) {
                seg[j] = seg[j - 1];
                j--;
            }
            seg[j] = x;
        }
        for (size_t i = 0; i < count; i++) seg[i].next = (int32_t)k;
        pos += count;
    }
    vec_free(&c->row[R_BLOCK]);
    /* The records as the model's three columns (contiguous, as numpy and the viewer's
     * shared memory want them), copied a stretch at a time while the pages of the
     * records already copied go back: the blocks are never held twice. */
    {
        size_t nb = c->blocks.n, released = 0;
        brow = (int32_t *)column_alloc(nb * 4);
        breason = (int32_t *)column_alloc(nb * 4);
        bns = (int64_t *)column_alloc(nb * 8);
        if (!brow || !breason || !bns) goto nomem;
        const BlockNode *rec = (const BlockNode *)c->blocks.p;
        for (size_t i = 0; i < nb; i++) {
            brow[i] = rec[i].next;
            breason[i] = rec[i].reason;
            bns[i] = rec[i].ns;
            if ((i & 0xFFFF) == 0xFFFF) release_read(rec, (i + 1) * sizeof(BlockNode), &released);
        }
        nbrows = nb;
        vec_free(&c->blocks);
    }

    vec_free(&c->row[R_CNT]);
    vec_free(&c->row[R_P]);
    vec_free(&c->row[R_TS]);

    /* The row columns in id order, one at a time, then as the model has them. */
    static const int OUT[] = {R_ID, R_NSTACK, R_STATE, R_REASON, R_ST, R_FIRST, R_CREATED,
                              R_START, R_ENDED, R_CREATOR, R_CSTACK, R_SSTACK, R_LSTACK,
                              R_EXEC, R_SCHED};
    enum { N_OUT = sizeof OUT / sizeof *OUT };
    if (!sorted) {
        uint64_t *done = malloc(((nrows + 63) / 64 + 1) * sizeof(uint64_t));
        if (done == NULL) goto nomem;
        for (int k = 0; k < N_OUT; k++)
            if (OUT[k] != R_CREATED && OUT[k] != R_ID) gather(&c->row[OUT[k]], byrow, nrows, done);
        free(done);
    }
    free(byrow);
    byrow = NULL;
    /* Creation times: FIRST where the segment began with the creation. */
    int64_t *created = (int64_t *)column_alloc(nrows * 8);
    if (created == NULL) goto nomem;
    c->row[R_CREATED].p = (char *)created;
    c->row[R_CREATED].n = c->row[R_CREATED].cap = nrows;
    uint8_t *state = (uint8_t *)c->row[R_STATE].p;
    const int64_t *firsts = RI64(c, R_FIRST);
    for (size_t k = 0; k < nrows; k++) {
        created[k] = state[k] & CREATED_BIT ? firsts[k] : NONE;
        state[k] &= (uint8_t)~CREATED_BIT;
    }
    int32_t *name = RI32(c, R_NSTACK), *reason = RI32(c, R_REASON);
    int64_t *wait = RI64(c, R_ST); /* becomes the time in the final state, in place */
    for (size_t k = 0; k < nrows; k++) {
        int32_t s = name[k];
        name[k] = s > 0 && (size_t)s < nroot ? root[s] : 0;
        if (state[k] != G_WAITING) reason[k] = 0;
        wait[k] = state[k] != G_NOT_EXIST ? last - wait[k] : NONE;
    }

    /* The wakes, stacks ascending, as from_trace._wakes leaves them. */
    for (size_t k = 0; k < c->wake_len; k++) {
        if (!c->wakes[k].n) continue;
        if (vec_reserve(&wstack, wstack.n + 1) < 0 || vec_reserve(&wcount, wcount.n + 1) < 0 ||
            vec_reserve(&wlast, wlast.n + 1) < 0)
            goto nomem;
        PUSH(wstack, int32_t, k);
        PUSH(wcount, int64_t, c->wakes[k].n);
        PUSH(wlast, int64_t, c->wakes[k].last);
    }

    result = PyTuple_New(N_OUT + 6);
    if (result == NULL) goto done;
    Py_ssize_t at = 0;
#define PUT(x)                                              \
    do {                                                    \
        PyObject *x_ = (x);                                 \
        if (x_ == NULL) {                                   \
            Py_CLEAR(result);                               \
            goto done;                                      \
        }                                                   \
        PyTuple_SET_ITEM(result, at++, x_);                 \
    } while (0)
    for (int k = 0; k < N_OUT; k++) {
        Vec *v = &c->row[OUT[k]];
        void *p = v->p;
        v->p = NULL;
        v->n = v->cap = 0;
        PUT(buf_wrap(p, (Py_ssize_t)(nrows * r_items[OUT[k]])));
    }
    PUT(buf_wrap((char *)brow, (Py_ssize_t)(nbrows * 4)));
    brow = NULL;
    PUT(buf_wrap((char *)breason, (Py_ssize_t)(nbrows * 4)));
    breason = NULL;
    PUT(buf_wrap((char *)bns, (Py_ssize_t)(nbrows * 8)));
    bns = NULL;
    PUT(vec_take(&wstack));
    PUT(vec_take(&wcount));
    PUT(vec_take(&wlast));
#undef PUT
    goto done;
nomem:
    PyErr_NoMemory();
done:
    free(byrow);
    free(brow);
    free(breason);
    free(bns);
    vec_free(&wstack);
    vec_free(&wcount);
    vec_free(&wlast);
    if (result == NULL || !c->intervals) /* else c->remap and c->starts stay for intervals() */
        col_free_all(c);
    PyBuffer_Release(&nb);
    return result;
}

/* ids() -> the goroutine ids, ascending, of a collector made with summary=False: closes
 * every row's last interval at the last event and readies intervals(), as goroutines()
 * does, without a summary column to make. */
static PyObject *col_ids(PyObject *self, PyObject *unused) {
    Collector *c = (Collector *)self;
    (void)unused;
    if (col_busy(c)) return NULL;
    if (c->done || c->summary) {
        PyErr_SetString(PyExc_RuntimeError, c->done ? "the collector was already summarized"
                                                    : "a collector with the summary gives goroutines()");
        return NULL;
    }
    c->done = 1;
    size_t nrows = c->row[R_STATE].n;
    int32_t *byrow = NULL;
    PyObject *result = NULL;
    int64_t *ids = (int64_t *)column_alloc(nrows * 8);
    int e = ids == NULL ? NOMEM : finish_rows(c, nrows, ids, &byrow);
    free(byrow);
    if (e != OK) {
        free(ids);
        set_error(e);
    } else {
        for (int k = 0; k < N_R; k++) vec_free(&c->row[k]);
        result = buf_wrap(ids, (Py_ssize_t)(nrows * 8)); /* its memory now, or freed */
    }
    if (result == NULL) col_free_all(c); /* else c->remap and c->starts stay for intervals() */
    return result;
}

/* One interval on its way through the partition file: its place in its window and
 * its columns but the row (which the rows' starts give). */
typedef struct {
    int64_t start, end;
    int32_t at, reason, p, stack;
    uint8_t state;
} Rec;

#define STAGE 1024 /* records gathered per window before each write */

/* The spilled intervals sorted by row into the caller's files: column k's items at
 * byte `off[k]` of `fd[k]` (the last, the rows' starts). An external counting sort
 * whose memory is a few columns of the rows and two windows, not the intervals:
 *  1. each batch is read back, each interval given its final position (the rows'
 *     cursors, as col_intervals does), and appended to its window's region of the
 *     partition file (a window is c->window positions; a small stage per window keeps
 *     the writes big);
 *  2. each window's region is read, its records scattered into the window's columns,
 *     and those written where they go;
 *  3. the row column is written from the rows' starts, then the starts.
 * The spill and partition files are emptied on the way (ftruncate). Runs without the
 * GIL; OK, NOMEM or IOERR. */
static int sort_spilled(Collector *c, const int *fd, const int64_t *off) {
    size_t nrows = c->nrows;
    const int64_t *starts = c->starts;
    const int32_t *remap = c->remap;
    int64_t *cursor = NULL, *fill = NULL;
    size_t *sn = NULL;
    Rec *stage = NULL, *recs = NULL;
    char *col[N_IV] = {NULL};
    int e = flush_batch(c);
    if (e != OK) return e;
    size_t n = c->spilled, nwin = (n + c->window - 1) / c->window;
    e = NOMEM;
    if (!(cursor = malloc((nrows ? nrows : 1) * sizeof(int64_t))) ||
        !(fill = calloc(nwin ? nwin : 1, sizeof(int64_t))) ||
        !(sn = calloc(nwin ? nwin : 1, sizeof(size_t))) ||
        !(stage = malloc((nwin ? nwin : 1) * STAGE * sizeof(Rec))))
        goto out;
    memcpy(cursor, starts, nrows * sizeof(int64_t));
    e = IOERR;
    size_t at = 0;
    for (size_t b = 0; b < c->batches.n; b++) {
        size_t m = (size_t)((int64_t *)c->batches.p)[b];
        size_t from = at;
        for (int k = 0; k < N_IV; k++) {
            if (read_all(c->spill_fd, c->iv[k].p, m * iv_items[k], at) < 0) goto out;
            at += m * iv_items[k];
        }
        forget(c->spill_fd, from, at - from);
        const int32_t *row = (const int32_t *)c->iv[I_ROW].p;
        const int64_t *st = (const int64_t *)c->iv[I_START].p, *en = (const int64_t *)c->iv[I_END].p;
        const uint8_t *state = (const uint8_t *)c->iv[I_STATE].p;
        const int32_t *reason = (const int32_t *)c->iv[I_REASON].p, *p = (const int32_t *)c->iv[I_P].p;
        const int32_t *stack = (const int32_t *)c->iv[I_STACK].p;
        for (size_t i = 0; i < m; i++) {
            size_t pos = (size_t)cursor[remap[row[i]]]++, w = pos / c->window;
            /* The rows' counts and their intervals disagree: never, but then no write past
             * the stage either. */
            if (pos >= n) {
                errno = EIO;
                goto out;
            }
            Rec *r = &stage[w * STAGE + sn[w]++];
            r->start = st[i];
            r->end = en[i];
            r->at = (int32_t)(pos - w * c->window);
            r->reason = reason[i];
            r->p = p[i];
            r->stack = stack[i];
            r->state = state[i];
            if (sn[w] == STAGE) {
                if (write_all(c->part_fd, &stage[w * STAGE], STAGE * sizeof(Rec),
                              (w * c->window + (size_t)fill[w]) * sizeof(Rec)) < 0)
                    goto out;
                fill[w] += STAGE;
                sn[w] = 0;
            }
        }
    }
    for (size_t w = 0; w < nwin; w++) {
        if (sn[w] && write_all(c->part_fd, &stage[w * STAGE], sn[w] * sizeof(Rec),
                               (w * c->window + (size_t)fill[w]) * sizeof(Rec)) < 0)
            goto out;
        fill[w] += (int64_t)sn[w];
    }
    free(stage);
    stage = NULL;
    free(cursor);
    cursor = NULL;
    for (int k = 0; k < N_IV; k++) vec_free(&c->iv[k]);
    if (ftruncate(c->spill_fd, 0) < 0) goto out;

    e = NOMEM;
    size_t win = n < c->window ? n : c->window;
    if (!(recs = malloc((win ? win : 1) * sizeof(Rec)))) goto out;
    for (int k = 0; k < N_IV; k++)
        if (!(col[k] = malloc((win ? win : 1) * iv_items[k]))) goto out;
    for (size_t w = 0; w < nwin; w++) {
        size_t base = w * c->window, m = n - base < c->window ? n - base : c->window;
        if ((size_t)fill[w] != m) { /* every position is taken once: the starts are the counts */
            errno = EIO;
            e = IOERR;
            goto out;
        }
        e = IOERR;
        if (read_all(c->part_fd, recs, m * sizeof(Rec), base * sizeof(Rec)) < 0) goto out;
        forget(c->part_fd, base * sizeof(Rec), m * sizeof(Rec));
        for (size_t i = 0; i < m; i++) {
            const Rec *r = &recs[i];
            size_t j = (size_t)r->at;
            ((int64_t *)col[I_START])[j] = r->start;
            ((int64_t *)col[I_END])[j] = r->end;
            ((uint8_t *)col[I_STATE])[j] = r->state;
            ((int32_t *)col[I_REASON])[j] = r->reason;
            ((int32_t *)col[I_P])[j] = r->p;
            ((int32_t *)col[I_STACK])[j] = r->stack;
        }
        for (int k = 0; k < N_IV; k++)
            if (k != I_ROW && write_all(fd[k], col[k], m * iv_items[k],
                                        (size_t)off[k] + base * iv_items[k]) < 0)
                goto out;
    }
    if (ftruncate(c->part_fd, 0) < 0) goto out;
    int32_t *rows = (int32_t *)col[I_ROW];
    size_t done = 0, k = 0;
    for (size_t r = 0; r < nrows; r++) {
        for (int64_t i = starts[r]; i < starts[r + 1]; i++) {
            rows[k++] = (int32_t)r;
            if (k == win) {
                if (write_all(fd[I_ROW], rows, k * 4, (size_t)off[I_ROW] + done * 4) < 0) goto out;
                done += k;
                k = 0;
            }
        }
    }
    if (k && write_all(fd[I_ROW], rows, k * 4, (size_t)off[I_ROW] + done * 4) < 0) goto out;
    if (write_all(fd[N_IV], starts, (nrows + 1) * sizeof(int64_t), (size_t)off[N_IV]) < 0) goto out;
    e = OK;
out:
    free(cursor);
    free(fill);
    free(sn);
    free(stage);
    free(recs);
    for (int k = 0; k < N_IV; k++) free(col[k]);
    return e;
}

/* intervals(out) with spill files: the intervals sorted into `out`, a (file descriptor,
 * byte offset) pair for each of (row, start, end, state, reason, p, stack, starts),
 * sized by the caller from counts(); returns None. */
static PyObject *col_intervals_into(Collector *c, PyObject *out) {
    int fd[N_IV + 1];
    int64_t off[N_IV + 1];
    PyObject *seq = PySequence_Fast(out, "out must be a sequence of (fd, offset) pairs");
    if (seq == NULL) return NULL;
    if (PySequence_Fast_GET_SIZE(seq) != N_IV + 1) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "out needs one (fd, offset) pair per interval column");
        return NULL;
    }
    for (int k = 0; k <= N_IV; k++) {
        long long o;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, k), "iL", &fd[k], &o)) {
            Py_DECREF(seq);
            return NULL;
        }
        if (fd[k] < 0 || o < 0) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "a negative file descriptor or offset");
            return NULL;
        }
        off[k] = (int64_t)o;
    }
    Py_DECREF(seq);
    int e;
    c->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    e = sort_spilled(c, fd, off);
    Py_END_ALLOW_THREADS
    c->busy = 0;
    col_free_all(c);
    if (e != OK) {
        set_error(e);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* counts() -> (intervals, rows): after goroutines(), on a collector keeping intervals,
 * what intervals() will give (spilled or not). */
static PyObject *col_counts(PyObject *self, PyObject *unused) {
    Collector *c = (Collector *)self;
    (void)unused;
    if (col_busy(c)) return NULL;
    if (!c->done || c->starts == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "counts() needs goroutines() first, on a collector that keeps intervals");
        return NULL;
    }
    return Py_BuildValue("(nn)", (Py_ssize_t)(c->spilled + c->iv[I_ROW].n), (Py_ssize_t)c->nrows);
}

/* intervals() -> (row, start, end, state, reason, p, stack, starts): the
 * intervals of a collector made with intervals=True, after goroutines(),
 * counting-sorted by row (within a row they closed in time order). Apart
 * from goroutines() so that the rows can be shown while this runs. */
static PyObject *col_intervals(PyObject *self, PyObject *args) {
    Collector *c = (Collector *)self;
    PyObject *out = Py_None;
    if (!PyArg_ParseTuple(args, "|O", &out) || col_busy(c)) return NULL;
    if (!c->done || c->starts == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "intervals() needs goroutines() or ids() first, on a collector that keeps them");
        return NULL;
    }
    if ((out == Py_None) != (c->spill_fd < 0)) {
        PyErr_SetString(PyExc_ValueError, c->spill_fd < 0 ? "intervals(out) needs spill files"
                                                          : "spilled intervals need intervals(out)");
        return NULL;
    }
    if (out != Py_None) return col_intervals_into(c, out);
    size_t nrows = c->nrows, n = c->iv[I_ROW].n;
    int64_t *starts = c->starts, *cursor = NULL;
    int32_t *remap = c->remap, *pos = NULL;
    void *ivc[N_IV] = {NULL};
    PyObject *result = NULL;
    c->starts = NULL;
    c->remap = NULL;
    /* Each interval's position replaces its row. */
    if (!(cursor = malloc((nrows ? nrows : 1) * sizeof(int64_t)))) goto nomem;
    memcpy(cursor, starts, nrows * sizeof(int64_t));
    pos = (int32_t *)c->iv[I_ROW].p;
    if (pos == NULL && !(pos = malloc(1))) goto nomem; /* no intervals */
    c->iv[I_ROW].p = NULL;
    c->iv[I_ROW].n = c->iv[I_ROW].cap = 0;
    for (size_t i = 0; i < n; i++) pos[i] = (int32_t)cursor[remap[pos[i]]]++;
    free(cursor);
    cursor = NULL;
    free(remap);
    remap = NULL;
    void *spare = NULL;
    if (!(ivc[I_START] = scatter(&c->iv[I_START], pos, NULL, &spare))) goto nomem;
    if (!(ivc[I_END] = scatter(&c->iv[I_END], pos, spare, NULL))) goto nomem;
    spare = NULL;
    if (!(ivc[I_STATE] = scatter(&c->iv[I_STATE], pos, NULL, NULL))) goto nomem;
    if (!(ivc[I_REASON] = scatter(&c->iv[I_REASON], pos, NULL, &spare))) goto nomem;
    if (!(ivc[I_P] = scatter(&c->iv[I_P], pos, spare, &spare))) goto nomem;
    if (!(ivc[I_STACK] = scatter(&c->iv[I_STACK], pos, spare, NULL))) goto nomem;
    /* The positions' memory becomes the interval row column. */
    for (size_t k = 0; k < nrows; k++)
        for (int64_t i = starts[k]; i < starts[k + 1]; i++) pos[i] = (int32_t)k;
    ivc[I_ROW] = pos;
    pos = NULL;
    result = PyTuple_New(N_IV + 1);
    if (result == NULL) goto done;
    for (int k = 0; k < N_IV; k++) {
        void *p = ivc[k];
        ivc[k] = NULL;
        PyObject *w = buf_wrap(p, (Py_ssize_t)(n * iv_items[k]));
        if (w == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyTuple_SET_ITEM(result, k, w);
    }
    PyObject *w = buf_wrap(starts, (Py_ssize_t)((nrows + 1) * 8));
    starts = NULL;
    if (w == NULL) {
        Py_CLEAR(result);
        goto done;
    }
    PyTuple_SET_ITEM(result, N_IV, w);
    goto done;
nomem:
    PyErr_NoMemory();
done:
    free(starts);
    free(cursor);
    free(remap);
    free(pos);
    for (int k = 0; k < N_IV; k++) free(ivc[k]);
    col_free_all(c);
    return result;
}

static PyMethodDef col_methods[] = {
    {"add", col_add, METH_VARARGS,
     "add(time, kind, res_kind, res, frm, to, name, p, g, stack, tstack, forever, named): "
     "summarize a chunk's events."},
    {"side", col_side, METH_NOARGS,
     "(first, last, seen, syncs, sys, proc, ranges, proc_ids, used_stacks) as Bufs."},
    {"goroutines", col_goroutines, METH_VARARGS,
     "goroutines(root_names): goroutine and block columns as Bufs."},
    {"intervals", col_intervals, METH_VARARGS,
     "intervals([out]): the interval columns as Bufs sorted by row (after goroutines()); "
     "with spill files, sorted into out's (fd, offset) pairs instead."},
    {"ids", col_ids, METH_NOARGS,
     "ids(): the goroutine ids, ascending, of a collector made with summary=False (it "
     "readies intervals())."},
    {"counts", col_counts, METH_NOARGS,
     "counts(): (intervals, rows) that intervals() will give (after goroutines())."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CollectorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gotrace.model._summary.Collector",
    .tp_basicsize = sizeof(Collector),
    .tp_dealloc = col_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Collector(intervals=True, spill=None): summarizes goroutines as chunks arrive; "
               "spill=(fd, fd) keeps the intervals in files, not memory.",
    .tp_methods = col_methods,
    .tp_init = col_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef module_methods[] = {
    {"spill_sizes", spill_sizes, METH_VARARGS,
     "spill_sizes(batch, window) -> the previous pair: intervals per spilled batch and per "
     "sorted window, for collectors made from now on (tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_summary", NULL, -1, module_methods};

static const Constant CONSTANTS[] = {
    CONSTANT(K_SYNC), CONSTANT(K_RANGE_BEGIN), CONSTANT(K_RANGE_END), CONSTANT(K_STATE_TRANSITION),
    CONSTANT(G_UNDETERMINED), CONSTANT(G_NOT_EXIST), CONSTANT(G_RUNNABLE), CONSTANT(G_RUNNING),
    CONSTANT(G_WAITING), CONSTANT(G_SYSCALL), CONSTANT(R_GOROUTINE), CONSTANT(R_PROC),
    CONSTANT(NONE),
};

PyMODINIT_FUNC PyInit__summary(void) {
    if (PyType_Ready(&BufType) < 0 || PyType_Ready(&CollectorType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Collector", (PyObject *)&CollectorType) < 0
        || module_export(m, CONSTANTS, sizeof CONSTANTS / sizeof *CONSTANTS) == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
