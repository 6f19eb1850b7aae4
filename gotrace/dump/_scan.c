/* Fast path of the goroutine-dump reader: canonical debug=2 blocks in bulk.
 *
 * Most of a big dump is blocks the runtime printed plainly:
 *
 *     goroutine 123 [select, 5 minutes]:
 *     pkg.fn(0xc000123456, ...)
 *     \tfile.go:42 +0x1d
 *     created by pkg.start in goroutine 7
 *     \tfile.go:10 +0x2a
 *
 * and most blocks share a stack up to the argument values, pc offsets and the
 * creator's id. scan() walks the whole text once, accepts each block of
 * exactly that shape, and returns columns: id, header line, header key (the
 * bracket text, interned), body key (the stack block with arguments, offsets
 * and creator id masked, interned), creator id, block offset. Every distinct
 * header and body is then read once by the Python reader, which owns all
 * meaning; this file only decides "same text up to the masked parts". Lines
 * it does not accept (anything unusual) are returned as regions for the
 * Python reader, in file order, so the two paths give identical snapshots
 * (tests/dump/test_dump_accel.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define GOTRACE_BUF_NAME "gotrace.dump._scan.Buf"
#include "../_buffers.h"

#define INT64_MAX_U 9223372036854775807ULL

typedef struct {
    uint64_t *hash;
    int32_t *idx;   /* -1 empty */
    size_t cap;     /* power of two */
    size_t n;
    Vec off;        /* int64 pairs (start, len) into the key arena */
    Vec arena;      /* key bytes */
} Intern;

static int intern_init(Intern *t) {
    t->cap = 1024;
    t->n = 0;
    t->hash = malloc(t->cap * sizeof(uint64_t));
    t->idx = malloc(t->cap * sizeof(int32_t));
    t->off = (Vec){NULL, 0, 0, 2 * sizeof(int64_t)};
    t->arena = (Vec){NULL, 0, 0, 1};
    if (!t->hash || !t->idx) return -1;
    memset(t->idx, 0xff, t->cap * sizeof(int32_t));
    return 0;
}

static void intern_free(Intern *t) {
    free(t->hash);
    free(t->idx);
    vec_free(&t->off);
    vec_free(&t->arena);
}

/* A word at a time (the keys are most of a 100 MB dump's bytes): equal keys are
 * still compared byte by byte, the hash only spreads them over the table. */
static uint64_t hash_bytes(const char *p, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static int intern_grow(Intern *t) {
    size_t cap = t->cap * 2;
    uint64_t *hash = malloc(cap * sizeof(uint64_t));
    int32_t *idx = malloc(cap * sizeof(int32_t));
    if (!hash || !idx) {
        free(hash);
        free(idx);
        return -1;
    }
    memset(idx, 0xff, cap * sizeof(int32_t));
    for (size_t i = 0; i < t->cap; i++) {
        if (t->idx[i] < 0) continue;
        size_t j = t->hash[i] & (cap - 1);
        while (idx[j] >= 0) j = (j + 1) & (cap - 1);
        idx[j] = t->idx[i];
        hash[j] = t->hash[i];
    }
    free(t->hash);
    free(t->idx);
    t->hash = hash;
    t->idx = idx;
    t->cap = cap;
    return 0;
}

/* Index of key (p, n), adding it when new; -1 on memory failure. */
static int32_t intern(Intern *t, const char *p, size_t n) {
    uint64_t h = hash_bytes(p, n);
    size_t j = h & (t->cap - 1);
    int64_t *off = (int64_t *)t->off.p;
    while (t->idx[j] >= 0) {
        if (t->hash[j] == h) {
            int32_t k = t->idx[j];
            if ((size_t)off[2 * k + 1] == n && memcmp(t->arena.p + off[2 * k], p, n) == 0) return k;
        }
        j = (j + 1) & (t->cap - 1);
    }
    if (t->n >= INT32_MAX - 1) return -1;
    int32_t k = (int32_t)t->n;
    if (vec_reserve(&t->off, t->n + 1) < 0 || vec_reserve(&t->arena, t->arena.n + n) < 0) return -1;
    off = (int64_t *)t->off.p;
    off[2 * k] = (int64_t)t->arena.n;
    off[2 * k + 1] = (int64_t)n;
    memcpy(t->arena.p + t->arena.n, p, n);
    t->arena.n += n;
    t->off.n++;
    t->idx[j] = k;
    t->hash[j] = h;
    t->n++;
    if (t->n * 2 > t->cap && intern_grow(t) < 0) return -1;
    return k;
}

static PyObject *intern_keys(Intern *t) {
    PyObject *list = PyList_New((Py_ssize_t)t->n);
    if (list == NULL) return NULL;
    int64_t *off = (int64_t *)t->off.p;
    for (size_t k = 0; k < t->n; k++) {
        PyObject *b = PyBytes_FromStringAndSize(t->arena.p + off[2 * k], (Py_ssize_t)off[2 * k + 1]);
        if (b == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)k, b);
    }
    return list;
}

static int starts(const char *p, const char *end, const char *lit) {
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* Parse ASCII digits [p, q) into *out; 0 when empty, not digits or > int64. */
static int digits(const char *p, const char *q, int64_t *out) {
    if (p >= q || q - p > 19) return 0;
    uint64_t v = 0;
    for (; p < q; p++) {
        if (*p < '0' || *p > '9') return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > INT64_MAX_U) return 0;
    *out = (int64_t)v;
    return 1;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The high bit of each byte of w that is NUL, VT, FF, CR or not ASCII: a zero-byte
 * test and a range test (0x0a < b < 0x0e) done on eight bytes at once (the "haszero"
 * and "hasbetween" bit tricks; exact for bytes below 0x80, which the high bit covers). */
static inline uint64_t bad_bytes(uint64_t w) {
    uint64_t low7 = w & ~HIGHS;
    uint64_t zero = (w - ONES) & ~w & HIGHS;
    uint64_t between = ((ONES * (127 + 0x0e) - low7) & ~w & (low7 + ONES * (127 - 0x0a))) & HIGHS;
    return (w & HIGHS) | zero | between;
}

/* No byte the Python reader treats apart in [p, e): NUL, CR, VT, FF (str.split and
 * strip see them) or non-ASCII (decoded with replacement). Eight bytes at a time:
 * every line of a dump is checked, so this was most of the scan. */
static int clean(const char *p, const char *e) {
    uint64_t bad = 0;
    for (; e - p >= 8; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        bad |= bad_bytes(w);
    }
    if (p < e) {
        uint64_t w = 0x2020202020202020ULL; /* the tail, padded with spaces */
        memcpy(&w, p, (size_t)(e - p));
        bad |= bad_bytes(w);
    }
    return bad == 0;
}

/* A function line the Python reader reads as a plain frame head: not indented,
 * no trailing whitespace, not any other kind of line. */
static int plain_func_line(const char *p, const char *e) {
    if (p >= e) return 0;
    char c = *p;
    if (c == ' ' || c == '\t' || c == '.' || c == '[' || c == '-' || c == '{') return 0;
    char last = e[-1];
    if (last == ' ' || last == '\t' || last == '\r' || last == '\v' || last == '\f') return 0;
    if (starts(p, e, "goroutine") || starts(p, e, "created by ") || starts(p, e, "non-Go") ||
        starts(p, e, "panic: ") || starts(p, e, "fatal error: ") || starts(p, e, "SIG") ||
        starts(p, e, "runtime stack:") || starts(p, e, "PC=") || starts(p, e, "signal arrived"))
        return 0;
    return clean(p, e);
}

/* A file line: one tab, then a location not starting with whitespace. */
static int plain_file_line(const char *p, const char *e) {
    if (e - p < 2 || p[0] != '\t' || p[1] == ' ' || p[1] == '\t') return 0;
    if (starts(p + 1, e, "goroutine running on other thread")) return 0;
    char last = e[-1];
    if (last == ' ' || last == '\t' || last == '\r' || last == '\v' || last == '\f') return 0;
    return clean(p, e);
}

/* The first " +0x" in [p, e), found by its space (paths seldom hold one). */
static const char *find_offset(const char *p, const char *e) {
    while (p + 4 <= e) {
        const char *sp = memchr(p, ' ', (size_t)(e - p - 3));
        if (sp == NULL) return NULL;
        if (sp[1] == '+' && sp[2] == '0' && sp[3] == 'x') return sp;
        p = sp + 1;
    }
    return NULL;
}

static const char *rfind_sub(const char *p, const char *e, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(e - p) < n) return NULL;
    for (const char *q = e - n; q >= p; q--)
        if (*q == lit[0] && memcmp(q, lit, n) == 0) return q;
    return NULL;
}

typedef struct {
    char *p;
    size_t n, cap;
} Scratch;

static int put(Scratch *s, const char *p, size_t n) {
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->n + n + 1) cap *= 2;
        char *q = realloc(s->p, cap);
        if (q == NULL) return -1;
        s->p = q;
        s->cap = cap;
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
    return 0;
}

/* Try the block whose header line starts at p. On success fill the outputs
 * and return the end of its last line (after its newline); else NULL.
 * Masked key: each function line without its "(args)", each file line up to
 * " +0x", the creator line without " in goroutine N". */
static const char *block(const char *p, const char *end, Scratch *key, int64_t *gid,
                         const char **hdr, size_t *hdr_n, int64_t *parent, int64_t *nlines) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (e == NULL) return NULL;
    const char *q = p + 10; /* after "goroutine " */
    const char *d = q;
    while (d < e && *d >= '0' && *d <= '9') d++;
    if (!digits(q, d, gid)) return NULL;
    if (e - d < 4 || d[0] != ' ' || d[1] != '[' || e[-1] != ':') return NULL;
    unsigned char bad = 0;
    for (const char *c = d; c < e; c++) bad |= (unsigned char)((*c == '\r') | (*c == '\0'));
    if (bad) return NULL;
    *hdr = d + 2;
    *hdr_n = (size_t)(e - (d + 2));
    *parent = -1;
    key->n = 0;
    int64_t lines = 1;
    int frames = 0;
    int created = 0;
    p = e + 1;
    while (p < end && *p != '\n') {
        const char *le = memchr(p, '\n', (size_t)(end - p));
        if (le == NULL) return NULL; /* the last line has no newline: Python says so */
        if (starts(p, le, "goroutine ")) {
            /* the next header without a blank line; anything else so named is not plain */
            const char *s = p + 10;
            while (s < le && *s >= '0' && *s <= '9') s++;
            if (s == p + 10 || le - s < 2 || s[0] != ' ' || s[1] != '[') return NULL;
            break;
        }
        if (created) return NULL; /* anything after the creator: not plain */
        if (le > p && p[0] == '.') {
            /* "...N frames elided..." exactly */
            if (!starts(p, le, "...") || le - p < 22) return NULL;
            const char *s = p + 3;
            while (s < le && *s >= '0' && *s <= '9') s++;
            if (s == p + 3 || (size_t)(le - s) != strlen(" frames elided...") ||
                memcmp(s, " frames elided...", (size_t)(le - s)) != 0)
                return NULL;
            if (put(key, "E", 1) < 0 || put(key, p, (size_t)(le - p)) < 0 || put(key, "\n", 1) < 0)
                return (const char *)-1;
            lines++;
            p = le + 1;
            continue;
        }
        const char *fl = le + 1;
        if (fl >= end) return NULL;
        const char *fe = memchr(fl, '\n', (size_t)(end - fl));
        if (fe == NULL || !plain_file_line(fl, fe)) return NULL;
        const char *cut = find_offset(fl + 2, fe); /* Python: find(" +0x") > 0 */
        const char *loc_end = cut ? cut : fe;
        for (const char *c = fl; (c = memchr(c, ':', (size_t)(loc_end - c))) != NULL; c++) {
            const char *ds = c + 1;
            while (ds < loc_end && *ds >= '0' && *ds <= '9') ds++;
            if (ds - (c + 1) >= 10) return NULL; /* a line number Python must report */
        }
        if (starts(p, le, "created by ")) {
            const char *txt = p + 11;
            if (txt >= le) return NULL;
            char last = le[-1];
            if (last == ' ' || last == '\t') return NULL;
            if (!clean(txt, le)) return NULL;
            const char *in = rfind_sub(txt, le, " in goroutine ");
            const char *func_end = le;
            if (in != NULL && in > txt) {
                const char *ds = in + 14;
                int all = ds < le;
                for (const char *c = ds; c < le; c++)
                    if (*c < '0' || *c > '9') all = 0;
                if (all) {
                    if (!digits(ds, le, parent)) return NULL; /* too large: Python reports it */
                    func_end = in;
                }
            }
            if (put(key, "C", 1) < 0 || put(key, txt, (size_t)(func_end - txt)) < 0 ||
                put(key, "\n", 1) < 0 || put(key, fl, (size_t)(loc_end - fl)) < 0 ||
                put(key, "\n", 1) < 0)
                return (const char *)-1;
            created = 1;
        } else {
            if (!plain_func_line(p, le)) return NULL;
            const char *name_end = le;
            if (le[-1] == ')') {
                const char *k = le - 1;
                while (k > p && *k != '(') k--;
                if (k > p) name_end = k; /* rfind("(") > 0 */
            }
            if (put(key, "F", 1) < 0 || put(key, p, (size_t)(name_end - p)) < 0 ||
                put(key, name_end < le ? "(\n" : "\n", name_end < le ? 2 : 1) < 0 ||
                put(key, fl, (size_t)(loc_end - fl)) < 0 || put(key, "\n", 1) < 0)
                return (const char *)-1;
            frames++;
        }
        lines += 2;
        p = fe + 1;
    }
    if (frames == 0) return NULL;
    *nlines = lines;
    return p;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    const char *base = view.buf;
    const char *end = base + view.len;
    Vec gid = {NULL, 0, 0, 8}, line = {NULL, 0, 0, 8}, hdr = {NULL, 0, 0, 4}, body = {NULL, 0, 0, 4};
    Vec parent = {NULL, 0, 0, 8}, start = {NULL, 0, 0, 8}, regions = {NULL, 0, 0, 3 * 8};
    Vec nlines = {NULL, 0, 0, 8};
    Intern headers, bodies;
    Scratch key = {NULL, 0, 0};
    PyObject *result = NULL;
    int oom = 0;
    if (intern_init(&headers) < 0 || intern_init(&bodies) < 0) {
        oom = 1;
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    const char *p = base;
    int64_t lineno = 1;
    const char *region = NULL; /* start of the open region of other lines */
    int64_t region_line = 0;
    while (p < end) {
        int64_t g, par, nl;
        const char *h;
        size_t hn;
        const char *after = NULL;
        if (starts(p, end, "goroutine ")) after = block(p, end, &key, &g, &h, &hn, &par, &nl);
        if (after == (const char *)-1) {
            oom = 1;
            break;
        }
        if (after == NULL) {
            if (region == NULL) {
                region = p;
                region_line = lineno;
            }
            const char *le = memchr(p, '\n', (size_t)(end - p));
            p = le ? le + 1 : end;
            lineno++;
            continue;
        }
        int32_t hi = intern(&headers, h, hn);
        int32_t bi = intern(&bodies, key.p ? key.p : "", key.n);
        if (hi < 0 || bi < 0 || vec_reserve(&gid, gid.n + 1) < 0 || vec_reserve(&line, line.n + 1) < 0 ||
            vec_reserve(&hdr, hdr.n + 1) < 0 || vec_reserve(&body, body.n + 1) < 0 ||
            vec_reserve(&parent, parent.n + 1) < 0 || vec_reserve(&start, start.n + 1) < 0 ||
            vec_reserve(&regions, regions.n + 1) < 0 || vec_reserve(&nlines, nlines.n + 1) < 0) {
            oom = 1;
            break;
        }
        if (region != NULL) {
            int64_t *r = (int64_t *)regions.p + 3 * regions.n++;
            r[0] = region - base;
            r[1] = p - base;
            r[2] = (int64_t)gid.n; /* the region comes before this block */
            (void)region_line;
            region = NULL;
        }
        ((int64_t *)gid.p)[gid.n++] = g;
        ((int64_t *)line.p)[line.n++] = lineno;
        ((int32_t *)hdr.p)[hdr.n++] = hi;
        ((int32_t *)body.p)[body.n++] = bi;
        ((int64_t *)parent.p)[parent.n++] = par;
        ((int64_t *)start.p)[start.n++] = p - base;
        ((int64_t *)nlines.p)[nlines.n++] = nl;
        lineno += nl;
        p = after;
        /* blank lines between blocks belong to no region */
        while (p < end && *p == '\n') {
            p++;
            lineno++;
        }
    }
    if (!oom && region != NULL) {
        if (vec_reserve(&regions, regions.n + 1) < 0) {
            oom = 1;
        } else {
            int64_t *r = (int64_t *)regions.p + 3 * regions.n++;
            r[0] = region - base;
            r[1] = end - base;
            r[2] = (int64_t)gid.n;
        }
    }
    Py_END_ALLOW_THREADS
done:
    if (oom) {
        PyErr_NoMemory();
    } else {
        PyObject *hk = intern_keys(&headers);
        PyObject *bk = hk ? intern_keys(&bodies) : NULL;
        PyObject *bodies_first = NULL;
        if (bk) {
            /* offset of the first block with each body, to read it once */
            int64_t *first = column_alloc(bodies.n * sizeof(int64_t));
            if (first == NULL) {
                PyErr_NoMemory();
            } else {
                for (size_t k = 0; k < bodies.n; k++) first[k] = -1;
                for (size_t i = 0; i < body.n; i++) {
                    int32_t b = ((int32_t *)body.p)[i];
                    if (first[b] < 0) first[b] = (int64_t)i;
                }
                bodies_first = buf_wrap(first, (Py_ssize_t)(bodies.n * sizeof(int64_t)));
            }
        }
        if (hk && bk && bodies_first) {
            result = Py_BuildValue(
                "(NNNNNNNNNNN)", buf_wrap(gid.p, (Py_ssize_t)(gid.n * 8)),
                buf_wrap(line.p, (Py_ssize_t)(line.n * 8)), buf_wrap(hdr.p, (Py_ssize_t)(hdr.n * 4)),
                buf_wrap(body.p, (Py_ssize_t)(body.n * 4)), buf_wrap(parent.p, (Py_ssize_t)(parent.n * 8)),
                buf_wrap(start.p, (Py_ssize_t)(start.n * 8)),
                buf_wrap(regions.p, (Py_ssize_t)(regions.n * 24)), hk, bk, bodies_first,
                buf_wrap(nlines.p, (Py_ssize_t)(nlines.n * 8)));
            gid.p = line.p = hdr.p = body.p = parent.p = start.p = regions.p = nlines.p = NULL;
        } else {
            Py_XDECREF(hk);
            Py_XDECREF(bk);
            Py_XDECREF(bodies_first);
        }
    }
    vec_free(&gid);
    vec_free(&line);
    vec_free(&hdr);
    vec_free(&body);
    vec_free(&parent);
    vec_free(&start);
    vec_free(&regions);
    vec_free(&nlines);
    intern_free(&headers);
    intern_free(&bodies);
    free(key.p);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(data) -> (ids, lines, header_keys, body_keys, creators, starts, regions, headers, bodies, "
     "body_first, nlines): plain debug=2 blocks as columns; regions (start, end, before_block) of other lines."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scan", NULL, -1, methods};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&BufType) < 0) return NULL;
    return PyModule_Create(&module);
}
