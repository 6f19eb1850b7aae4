/* C twin of from_trace.py's goroutine summary.
 *
 * from_trace.py states the algorithm with numpy (collect goroutine transitions,
 * stable-sort them by goroutine, derive Go's summarizer facts per row); this
 * file runs the same algorithm as plain loops, because the numpy version needs
 * a dozen full-length temporaries and the per-row facts are sequential by
 * nature. A Collector keeps only what the model needs from each chunk:
 * goroutine transitions in narrow columns (the creating goroutine and the `go`
 * statement's stack only where a row's segment starts, tracked on the way),
 * and the small side columns (syncs, syscall and P transitions, ranges) that
 * stay in Python. goroutines() then counting-sorts the transitions by row,
 * freeing each unsorted column as soon as it is scattered, and makes one pass
 * per row; the sorted columns become the Intervals table in place.
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

/* ------------------------------------------------------------------ */
/* Collector                                                            */

enum { GO_T, GO_ROW, GO_FRM, GO_TO, GO_REASON, GO_P, GO_TSTACK, N_GO };
enum { ROW_ID, ROW_CNT, ROW_SEG, ROW_G, ROW_STACK, N_ROW };
enum { SYS_T, SYS_RES, SYS_FRM, SYS_TO, SYS_P, SYS_SEQ, N_SYS };
enum { PR_T, PR_RES, PR_FRM, PR_TO, PR_SEQ, N_PR };
enum { RG_T, RG_KIND, RG_NAME, RG_RES_KIND, RG_RES, RG_SEQ, N_RG };

static const size_t go_items[N_GO] = {8, 4, 1, 1, 4, 4, 4};
static const size_t row_items[N_ROW] = {8, 4, 4, 8, 4};
static const size_t sys_items[N_SYS] = {8, 8, 1, 1, 8, 8};
static const size_t pr_items[N_PR] = {8, 8, 1, 1, 8};
static const size_t rg_items[N_RG] = {8, 1, 4, 1, 8, 8};

typedef struct {
    PyObject_HEAD
    /* Goroutine transitions in stream order (GO_ROW: provisional row). */
    Vec go[N_GO];
    /* Per provisional row: goroutine id, transitions, ordinal of the segment
     * start within the row, and the creating goroutine and `go` statement
     * stack of the transition that starts the segment. */
    Vec row[N_ROW];
    IdMap ids;
    Vec syncs, sys[N_SYS], pr[N_PR], rg[N_RG];
    Vec proc_ids; /* distinct, in order of appearance */
    uint8_t *used;  /* transition stacks seen, by id */
    size_t used_len;
    int64_t first, last, seen;
    int done;
} Collector;

static void col_free_all(Collector *c) {
    for (int k = 0; k < N_GO; k++) vec_free(&c->go[k]);
    for (int k = 0; k < N_ROW; k++) vec_free(&c->row[k]);
    for (int k = 0; k < N_SYS; k++) vec_free(&c->sys[k]);
    for (int k = 0; k < N_PR; k++) vec_free(&c->pr[k]);
    for (int k = 0; k < N_RG; k++) vec_free(&c->rg[k]);
    vec_free(&c->syncs);
    vec_free(&c->proc_ids);
    idmap_free(&c->ids);
    free(c->used);
    c->used = NULL;
    c->used_len = 0;
}

static int col_init(PyObject *self, PyObject *args, PyObject *kw) {
    Collector *c = (Collector *)self;
    if (!PyArg_ParseTuple(args, "")) return -1;
    col_free_all(c);
    for (int k = 0; k < N_GO; k++) c->go[k].item = go_items[k];
    for (int k = 0; k < N_ROW; k++) c->row[k].item = row_items[k];
    for (int k = 0; k < N_SYS; k++) c->sys[k].item = sys_items[k];
    for (int k = 0; k < N_PR; k++) c->pr[k].item = pr_items[k];
    for (int k = 0; k < N_RG; k++) c->rg[k].item = rg_items[k];
    c->syncs.item = 8;
    c->proc_ids.item = 8;
    if (idmap_init(&c->ids, 1024) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    c->first = c->last = c->seen = 0;
    c->done = 0;
    return 0;
}

static void col_dealloc(PyObject *self) {
    col_free_all((Collector *)self);
    Py_TYPE(self)->tp_free(self);
}

static int reserve_all(Vec *v, int n, size_t want) {
    for (int k = 0; k < n; k++)
        if (vec_reserve(&v[k], v[k].n + want) < 0) return -1;
    return 0;
}

static int mark_used(Collector *c, int32_t s) {
    if (s < 0) return 0;
    if ((size_t)s >= c->used_len) {
        size_t len = c->used_len ? c->used_len : 1024;
        while (len <= (size_t)s) len *= 2;
        uint8_t *u = realloc(c->used, len);
        if (u == NULL) return -1;
        memset(u + c->used_len, 0, len - c->used_len);
        c->used = u;
        c->used_len = len;
    }
    c->used[s] = 1;
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

/* add(time, kind, res_kind, res, frm, to, name, p, g, stack, tstack): keep one
 * chunk's events, as from_trace._Collector.add does. */
static PyObject *col_add(PyObject *self, PyObject *args) {
    Collector *c = (Collector *)self;
    enum { A_T, A_KIND, A_RES_KIND, A_RES, A_FRM, A_TO, A_NAME, A_P, A_G, A_STACK, A_TSTACK, N_A };
    static const Py_ssize_t items[N_A] = {8, 1, 1, 8, 1, 1, 4, 8, 8, 4, 4};
    PyObject *o[N_A];
    if (c->done) {
        PyErr_SetString(PyExc_RuntimeError, "the collector was already summarized");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &o[8], &o[9], &o[10]))
        return NULL;
    Py_buffer b[N_A];
    int nb = 0;
    PyObject *result = NULL;
    for (; nb < N_A; nb++)
        if (get_buf(o[nb], &b[nb], items[nb]) < 0) goto done;
    size_t n = (size_t)(b[A_T].len / 8);
    for (int k = 0; k < N_A; k++) {
        if ((size_t)(b[k].len / items[k]) != n) {
            PyErr_SetString(PyExc_ValueError, "columns of different lengths");
            goto done;
        }
    }
    if (n == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    const int64_t *t = b[A_T].buf, *res = b[A_RES].buf, *p = b[A_P].buf, *g = b[A_G].buf;
    const uint8_t *kind = b[A_KIND].buf, *rk = b[A_RES_KIND].buf, *frm = b[A_FRM].buf,
                  *to = b[A_TO].buf;
    const int32_t *name = b[A_NAME].buf, *stack = b[A_STACK].buf, *tstack = b[A_TSTACK].buf;
    if (c->seen == 0) c->first = t[0];
    c->last = t[n - 1];
    /* Room for every event to be a goroutine transition: untouched capacity
     * costs address space, not memory. */
    if (reserve_all(c->go, N_GO, n) < 0) goto nomem;
    int64_t last_id = 0;
    int32_t last_row = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t seq = c->seen + (int64_t)i;
        uint8_t k = kind[i];
        if (k == K_SYNC) {
            if (vec_reserve(&c->syncs, c->syncs.n + 1) < 0) goto nomem;
            PUSH(c->syncs, int64_t, t[i]);
        } else if (k >= K_RANGE_BEGIN && k <= K_RANGE_END) {
            if (reserve_all(c->rg, N_RG, 1) < 0) goto nomem;
            PUSH(c->rg[RG_T], int64_t, t[i]);
            PUSH(c->rg[RG_KIND], uint8_t, k);
            PUSH(c->rg[RG_NAME], int32_t, name[i]);
            PUSH(c->rg[RG_RES_KIND], uint8_t, rk[i]);
            PUSH(c->rg[RG_RES], int64_t, res[i]);
            PUSH(c->rg[RG_SEQ], int64_t, seq);
        }
        if (k != K_STATE_TRANSITION) continue;
        if (rk[i] == R_PROC) {
            const int64_t *ids = (const int64_t *)c->proc_ids.p;
            size_t j = 0;
            while (j < c->proc_ids.n && ids[j] != res[i]) j++;
            if (j == c->proc_ids.n) {
                if (vec_reserve(&c->proc_ids, j + 1) < 0) goto nomem;
                PUSH(c->proc_ids, int64_t, res[i]);
            }
            if (frm[i] != to[i]) {
                if (reserve_all(c->pr, N_PR, 1) < 0) goto nomem;
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
        Py_ssize_t slot = 0;
        int32_t r = last_row;
        if (r < 0 || res[i] != last_id) {
            slot = idmap_slot(&c->ids, res[i], &fresh);
            if (slot < 0) goto nomem;
            r = c->ids.val[slot];
        }
        if (fresh) {
            if (c->row[ROW_ID].n >= INT32_MAX) goto toobig;
            if (reserve_all(c->row, N_ROW, 1) < 0) goto nomem;
            r = (int32_t)c->row[ROW_ID].n;
            c->ids.val[slot] = r;
            PUSH(c->row[ROW_ID], int64_t, res[i]);
            PUSH(c->row[ROW_CNT], int32_t, 0);
            PUSH(c->row[ROW_SEG], int32_t, 0);
            PUSH(c->row[ROW_G], int64_t, g[i]);
            PUSH(c->row[ROW_STACK], int32_t, stack[i]);
        }
        last_id = res[i];
        last_row = r;
        int32_t *cnt = (int32_t *)c->row[ROW_CNT].p;
        if (cnt[r] == INT32_MAX || c->go[GO_T].n >= INT32_MAX) goto toobig;
        /* A transition out of NotExist/Undetermined starts a fresh segment. */
        if (frm[i] == G_UNDETERMINED || frm[i] == G_NOT_EXIST) {
            ((int32_t *)c->row[ROW_SEG].p)[r] = cnt[r];
            ((int64_t *)c->row[ROW_G].p)[r] = g[i];
            ((int32_t *)c->row[ROW_STACK].p)[r] = stack[i];
        }
        cnt[r]++;
        if (mark_used(c, tstack[i]) < 0) goto nomem;
        PUSH(c->go[GO_T], int64_t, t[i]);
        PUSH(c->go[GO_ROW], int32_t, r);
        PUSH(c->go[GO_FRM], uint8_t, frm[i]);
        PUSH(c->go[GO_TO], uint8_t, to[i]);
        PUSH(c->go[GO_REASON], int32_t, name[i]);
        PUSH(c->go[GO_P], int32_t, (int32_t)p[i]);
        PUSH(c->go[GO_TSTACK], int32_t, tstack[i]);
        if (frm[i] == G_SYSCALL || to[i] == G_SYSCALL) {
            if (reserve_all(c->sys, N_SYS, 1) < 0) goto nomem;
            PUSH(c->sys[SYS_T], int64_t, t[i]);
            PUSH(c->sys[SYS_RES], int64_t, res[i]);
            PUSH(c->sys[SYS_FRM], uint8_t, frm[i]);
            PUSH(c->sys[SYS_TO], uint8_t, to[i]);
            PUSH(c->sys[SYS_P], int64_t, p[i]);
            PUSH(c->sys[SYS_SEQ], int64_t, seq);
        }
    }
    c->seen += (int64_t)n;
    result = Py_NewRef(Py_None);
    goto done;
nomem:
    PyErr_NoMemory();
    goto done;
toobig:
    PyErr_SetString(PyExc_OverflowError, "too many goroutine transitions for one model");
done:
    for (int k = 0; k < nb; k++) PyBuffer_Release(&b[k]);
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
 * transitions, handed over to Python. */
static PyObject *col_side(PyObject *self, PyObject *unused) {
    Collector *c = (Collector *)self;
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

/* Go's syncTs: the last sync at or before t (the first sync if none). */
static int64_t sync_before(const int64_t *syncs, size_t n, int64_t t) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (syncs[mid] <= t) lo = mid + 1;
        else hi = mid;
    }
    return syncs[lo ? lo - 1 : 0];
}

typedef struct {
    int32_t reason;
    int64_t ns;
} Block;

enum {
    O_ID, O_NAME, O_STATE, O_REASON, O_SINCE, O_WAIT, O_FIRST, O_CREATED, O_START, O_ENDED,
    O_CREATOR, O_CSTACK, O_SSTACK, O_LSTACK, O_EXEC, O_SCHED, N_OUT
};
static const size_t out_items[N_OUT] = {8, 4, 1, 4, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 8, 8};

/* goroutines(syncs, first, last, forever_id, root_names) -> (goroutine
 * columns..., block_row, block_reason, block_ns, interval row, start, end,
 * state, reason, p, stack, starts). root_names[s] is the string id of stack
 * s's root function (0: none). The collector's transitions are consumed. */
static PyObject *col_goroutines(PyObject *self, PyObject *args) {
    Collector *c = (Collector *)self;
    PyObject *so, *no;
    long long first, last;
    int forever_id;
    if (!PyArg_ParseTuple(args, "OLLiO", &so, &first, &last, &forever_id, &no)) return NULL;
    if (c->done) {
        PyErr_SetString(PyExc_RuntimeError, "the collector was already summarized");
        return NULL;
    }
    Py_buffer sb, nb;
    if (get_buf(so, &sb, 8) < 0) return NULL;
    if (get_buf(no, &nb, 4) < 0) {
        PyBuffer_Release(&sb);
        return NULL;
    }
    const int64_t *syncs = sb.buf;
    size_t nsyncs = (size_t)(sb.len / 8);
    const int32_t *root = nb.buf;
    size_t nroot = (size_t)(nb.len / 4);
    size_t n = c->go[GO_T].n, nrows = c->row[ROW_ID].n;
    PyObject *result = NULL;
    KeyRow *kr = NULL;
    int32_t *remap = NULL, *byrow = NULL, *pos = NULL, *ireason = NULL, *ip = NULL;
    int32_t *istack = NULL;
    int64_t *starts = NULL, *cursor = NULL, *t = NULL, *end = NULL;
    uint8_t *frm = NULL, *to = NULL;
    void *out[N_OUT] = {NULL};
    Vec brow = {NULL, 0, 0, 4}, breason = {NULL, 0, 0, 4}, bns = {NULL, 0, 0, 8};
    Block *scratch = NULL;
    size_t nscratch = 0, capscratch = 0;
    if (n && nsyncs == 0) {
        PyErr_SetString(PyExc_ValueError, "no sync times");
        goto done;
    }
    c->done = 1;
    idmap_free(&c->ids);

    /* Rows in goroutine id order. */
    const int64_t *rid = (const int64_t *)c->row[ROW_ID].p;
    kr = malloc((nrows ? nrows : 1) * sizeof(KeyRow));
    remap = malloc((nrows ? nrows : 1) * sizeof(int32_t));
    byrow = malloc((nrows ? nrows : 1) * sizeof(int32_t));
    starts = malloc((nrows + 1) * sizeof(int64_t));
    if (!kr || !remap || !byrow || !starts) goto nomem;
    int64_t lo = 0;
    for (size_t r = 0; r < nrows; r++)
        if (r == 0 || rid[r] < lo) lo = rid[r];
    for (size_t r = 0; r < nrows; r++) {
        kr[r].key = (uint64_t)rid[r] - (uint64_t)lo;
        kr[r].row = (int32_t)r;
    }
    if (radix_sort(kr, nrows) < 0) goto nomem;
    for (size_t r = 0; r < nrows; r++) {
        byrow[r] = kr[r].row;
        remap[kr[r].row] = (int32_t)r;
    }
    free(kr);
    kr = NULL;
    const int32_t *cnt = (const int32_t *)c->row[ROW_CNT].p;
    starts[0] = 0;
    for (size_t r = 0; r < nrows; r++) starts[r + 1] = starts[r] + cnt[byrow[r]];

    /* Stable counting sort: each transition's position, in place of its row. */
    cursor = malloc((nrows ? nrows : 1) * sizeof(int64_t));
    if (!cursor) goto nomem;
    memcpy(cursor, starts, nrows * sizeof(int64_t));
    pos = (int32_t *)c->go[GO_ROW].p;
    if (pos == NULL && !(pos = malloc(1))) goto nomem; /* no transitions */
    for (size_t i = 0; i < n; i++) pos[i] = (int32_t)cursor[remap[pos[i]]]++;
    free(cursor);
    cursor = NULL;
    free(remap);
    remap = NULL;
    void *spare = NULL;
    if (!(t = scatter(&c->go[GO_T], pos, NULL, (void **)&end))) goto nomem;
    if (!(frm = scatter(&c->go[GO_FRM], pos, NULL, &spare))) goto nomem;
    if (!(to = scatter(&c->go[GO_TO], pos, spare, NULL))) goto nomem;
    spare = NULL;
    if (!(ireason = scatter(&c->go[GO_REASON], pos, NULL, &spare))) goto nomem;
    if (!(ip = scatter(&c->go[GO_P], pos, spare, &spare))) goto nomem;
    if (!(istack = scatter(&c->go[GO_TSTACK], pos, spare, NULL))) goto nomem;
    /* The positions' memory becomes the interval row column. */
    c->go[GO_ROW].p = NULL;
    c->go[GO_ROW].n = c->go[GO_ROW].cap = 0;
    for (size_t r = 0; r < nrows; r++)
        for (int64_t k = starts[r]; k < starts[r + 1]; k++) pos[k] = (int32_t)r;
    if (end == NULL && !(end = column_alloc(n * sizeof(int64_t)))) goto nomem;
    for (int k = 0; k < N_OUT; k++)
        if (!(out[k] = column_alloc(nrows * out_items[k]))) goto nomem;

    int64_t *o_id = out[O_ID], *o_since = out[O_SINCE], *o_wait = out[O_WAIT];
    int64_t *o_first = out[O_FIRST], *o_created = out[O_CREATED], *o_start = out[O_START];
    int64_t *o_ended = out[O_ENDED], *o_creator = out[O_CREATOR], *o_exec = out[O_EXEC];
    int64_t *o_sched = out[O_SCHED];
    int32_t *o_name = out[O_NAME], *o_reason = out[O_REASON], *o_cstack = out[O_CSTACK];
    int32_t *o_sstack = out[O_SSTACK], *o_lstack = out[O_LSTACK];
    uint8_t *o_state = out[O_STATE];
    const int32_t *seg = (const int32_t *)c->row[ROW_SEG].p;
    const int64_t *seg_g = (const int64_t *)c->row[ROW_G].p;
    const int32_t *seg_stack = (const int32_t *)c->row[ROW_STACK].p;

    for (size_t r = 0; r < nrows; r++) {
        int32_t pr = byrow[r];
        size_t a = (size_t)starts[r], b = (size_t)starts[r + 1], s0 = a + (size_t)seg[pr];
        int64_t exec = 0, sched = 0, start_ns = NONE, ended = NONE;
        int32_t name = 0, last_stack = 0;
        nscratch = 0;
        o_id[r] = rid[pr];
        for (size_t k = a; k < b; k++) {
            int64_t tk = t[k];
            uint8_t f = frm[k], s = to[k];
            int32_t rs = ireason[k], ts = istack[k];
            int64_t st = f == G_UNDETERMINED ? sync_before(syncs, nsyncs, tk) : tk;
            int64_t en = k + 1 < b ? t[k + 1] : last;
            int forever = s == G_WAITING && rs == forever_id;
            int terminal = s == G_NOT_EXIST || forever;
            int keep = k >= s0;
            if (keep && !terminal) {
                int64_t dur = en - st;
                if (s == G_RUNNING) {
                    exec += dur;
                } else if (s == G_RUNNABLE) {
                    sched += dur;
                } else if (s == G_WAITING) {
                    size_t j = 0;
                    while (j < nscratch && scratch[j].reason != rs) j++;
                    if (j == nscratch) {
                        if (nscratch == capscratch) {
                            size_t cap = capscratch ? capscratch * 2 : 16;
                            Block *q = realloc(scratch, cap * sizeof(Block));
                            if (!q) goto nomem;
                            scratch = q;
                            capscratch = cap;
                        }
                        scratch[nscratch].reason = rs;
                        scratch[nscratch].ns = 0;
                        nscratch++;
                    }
                    scratch[j].ns += dur;
                }
            }
            if (k == s0) {
                int from_notexist = f == G_NOT_EXIST;
                o_created[r] = from_notexist ? tk - first : NONE;
                o_creator[r] = from_notexist ? seg_g[pr] : NONE;
                o_cstack[r] = from_notexist ? seg_stack[pr] : 0;
                o_sstack[r] = from_notexist ? ts : 0;
                o_first[r] = st - first;
            }
            if (keep && s == G_RUNNING && start_ns == NONE) start_ns = tk - first;
            if (keep && terminal) ended = tk - first;
            if (keep && name == 0 && ts > 0 && (size_t)ts < nroot) name = root[ts];
            if (ts != 0) last_stack = ts;
            if (k + 1 == b) {
                o_state[r] = s;
                o_reason[r] = s == G_WAITING ? rs : 0;
                o_since[r] = st - first;
                o_wait[r] = s != G_NOT_EXIST ? (last - first) - (st - first) : NONE;
            }
            /* The interval this transition opens; an exit is a zero-length mark. */
            t[k] = st - first;
            end[k] = (s == G_NOT_EXIST ? st : en) - first;
            if (s != G_WAITING) ireason[k] = 0;
            if (s != G_RUNNING) ip[k] = NONE;
        }
        o_exec[r] = exec;
        o_sched[r] = sched;
        o_start[r] = start_ns;
        o_ended[r] = ended;
        o_name[r] = name;
        o_lstack[r] = last_stack;
        /* Block time by reason, in reason order, as np.unique leaves it. */
        for (size_t i = 1; i < nscratch; i++) {
            Block x = scratch[i];
            size_t j = i;
            while (j > 0 && scratch[j - 1].reason > x.reason) {
                scratch[j] = scratch[j - 1];
                j--;
            }
            scratch[j] = x;
        }
        if (vec_reserve(&brow, brow.n + nscratch) < 0 ||
            vec_reserve(&breason, breason.n + nscratch) < 0 ||
            vec_reserve(&bns, bns.n + nscratch) < 0)
            goto nomem;
        for (size_t i = 0; i < nscratch; i++) {
            PUSH(brow, int32_t, r);
            PUSH(breason, int32_t, scratch[i].reason);
            PUSH(bns, int64_t, scratch[i].ns);
        }
    }
    free(frm);
    frm = NULL;
    for (int k = 0; k < N_ROW; k++) vec_free(&c->row[k]);

    result = PyTuple_New(N_OUT + 3 + 8);
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
        void *p = out[k];
        out[k] = NULL;
        PUT(buf_wrap(p, (Py_ssize_t)(nrows * out_items[k])));
    }
    PUT(vec_take(&brow));
    PUT(vec_take(&breason));
    PUT(vec_take(&bns));
    void *cols[7] = {pos, t, end, to, ireason, ip, istack};
    static const size_t items[7] = {4, 8, 8, 1, 4, 4, 4};
    pos = NULL;
    t = end = NULL;
    to = NULL;
    ireason = ip = istack = NULL;
    for (int k = 0; k < 7; k++) {
        void *p = cols[k];
        cols[k] = NULL;
        if (p == NULL) {
            for (int j = k + 1; j < 7; j++) free(cols[j]);
            Py_CLEAR(result);
            goto done;
        }
        PyObject *w = buf_wrap(p, (Py_ssize_t)(n * items[k]));
        if (w == NULL) {
            for (int j = k + 1; j < 7; j++) free(cols[j]);
            Py_CLEAR(result);
            goto done;
        }
        PyTuple_SET_ITEM(result, at++, w);
    }
    PUT(buf_wrap(starts, (Py_ssize_t)((nrows + 1) * 8)));
    starts = NULL;
#undef PUT
    goto done;
nomem:
    PyErr_NoMemory();
done:
    free(kr);
    free(remap);
    free(byrow);
    free(starts);
    free(cursor);
    free(t);
    free(end);
    free(frm);
    free(to);
    free(ireason);
    free(ip);
    free(istack);
    if (pos != NULL && pos != (int32_t *)c->go[GO_ROW].p) free(pos);
    for (int k = 0; k < N_OUT; k++) free(out[k]);
    vec_free(&brow);
    vec_free(&breason);
    vec_free(&bns);
    free(scratch);
    if (c->done) col_free_all(c);
    PyBuffer_Release(&sb);
    PyBuffer_Release(&nb);
    return result;
}

static PyMethodDef col_methods[] = {
    {"add", col_add, METH_VARARGS,
     "add(time, kind, res_kind, res, frm, to, name, p, g, stack, tstack): keep a chunk's events."},
    {"side", col_side, METH_NOARGS,
     "(first, last, seen, syncs, sys, proc, ranges, proc_ids, used_stacks) as Bufs."},
    {"goroutines", col_goroutines, METH_VARARGS,
     "goroutines(syncs, first, last, forever_id, root_names): goroutine, block and interval "
     "columns as Bufs."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CollectorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gotrace.model._summary.Collector",
    .tp_basicsize = sizeof(Collector),
    .tp_dealloc = col_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Keeps the events the model needs from each chunk, then summarizes them.",
    .tp_methods = col_methods,
    .tp_init = col_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_summary", NULL, -1, NULL};

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
