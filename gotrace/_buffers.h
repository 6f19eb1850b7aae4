/* Shared by the C accelerators: memory handed to numpy without a copy, and the
 * constants each module exports.
 *
 * Buf owns malloc'd memory and exports it through the buffer protocol, so the
 * Python side wraps it with numpy.frombuffer; Vec is a growable array of
 * fixed-size items that becomes a Buf when done. Include after Python.h,
 * with GOTRACE_BUF_NAME defined as the type's qualified name.
 *
 * A module's C code needs the spec's numbers (event types, states, limits) as
 * compile-time constants, so it keeps its own copies; module_export() publishes
 * them as the module's `constants` dict (and Buf as `Buf`), and the tests hold
 * every copy equal to the Python spec.
 */
#ifndef GOTRACE_BUFFERS_H
#define GOTRACE_BUFFERS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Buf: malloc'd memory exported through the buffer protocol.          */

typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t len;
} BufObject;

static inline int buf_getbuffer(PyObject *self, Py_buffer *view, int flags) {
    BufObject *b = (BufObject *)self;
    return PyBuffer_FillInfo(view, self, b->data, b->len, 0, flags);
}

static inline void buf_dealloc(PyObject *self) {
    free(((BufObject *)self)->data);
    Py_TYPE(self)->tp_free(self);
}

static PyBufferProcs buf_as_buffer = {buf_getbuffer, NULL};

static PyTypeObject BufType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = GOTRACE_BUF_NAME,
    .tp_basicsize = sizeof(BufObject),
    .tp_dealloc = buf_dealloc,
    .tp_as_buffer = &buf_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Memory owned by a C accelerator, exported through the buffer protocol.",
};

/* Take ownership of data (len bytes) into a new Buf. */
static inline PyObject *buf_wrap(void *data, Py_ssize_t len) {
    if (data == NULL) data = malloc(1);
    if (data == NULL) return PyErr_NoMemory();
    BufObject *b = PyObject_New(BufObject, &BufType);
    if (b == NULL) {
        free(data);
        return NULL;
    }
    b->data = data;
    b->len = len;
    return (PyObject *)b;
}

/* malloc for a column (at least one byte, so that empty columns are not NULL). */
static inline void *column_alloc(size_t bytes) {
    return malloc(bytes ? bytes : 1);
}

/* A growable array of fixed-size items. */
typedef struct {
    char *p;
    size_t n, cap, item;
} Vec;

static inline int vec_realloc(Vec *v, size_t cap) {
    char *q = realloc(v->p, cap * v->item);
    if (q == NULL) return -1;
    v->p = q;
    v->cap = cap;
    return 0;
}

static inline size_t vec_next_cap(const Vec *v, size_t want) {
    size_t cap = v->cap ? v->cap : 1024;
    while (cap < want) cap += cap / 2 + 1024;
    return cap;
}

static inline int vec_reserve(Vec *v, size_t want) {
    if (want <= v->cap) return 0;
    return vec_realloc(v, vec_next_cap(v, want));
}

/* vec_reserve for a vector that grows through a whole load (a trace summary's rows and
 * intervals). Past VEC_MAPPED_FROM bytes it asks for at least VEC_MAPPED_MIN, above
 * glibc's highest dynamic mmap threshold (32 MiB): glibc then maps it on its own and
 * grows it with mremap, moving no bytes. Grown inside the heap instead, a vector that
 * outgrows its block moves and leaves the old block behind, a hole that stays resident:
 * 110 MB of them at the peak of reading a 110 MB trace. Capacity never written costs
 * address space, not memory. Not for short-lived vectors: mapped memory is new each
 * time (a page fault a page), where the heap hands back pages already touched. */
#define VEC_MAPPED_FROM ((size_t)1 << 20)
#define VEC_MAPPED_MIN ((size_t)33 << 20)

static inline int vec_reserve_growing(Vec *v, size_t want) {
    if (want <= v->cap) return 0;
    size_t cap = vec_next_cap(v, want);
    if (cap * v->item > VEC_MAPPED_FROM && cap * v->item < VEC_MAPPED_MIN)
        cap = (VEC_MAPPED_MIN + v->item - 1) / v->item;
    return vec_realloc(v, cap);
}

/* Give the OS back the whole pages of [p, p + upto) not given back before (those of
 * [p, p + *done)): memory a single pass has read for the last time. Its allocation
 * stays and is freed as usual; the pages read as zeros if anything looked back. A
 * no-op where there is no madvise. */
#if defined(__linux__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
static inline void release_read(const void *p, size_t upto, size_t *done) {
    static size_t page = 0;
    if (page == 0) page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t base = (uintptr_t)p;
    uintptr_t from = (base + *done + page - 1) / page * page;
    uintptr_t to = (base + upto) / page * page;
    if (to > from) {
        madvise((void *)from, to - from, MADV_DONTNEED);
        *done = to - base;
    }
}
#else
static inline void release_read(const void *p, size_t upto, size_t *done) {
    (void)p;
    (void)upto;
    (void)done;
}
#endif

/* Pages: the whole pages of an array read once each, in any order, given back to the OS as
 * soon as every item on them has been read (release_read's counterpart for a permutation's
 * reads). The partial pages at either end, shared with other memory, are kept. */
typedef struct {
    const char *base;
    size_t item, page, first; /* first: the index of base's page */
    uint32_t *left;     /* items of each page not read yet */
    size_t npages, len;
} Pages;

static inline int pages_init(Pages *g, const void *base, size_t len, size_t item) {
    memset(g, 0, sizeof *g);
#if defined(__linux__) || defined(__APPLE__)
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t b = (uintptr_t)base;
    g->page = page;
    g->base = base;
    g->item = item;
    g->len = len;
    g->first = b / page;
    g->npages = len ? (b + len - 1) / page - g->first + 1 : 0;
    g->left = calloc(g->npages ? g->npages : 1, sizeof(uint32_t));
    if (g->left == NULL) return -1;
    for (size_t k = 0; k < len / item; k++) g->left[(b + k * item) / page - g->first]++;
#else
    (void)base;
    (void)len;
    (void)item;
#endif
    return 0;
}

/* Item k has been read: its page goes back once all of its items have. -1: k was read
 * before (its page may be gone). */
static inline int pages_read(Pages *g, size_t k) {
#if defined(__linux__) || defined(__APPLE__)
    if (g->left == NULL) return 0;
    size_t page = g->page;
    uintptr_t at = (uintptr_t)g->base + k * g->item;
    size_t pg = at / page - g->first;
    if (g->left[pg] == 0) return -1;
    if (--g->left[pg] == 0) {
        uintptr_t from = at / page * page;
        if (from >= (uintptr_t)g->base && from + page <= (uintptr_t)g->base + g->len)
            madvise((void *)from, page, MADV_DONTNEED);
    }
#else
    (void)g;
    (void)k;
#endif
    return 0;
}

static inline void pages_free(Pages *g) {
    free(g->left);
    g->left = NULL;
}

static inline void vec_free(Vec *v) {
    free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}

/* The vector's memory as a Buf; the vector is left empty. */
static inline PyObject *vec_take(Vec *v) {
    char *p = v->p;
    size_t n = v->n;
    if (n && n < v->cap) {
        char *q = realloc(p, n * v->item);
        if (q != NULL) p = q;
    }
    v->p = NULL;
    v->n = v->cap = 0;
    return buf_wrap(p, (Py_ssize_t)(n * v->item));
}

/* ------------------------------------------------------------------ */
/* Constants a module exports.                                          */

typedef struct {
    const char *name;
    long long value;
} Constant;

#define CONSTANT(x) {#x, (long long)(x)}

/* Add Buf and a `constants` dict ({name: value} for each of the n constants) to
 * mod; the caller may add more entries (tables, strings) to the returned dict,
 * which is borrowed. NULL with an exception on failure. */
static inline PyObject *module_export(PyObject *mod, const Constant *c, size_t n) {
    if (PyModule_AddObjectRef(mod, "Buf", (PyObject *)&BufType) < 0) return NULL;
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *v = PyLong_FromLongLong(c[i].value);
        if (v == NULL || PyDict_SetItemString(d, c[i].name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    if (PyModule_AddObject(mod, "constants", d) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* d[name] = tuple of the n bytes in table (a C copy of one of the spec's maps). */
static inline int export_table(PyObject *d, const char *name, const uint8_t *table, size_t n) {
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    if (t == NULL) return -1;
    for (size_t i = 0; i < n; i++) {
        PyObject *v = PyLong_FromLong(table[i]);
        if (v == NULL) {
            Py_DECREF(t);
            return -1;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, v);
    }
    int rc = PyDict_SetItemString(d, name, t);
    Py_DECREF(t);
    return rc;
}

/* d[name] = tuple of the n strings in names. */
static inline int export_names(PyObject *d, const char *name, const char *const *names,
                               size_t n) {
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    if (t == NULL) return -1;
    for (size_t i = 0; i < n; i++) {
        PyObject *v = PyUnicode_FromString(names[i]);
        if (v == NULL) {
            Py_DECREF(t);
            return -1;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, v);
    }
    int rc = PyDict_SetItemString(d, name, t);
    Py_DECREF(t);
    return rc;
}

#endif
