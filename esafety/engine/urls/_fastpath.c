/* The Squid helper's optional compiled fast path for school-mode decisions.

   fastpath.py builds the tables from a Policy (`tables()`, pure Python) and hands them to
   build(); answer() then answers a batch of Squid request lines. Each line it can answer
   alone (a plain request: ASCII, no percent sign, an ordinary host and
   port, a person whose rules need no unblock, suspension or approved-sites list, no
   search terms on a search engine's host and no path safe search could rewrite there) gets exactly the answer, decision-log record and allowed count that
   helper.py's Python path gives; every other line is handed to `slow(line)`, the Python
   path itself, in order. The Python path stays the reference:
   tests/engine_urls/test_fastpath.py checks the two agree line by line.

   Only the stable ABI (Py_LIMITED_API, Python 3.10 and later), so one build (an .abi3.so)
   loads in any of those Python versions. */

#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#define Py_LIMITED_API 0x030A0000
#include <Python.h>
#include <limits.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef SOURCE_SHA256
#define SOURCE_SHA256 ""
#endif

#define MAX_FAST_LINE 2048
#define MAX_FAST_URL 1024
#define MAX_HOST 253

enum { USER = 0, REFUSED = 1, AUP = 2, FALLBACK = 3, UNKNOWN = 4, SIGNIN = 5 };
enum { F_WEB = 1, F_BLOCK = 2, F_ALLOW = 4 };

typedef struct { const char *p; Py_ssize_t n; } Str;

/* A string -> int table (open addressing, FNV-1a), built once from a Python dict or set:
   looking a host up needs no Python string, and a miss (most lookups) touches one slot. */
/* A slot: the key's hash, its value and the key itself when it has at most INLINE_KEY
   bytes (most host names), so that finding one reads one cache line; a longer key is in
   the arena (len LONG_KEY, its offset in key[0..3]). 32 bytes. */
#define INLINE_KEY 19
#define LONG_KEY 255
typedef struct {
    uint64_t hash;
    int32_t value;
    uint8_t len;
    char key[INLINE_KEY];
} Slot;
_Static_assert(sizeof(Slot) == 32, "a slot is 32 bytes");
typedef struct {
    Slot *slots;
    uint64_t mask;
    int shift; /* 64 - log2(number of slots): the slot index is the hash's top bits */
    /* For a large table, two bits a key in a small bit array (a Bloom filter): most
       lookups are of names not in it, and are answered without touching the table. */
    uint64_t *bloom;
    uint64_t bloom_mask;
    char *arena; /* each key longer than INLINE_KEY: its length (uint32), its bytes */
    size_t arena_n;
    /* Which key lengths it holds (bit n for n < 256; long_keys for any longer): a lookup
       of a length no key has (the host flags' few hosts, most of the time) stops here. */
    uint64_t lengths[4];
    int long_keys;
} Map;

/* A key's hash, eight bytes at a step (the tables are built and probed in the same
   process, so byte order does not matter), then murmur3's finaliser. */
static uint64_t fnv(const char *s, Py_ssize_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;
        for (Py_ssize_t i = 0; i < n; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h | 1; /* 0 marks an empty slot */
}

/* Zeroed memory; a large table in huge pages where the system allows it (fewer TLB
   misses: the domains' table is read at random, a few times a request). */
static void *table_alloc(size_t size) {
    const size_t huge = (size_t)2 << 20;
    if (size < huge) return calloc(1, size);
    size = (size + huge - 1) / huge * huge;
    void *p = NULL;
    if (posix_memalign(&p, huge, size) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE);
#endif
    memset(p, 0, size);
    return p;
}

static void map_free(Map *m) {
    free(m->bloom);
    free(m->slots);
    free(m->arena);
    memset(m, 0, sizeof *m);
}

/* Tables of more keys than this have a Bloom filter. */
#define BLOOM_MIN 2048

static inline int slot_is(const Map *m, const Slot *slot, const char *s, Py_ssize_t n) {
    if (n <= INLINE_KEY) return slot->len == n && memcmp(slot->key, s, (size_t)n) == 0;
    if (slot->len != LONG_KEY) return 0;
    uint32_t off, len;
    memcpy(&off, slot->key, sizeof off);
    memcpy(&len, m->arena + off, sizeof len);
    return len == (uint32_t)n && memcmp(m->arena + off + sizeof len, s, (size_t)n) == 0;
}

/* The value for s (whose fnv() is h), or `missing`. */
#define BLOOM_BIT(m, h, k) (((h) >> (k)) & (m)->bloom_mask)

static long map_get_h(const Map *m, const char *s, Py_ssize_t n, uint64_t h, long missing) {
    if (m->slots == NULL) return missing;
    if (n < 256 ? !(m->lengths[n >> 6] >> (n & 63) & 1) : !m->long_keys) return missing;
    if (m->bloom != NULL) {
        uint64_t a = BLOOM_BIT(m, h, 1), b = BLOOM_BIT(m, h, 33);
        if (!(m->bloom[a >> 6] >> (a & 63) & 1) || !(m->bloom[b >> 6] >> (b & 63) & 1))
            return missing;
    }
    for (uint64_t i = h >> m->shift;; i = (i + 1) & m->mask) {
        const Slot *slot = &m->slots[i];
        if (slot->hash == 0) return missing;
        if (slot->hash == h && slot_is(m, slot, s, n)) return slot->value;
    }
}

/* Ask for the memory a lookup of hash h will read, so that the lookups of a host's
   parent domains wait for memory together rather than one after another. */
static inline void map_prefetch(const Map *m, uint64_t h) {
    if (m->slots == NULL) return;
    if (m->bloom != NULL) {
        uint64_t a = BLOOM_BIT(m, h, 1), b = BLOOM_BIT(m, h, 33);
        __builtin_prefetch(&m->bloom[a >> 6]);
        __builtin_prefetch(&m->bloom[b >> 6]);
    }
    __builtin_prefetch(&m->slots[h >> m->shift]);
}

static long map_get(const Map *m, const char *s, Py_ssize_t n, long missing) {
    return map_get_h(m, s, n, fnv(s, n), missing);
}

static int map_put_h(Map *m, const char *s, Py_ssize_t n, uint64_t h, long value);

static int map_put(Map *m, const char *s, Py_ssize_t n, long value) {
    return map_put_h(m, s, n, fnv(s, n), value);
}

static int map_put_h(Map *m, const char *s, Py_ssize_t n, uint64_t h, long value) {
    for (uint64_t i = h >> m->shift;; i = (i + 1) & m->mask) {
        Slot *slot = &m->slots[i];
        if (slot->hash == h) {
            if (slot_is(m, slot, s, n)) {
                slot->value = (int32_t)value;
                return 0;
            }
        } else if (slot->hash == 0) {
            if (n <= INLINE_KEY) {
                slot->len = (uint8_t)n;
                memcpy(slot->key, s, (size_t)n);
            } else {
                size_t need = m->arena_n + sizeof(uint32_t) + (size_t)n;
                if (need > UINT32_MAX) {
                    PyErr_SetString(PyExc_ValueError, "fastpath tables: too large");
                    return -1;
                }
                uint32_t len = (uint32_t)n, off = (uint32_t)m->arena_n;
                memcpy(m->arena + m->arena_n, &len, sizeof len);
                memcpy(m->arena + m->arena_n + sizeof len, s, (size_t)n);
                slot->len = LONG_KEY;
                memcpy(slot->key, &off, sizeof off);
                m->arena_n = need;
            }
            slot->hash = h;
            if (n < 256)
                m->lengths[n >> 6] |= (uint64_t)1 << (n & 63);
            else
                m->long_keys = 1;
            if (m->bloom != NULL) {
                uint64_t a = BLOOM_BIT(m, h, 1), b = BLOOM_BIT(m, h, 33);
                m->bloom[a >> 6] |= (uint64_t)1 << (a & 63);
                m->bloom[b >> 6] |= (uint64_t)1 << (b & 63);
            }
            slot->value = (int32_t)value;
            return 0;
        }
    }
}

/* The slots (twice the keys, a power of two) and, for more than BLOOM_MIN keys, the Bloom
   filter of a Map that will hold `count` keys. The slots' NULL is checked by the caller
   with its arena's. */
static int map_size(Map *m, Py_ssize_t count) {
    uint64_t cap = 16;
    int bits = 4;
    while (cap < (uint64_t)count * 2 + 2) {
        cap *= 2;
        bits++;
    }
    m->mask = cap - 1;
    m->shift = 64 - bits;
    m->slots = table_alloc(cap * sizeof(Slot));
    if (count > BLOOM_MIN) { /* 16 or more bits a key: about 1 in 100 absent names gets past */
        uint64_t bloom_bits = 64;
        while (bloom_bits < (uint64_t)count * 16) bloom_bits *= 2;
        m->bloom = calloc(bloom_bits / 64, sizeof(uint64_t));
        if (m->bloom == NULL) { PyErr_NoMemory(); return -1; }
        m->bloom_mask = bloom_bits - 1;
    }
    return 0;
}

/* A Map of a dict {str: int} or, with `set`, of the strings of an iterable (value 1). */
static int map_build(Map *m, PyObject *from, int set) {
    Py_ssize_t count = PyObject_Size(from);
    if (count < 0 || map_size(m, count) < 0) return -1;
    size_t arena_cap = 4096;
    m->arena = malloc(arena_cap);
    if (m->slots == NULL || m->arena == NULL) { PyErr_NoMemory(); return -1; }
    PyObject *iter = NULL, *key, *v;
    Py_ssize_t pos = 0;
    if (set) {
        iter = PyObject_GetIter(from);
        if (iter == NULL) return -1;
    }
    for (;;) {
        long value = 1;
        if (set) {
            key = PyIter_Next(iter);
            if (key == NULL) break;
        } else {
            if (!PyDict_Next(from, &pos, &key, &v)) break;
            Py_INCREF(key);
            value = PyLong_AsLong(v);
        }
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(key, &n);
        if (s == NULL || PyErr_Occurred()) { Py_DECREF(key); Py_XDECREF(iter); return -1; }
        while (m->arena_n + sizeof(uint32_t) + (size_t)n > arena_cap) {
            char *p = realloc(m->arena, arena_cap * 2);
            if (p == NULL) { Py_DECREF(key); Py_XDECREF(iter); PyErr_NoMemory(); return -1; }
            m->arena = p;
            arena_cap *= 2;
        }
        int rc = map_put(m, s, n, value);
        Py_DECREF(key);
        if (rc) { Py_XDECREF(iter); return -1; }
    }
    Py_XDECREF(iter);
    return PyErr_Occurred() ? -1 : 0;
}

/* The lists' tables (built once per lists snapshot, shared by every policy). */
typedef struct { Map domains, urls, url_hosts; } ListsMaps;

static void lists_free(PyObject *capsule) {
    ListsMaps *l = (ListsMaps *)PyCapsule_GetPointer(capsule, "esafety.fastpath.lists");
    if (l == NULL) return;
    map_free(&l->domains);
    map_free(&l->urls);
    map_free(&l->url_hosts);
    free(l);
}

/* build_lists(domains, urls, url_hosts) -> a handle for build()'s tables. */
static PyObject *build_lists(PyObject *self, PyObject *args) {
    PyObject *domains, *urls, *url_hosts;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyDict_Type, &domains, &PyDict_Type, &urls,
                          &url_hosts))
        return NULL;
    ListsMaps *l = calloc(1, sizeof(ListsMaps));
    if (l == NULL) return PyErr_NoMemory();
    if (map_build(&l->domains, domains, 0) || map_build(&l->urls, urls, 0)
            || map_build(&l->url_hosts, url_hosts, 1)) {
        map_free(&l->domains);
        map_free(&l->urls);
        map_free(&l->url_hosts);
        free(l);
        return NULL;
    }
    PyObject *capsule = PyCapsule_New(l, "esafety.fastpath.lists", lists_free);
    if (capsule == NULL) {
        map_free(&l->domains);
        map_free(&l->urls);
        map_free(&l->url_hosts);
        free(l);
    }
    return capsule;
}

/* A Map of `count` keys joined by newlines (keys, kn bytes) with `values` (count
   little-endian uint32s; NULL: a set, value 1), as a format 2 snapshot holds them. */
static int map_build_flat(Map *m, const char *keys, Py_ssize_t kn, const char *values,
                          Py_ssize_t count) {
    if (map_size(m, count) < 0) return -1;
    /* Each key's length (4 bytes) in place of its newline: the arena's size is known. */
    m->arena = malloc((size_t)kn + 4 * (size_t)count + 4);
    if (m->slots == NULL || m->arena == NULL) { PyErr_NoMemory(); return -1; }
    /* Each key is hashed and its slot asked for AHEAD keys before it goes in, so that
       the table's memory is waited for many keys at a time. */
    enum { AHEAD = 16 };
    struct { const char *p; Py_ssize_t n; uint64_t h; long value; } ring[AHEAD];
    const char *s = keys, *end = keys + kn;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (s > end) goto bad;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (nl == NULL) nl = end;
        if ((nl == end) != (i == count - 1)) goto bad;
        long value = 1;
        if (values != NULL) {
            const unsigned char *v = (const unsigned char *)values + 4 * i;
            value = (long)((uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16
                           | (uint32_t)v[3] << 24);
            if (value > INT32_MAX) goto bad;
        }
        if (i >= AHEAD) {
            int k = (int)(i % AHEAD);
            if (map_put_h(m, ring[k].p, ring[k].n, ring[k].h, ring[k].value)) return -1;
        }
        int k = (int)(i % AHEAD);
        ring[k].p = s;
        ring[k].n = nl - s;
        ring[k].h = fnv(s, nl - s);
        ring[k].value = value;
        __builtin_prefetch(&m->slots[ring[k].h >> m->shift], 1);
        s = nl + 1;
    }
    for (Py_ssize_t i = count > AHEAD ? count - AHEAD : 0; i < count; i++) {
        int k = (int)(i % AHEAD);
        if (map_put_h(m, ring[k].p, ring[k].n, ring[k].h, ring[k].value)) return -1;
    }
    if (count == 0 ? kn != 0 : s != end + 1) goto bad;
    return 0;
bad:
    PyErr_SetString(PyExc_ValueError, "fastpath tables: a damaged flat table");
    return -1;
}

static const char *flat_section(PyObject *item, const char *data, Py_ssize_t n,
                                Py_ssize_t *len, Py_ssize_t *count) {
    Py_ssize_t offset;
    if (!PyArg_ParseTuple(item, "nnn", &offset, len, count)) return NULL;
    if (offset < 0 || *len < 0 || *count < 0 || offset > n || *len > n - offset) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: a section outside the file");
        return NULL;
    }
    return data + offset;
}

/* build_lists_flat(data, (domains keys, domains values, urls keys, urls values, url_hosts
   keys)), each section (offset, length, count): the same handle as build_lists, from a
   format 2 snapshot's bytes (snapshot.FlatTables). */
static PyObject *build_lists_flat(PyObject *self, PyObject *args) {
    PyObject *data, *sections;
    if (!PyArg_ParseTuple(args, "SO!", &data, &PyTuple_Type, &sections)) return NULL;
    if (PyTuple_Size(sections) != 5) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: five sections expected");
        return NULL;
    }
    char *base;
    Py_ssize_t n;
    if (PyBytes_AsStringAndSize(data, &base, &n) < 0) return NULL;
    const char *p[5];
    Py_ssize_t len[5], count[5];
    for (int i = 0; i < 5; i++) {
        p[i] = flat_section(PyTuple_GetItem(sections, i), base, n, &len[i], &count[i]);
        if (p[i] == NULL) return NULL;
    }
    if (len[1] != 4 * count[0] || count[1] != count[0] || len[3] != 4 * count[2]
            || count[3] != count[2]) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: values do not match keys");
        return NULL;
    }
    ListsMaps *l = calloc(1, sizeof(ListsMaps));
    if (l == NULL) return PyErr_NoMemory();
    PyObject *capsule = NULL;
    if (map_build_flat(&l->domains, p[0], len[0], p[1], count[0]) == 0
            && map_build_flat(&l->urls, p[2], len[2], p[3], count[2]) == 0
            && map_build_flat(&l->url_hosts, p[4], len[4], NULL, count[4]) == 0)
        capsule = PyCapsule_New(l, "esafety.fastpath.lists", lists_free);
    if (capsule == NULL) {
        map_free(&l->domains);
        map_free(&l->urls);
        map_free(&l->url_hosts);
        free(l);
    }
    return capsule;
}

/* lookup(lists, table, key) -> the value for key (str) in table 0 (domains), 1 (urls) or
   2 (url_hosts: 1), or -1: the Python path's lookups in the compiled copy of the tables
   (fastpath.Lookup). */
static PyObject *lookup(PyObject *self, PyObject *args) {
    PyObject *capsule, *key;
    int table;
    if (!PyArg_ParseTuple(args, "OiU", &capsule, &table, &key)) return NULL;
    ListsMaps *l = (ListsMaps *)PyCapsule_GetPointer(capsule, "esafety.fastpath.lists");
    if (l == NULL) return NULL;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(key, &n);
    if (s == NULL) { /* a lone surrogate: no list key holds one */
        PyErr_Clear();
        return PyLong_FromLong(-1);
    }
    const Map *m = table == 0 ? &l->domains : table == 1 ? &l->urls : &l->url_hosts;
    return PyLong_FromLong(map_get(m, s, n, -1));
}

typedef struct { char *p; size_t n, cap; } Buf;

typedef struct {
    PyObject *spec; /* keeps every object below alive */
    ListsMaps *lists;
    Map people, hostflags;
    PyObject *empty;
    int bare_labels, any_flags;
    Py_ssize_t ncombos;
    uint64_t *combo_rel;
    int *combo_first;
    Py_ssize_t ncats;
    PyObject **cat_name;
    Str *cat_q, *cat_json;
    int rel_to_cat[64];
    uint64_t statutory;
    Py_ssize_t ngroups;
    PyObject **group_name;
    Str *group_q, *group_json;
    uint64_t *g_always, *g_working, *g_safe;
    long anon_code, unknown_code;
    Py_ssize_t nliterals;
    Str *literals;
    uint8_t pairs[8192]; /* bit (a << 8 | b): some literal starts with the bytes a, b */
    int short_literal;   /* a literal of one byte: look for every literal in full */
    /* The lists' expressions: (category, its bit among the deciding ones or 0, the
       compiled pattern's search, its literals or None), tried as snapshot.py's match()
       tries them when one of `literals` is in the URL. */
    Py_ssize_t nexpr;
    PyObject *exprs;
    Str block_prefix, aup_prefix, signin_prefix, version_json;
    /* The allowed counts' keys made so far, (day, user, client, group, category) tuples
       found by their bytes (bounded: emptied when full or when the day changes). */
    Map keys;
    size_t keys_arena_cap;
    PyObject *key_list, *key_day;
    /* How many allowed requests each key in key_list has had since the counts were last
       handed to Python's dict (drain_counts), and which keys those are, in the order they
       were first counted (so the dict's keys come in the Python path's order). */
    long *key_count;
    Py_ssize_t *touched;
    Py_ssize_t ntouched;
    /* answer()'s buffers for answers and records, kept from one batch to the next (new
       memory for each batch costs page faults); `busy` while a batch uses them. */
    Buf keep_ans, keep_rec;
    int busy;
} Tables;

static int grow(Buf *b, size_t more) {
    if (b->n + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) { PyErr_NoMemory(); return -1; }
    b->p = p;
    b->cap = cap;
    return 0;
}

static int put(Buf *b, const char *s, Py_ssize_t n) {
    if (grow(b, (size_t)n)) return -1;
    memcpy(b->p + b->n, s, (size_t)n);
    b->n += (size_t)n;
    return 0;
}

#define PUTS(b, lit) put((b), (lit), (Py_ssize_t)(sizeof(lit) - 1))

static const char HEX[] = "0123456789ABCDEF";

static int is_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* urllib.parse.quote for ASCII text: letters, digits, "_.-~" and `safe` kept. */
static int put_quoted(Buf *b, const char *s, Py_ssize_t n, const char *safe) {
    if (grow(b, (size_t)n * 3)) return -1;
    char *o = b->p + b->n;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_alnum(c) || c == '_' || c == '.' || c == '-' || c == '~'
                || (c && strchr(safe, c) != NULL)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = HEX[c >> 4];
            *o++ = HEX[c & 15];
        }
    }
    b->n = (size_t)(o - b->p);
    return 0;
}

/* helper.py's _escape (the line holds no '%': those lines go to Python). */
static int put_escaped(Buf *b, const char *s, Py_ssize_t n) {
    if (grow(b, (size_t)n * 3)) return -1;
    char *o = b->p + b->n;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '%': case '&': case '#': case '+': case '"': case '\'': case '<': case '>':
        case '\\':
            *o++ = '%';
            *o++ = HEX[c >> 4];
            *o++ = HEX[c & 15];
            break;
        default:
            *o++ = (char)c;
        }
    }
    b->n = (size_t)(o - b->p);
    return 0;
}

/* A JSON string as json.dumps writes it, for printable ASCII (all a fast line holds). */
static int put_json(Buf *b, const char *s, Py_ssize_t n, int plain) {
    if (grow(b, (size_t)n * 2 + 2)) return -1;
    char *o = b->p + b->n;
    *o++ = '"';
    if (plain) { /* no '"' or '\\' in it: as it is */
        memcpy(o, s, (size_t)n);
        o[n] = '"';
        b->n += (size_t)n + 2;
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"' || c == '\\') *o++ = '\\';
        *o++ = c;
    }
    *o++ = '"';
    b->n = (size_t)(o - b->p);
    return 0;
}

/* ---- building the tables ---------------------------------------------------------- */

static void tables_free(Tables *t) {
    if (t == NULL) return;
    Py_XDECREF(t->spec);
    Py_XDECREF(t->empty);
    map_free(&t->people);
    map_free(&t->hostflags);
    map_free(&t->keys);
    Py_XDECREF(t->key_list);
    Py_XDECREF(t->key_day);
    free(t->key_count);
    free(t->touched);
    free(t->keep_ans.p);
    free(t->keep_rec.p);
    free(t->combo_rel);
    free(t->combo_first);
    free(t->cat_name);
    free(t->cat_q);
    free(t->cat_json);
    free(t->group_name);
    free(t->group_q);
    free(t->group_json);
    free(t->g_always);
    free(t->g_working);
    free(t->g_safe);
    free(t->literals);
    free(t);
}

static void capsule_free(PyObject *capsule) {
    tables_free((Tables *)PyCapsule_GetPointer(capsule, "esafety.fastpath.tables"));
}

static int get_bytes(PyObject *obj, Str *out) {
    char *p;
    Py_ssize_t n;
    if (PyBytes_AsStringAndSize(obj, &p, &n) < 0) return -1;
    out->p = p;
    out->n = n;
    return 0;
}

static int bytes_list(PyObject *list, Py_ssize_t n, Str **out) {
    if (!PyList_Check(list) || PyList_Size(list) != n) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: a list of the wrong length");
        return -1;
    }
    *out = calloc((size_t)(n ? n : 1), sizeof(Str));
    if (*out == NULL) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < n; i++)
        if (get_bytes(PyList_GetItem(list, i), &(*out)[i])) return -1;
    return 0;
}

static int u64_list(PyObject *list, Py_ssize_t n, uint64_t **out) {
    if (!PyList_Check(list) || PyList_Size(list) != n) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: a list of the wrong length");
        return -1;
    }
    *out = calloc((size_t)(n ? n : 1), sizeof(uint64_t));
    if (*out == NULL) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < n; i++) {
        (*out)[i] = PyLong_AsUnsignedLongLong(PyList_GetItem(list, i));
        if (PyErr_Occurred()) return -1;
    }
    return 0;
}

#define NSPEC 27
#define KEY_BITS 16
#define KEY_SLOTS (1 << KEY_BITS)

/* build(spec) -> an opaque handle for answer(). `spec` is fastpath.tables()'s tuple. */
static PyObject *build(PyObject *self, PyObject *args) {
    PyObject *spec;
    if (!PyArg_ParseTuple(args, "O!", &PyTuple_Type, &spec)) return NULL;
#ifdef __GLIBC__
    /* Each batch makes and frees a few blocks of a few hundred KB (the answers' bytes,
       the records' bytes, the spool's join): by default glibc maps and unmaps each, so
       every batch pays page faults for fresh zeroed memory. In the helper's process, keep
       such blocks in the heap for reuse instead (up to 64 MB free at its top). */
    static int malloc_tuned = 0;
    if (!malloc_tuned) {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        malloc_tuned = 1;
    }
#endif
    if (PyTuple_Size(spec) != NSPEC) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: wrong number of items");
        return NULL;
    }
    Tables *t = calloc(1, sizeof(Tables));
    if (t == NULL) return PyErr_NoMemory();
    Py_INCREF(spec);
    t->spec = spec;
#define ITEM(i) PyTuple_GetItem(spec, (i))
    t->lists = (ListsMaps *)PyCapsule_GetPointer(ITEM(0), "esafety.fastpath.lists");
    if (t->lists == NULL) goto fail;
    if (!PyDict_Check(ITEM(3)) || !PyDict_Check(ITEM(4))) {
        PyErr_SetString(PyExc_TypeError, "fastpath tables: dicts expected");
        goto fail;
    }
    if (map_build(&t->people, ITEM(3), 0) || map_build(&t->hostflags, ITEM(4), 0)) goto fail;
    t->any_flags = PyDict_Size(ITEM(4)) > 0;
    t->bare_labels = PyObject_IsTrue(ITEM(5));
    PyObject *combo_rel = ITEM(6), *combo_first = ITEM(7);
    t->ncombos = PyList_Size(combo_rel);
    if (t->ncombos < 0 || u64_list(combo_rel, t->ncombos, &t->combo_rel)) goto fail;
    if (!PyList_Check(combo_first) || PyList_Size(combo_first) != t->ncombos) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: combos");
        goto fail;
    }
    t->combo_first = calloc((size_t)(t->ncombos ? t->ncombos : 1), sizeof(int));
    if (t->combo_first == NULL) { PyErr_NoMemory(); goto fail; }
    for (Py_ssize_t i = 0; i < t->ncombos; i++) {
        long v = PyLong_AsLong(PyList_GetItem(combo_first, i));
        if (v == -1 && PyErr_Occurred()) goto fail;
        t->combo_first[i] = v < 0 ? INT_MAX : (int)v;
    }
    PyObject *cat_names = ITEM(8);
    t->ncats = PyList_Size(cat_names);
    if (t->ncats < 0) goto fail;
    t->cat_name = calloc((size_t)(t->ncats ? t->ncats : 1), sizeof(PyObject *));
    if (t->cat_name == NULL) { PyErr_NoMemory(); goto fail; }
    for (Py_ssize_t i = 0; i < t->ncats; i++) t->cat_name[i] = PyList_GetItem(cat_names, i);
    if (bytes_list(ITEM(9), t->ncats, &t->cat_q) || bytes_list(ITEM(10), t->ncats, &t->cat_json))
        goto fail;
    PyObject *rel = ITEM(11);
    Py_ssize_t nrel = PyList_Size(rel);
    if (nrel < 0 || nrel > 64) {
        PyErr_SetString(PyExc_ValueError, "fastpath tables: more than 64 categories decide");
        goto fail;
    }
    for (Py_ssize_t i = 0; i < nrel; i++) {
        long v = PyLong_AsLong(PyList_GetItem(rel, i));
        if (v < 0 || v >= t->ncats) {
            PyErr_SetString(PyExc_ValueError, "fastpath tables: category index");
            goto fail;
        }
        t->rel_to_cat[i] = (int)v;
    }
    t->statutory = PyLong_AsUnsignedLongLong(ITEM(12));
    if (PyErr_Occurred()) goto fail;
    PyObject *group_names = ITEM(13);
    t->ngroups = PyList_Size(group_names);
    if (t->ngroups < 0) goto fail;
    t->group_name = calloc((size_t)(t->ngroups ? t->ngroups : 1), sizeof(PyObject *));
    if (t->group_name == NULL) { PyErr_NoMemory(); goto fail; }
    for (Py_ssize_t i = 0; i < t->ngroups; i++)
        t->group_name[i] = PyList_GetItem(group_names, i);
    if (bytes_list(ITEM(14), t->ngroups, &t->group_q)
            || bytes_list(ITEM(15), t->ngroups, &t->group_json)
            || u64_list(ITEM(16), t->ngroups, &t->g_always)
            || u64_list(ITEM(17), t->ngroups, &t->g_working)
            || u64_list(ITEM(26), t->ngroups, &t->g_safe))
        goto fail;
    t->anon_code = PyLong_AsLong(ITEM(18));
    t->unknown_code = PyLong_AsLong(ITEM(19));
    if (PyErr_Occurred()) goto fail;
    t->nliterals = PyList_Size(ITEM(20));
    if (t->nliterals < 0 || bytes_list(ITEM(20), t->nliterals, &t->literals)) goto fail;
    for (Py_ssize_t i = 0; i < t->nliterals; i++) {
        if (t->literals[i].n < 2) {
            t->short_literal = 1;
            continue;
        }
        unsigned pair = (unsigned char)t->literals[i].p[0] << 8
                        | (unsigned char)t->literals[i].p[1];
        t->pairs[pair >> 3] |= (uint8_t)(1 << (pair & 7));
    }
    if (get_bytes(ITEM(21), &t->block_prefix) || get_bytes(ITEM(22), &t->aup_prefix)
            || get_bytes(ITEM(23), &t->signin_prefix) || get_bytes(ITEM(24), &t->version_json))
        goto fail;
    t->exprs = ITEM(25);
    if (!PyList_Check(t->exprs)) {
        PyErr_SetString(PyExc_TypeError, "fastpath tables: expressions");
        goto fail;
    }
    t->nexpr = PyList_Size(t->exprs);
#undef ITEM
    t->empty = PyUnicode_FromStringAndSize("", 0);
    if (t->empty == NULL) goto fail;
    t->key_list = PyList_New(0);
    t->keys.mask = KEY_SLOTS - 1;
    t->keys.shift = 64 - KEY_BITS;
    t->keys.slots = calloc(KEY_SLOTS, sizeof(Slot));
    t->keys_arena_cap = 1 << 22;
    t->keys.arena = malloc(t->keys_arena_cap);
    t->key_count = calloc(KEY_SLOTS / 2 + 1, sizeof(long));
    t->touched = malloc((KEY_SLOTS / 2 + 1) * sizeof(Py_ssize_t));
    if (t->key_list == NULL || t->keys.slots == NULL || t->keys.arena == NULL
            || t->key_count == NULL || t->touched == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto fail;
    }
    PyObject *capsule = PyCapsule_New(t, "esafety.fastpath.tables", capsule_free);
    if (capsule == NULL) goto fail;
    return capsule;
fail:
    tables_free(t);
    return NULL;
}

/* ---- one line ---------------------------------------------------------------------- */

typedef struct {
    Tables *t;
    int working;
    PyObject *records, *allowed, *day;
    Str t_json;
    Buf ans, rec;
    int plain; /* the line holds no '"' or '\\' (JSON strings of it need no escapes) */
} Batch;

static void add_combo(Tables *t, long c, uint64_t *rel, int *first) {
    if (c <= 0 || c >= t->ncombos) return;
    *rel |= t->combo_rel[c];
    if (t->combo_first[c] < *first) *first = t->combo_first[c];
}

static void lookup_url(Tables *t, const char *s, Py_ssize_t n, uint64_t *rel, int *first) {
    add_combo(t, map_get(&t->lists->urls, s, n, 0), rel, first);
}

static Py_ssize_t find(const char *s, Py_ssize_t n, char c, Py_ssize_t from) {
    for (Py_ssize_t i = from; i < n; i++)
        if (s[i] == c) return i;
    return -1;
}

static int first_rel_cat(Tables *t, uint64_t m) {
    int j = 0;
    while (!(m & 1)) { m >>= 1; j++; }
    return t->rel_to_cat[j];
}

static void keys_clear(Tables *t) {
    memset(t->keys.slots, 0, KEY_SLOTS * sizeof(Slot));
    t->keys.arena_n = 0;
    PyList_SetSlice(t->key_list, 0, PyList_Size(t->key_list), NULL);
}

/* Add the counts made in C since the last call to the allowed dict, in the order their
   keys were first counted, and zero them. Called before the keys are forgotten, before
   each line handed to the Python path (which counts in the dict itself) and at the end
   of each batch, so the dict ends up as the Python path would leave it, keys in the same
   order. Every count is zeroed even when adding one fails. */
static int drain_counts(Batch *b) {
    Tables *t = b->t;
    int rc = 0;
    for (Py_ssize_t i = 0; i < t->ntouched; i++) {
        Py_ssize_t at = t->touched[i];
        long add = t->key_count[at];
        t->key_count[at] = 0;
        if (rc || b->allowed == NULL) continue;
        PyObject *key = PyList_GetItem(t->key_list, at);
        PyObject *old = key ? PyDict_GetItemWithError(b->allowed, key) : NULL;
        long n = add;
        if (key == NULL || (old == NULL && PyErr_Occurred())) { rc = -1; continue; }
        if (old != NULL) {
            long was = PyLong_AsLong(old);
            if (was == -1 && PyErr_Occurred()) { rc = -1; continue; }
            n += was;
        }
        PyObject *value = PyLong_FromLong(n);
        if (value == NULL || PyDict_SetItem(b->allowed, key, value) < 0) rc = -1;
        Py_XDECREF(value);
    }
    t->ntouched = 0;
    return rc;
}

/* Count an allowed request: (day, user, client when no user, group, category) += 1, in
   C (key_count); drain_counts hands the counts to the dict. */
static int count_allowed(Batch *b, Str user, Str client, long gi, int cat) {
    Tables *t = b->t;
    if (b->allowed == NULL) return 0;
    if (t->key_day == NULL || PyUnicode_Compare(t->key_day, b->day) != 0) {
        if (PyErr_Occurred()) return -1;
        if (drain_counts(b)) return -1;
        keys_clear(t);
        PyObject *was = t->key_day;
        Py_INCREF(b->day);
        t->key_day = b->day;
        Py_XDECREF(was);
    }
    char kb[2 * MAX_FAST_LINE + 16];
    Py_ssize_t kn = 0;
    memcpy(kb, user.p, (size_t)user.n);
    kn = user.n;
    kb[kn++] = 0;
    if (!user.n) {
        memcpy(kb + kn, client.p, (size_t)client.n);
        kn += client.n;
    }
    kb[kn++] = 0;
    int32_t g = (int32_t)gi, c = cat;
    memcpy(kb + kn, &g, 4);
    memcpy(kb + kn + 4, &c, 4);
    kn += 8;
    uint64_t h = fnv(kb, kn);
    long at = map_get_h(&t->keys, kb, kn, h, -1);
    PyObject *key;
    if (at < 0) {
        PyObject *u = user.n ? PyUnicode_FromStringAndSize(user.p, user.n) : t->empty;
        PyObject *cl = user.n ? t->empty : PyUnicode_FromStringAndSize(client.p, client.n);
        key = (u && cl) ? PyTuple_Pack(5, b->day, u, cl, t->group_name[gi],
                                       cat == INT_MAX ? t->empty : t->cat_name[cat])
                        : NULL;
        if (user.n) Py_XDECREF(u); else Py_XDECREF(cl);
        if (key == NULL) return -1;
        if (PyList_Size(t->key_list) >= KEY_SLOTS / 2
                || t->keys.arena_n + sizeof(uint32_t) + (size_t)kn > t->keys_arena_cap) {
            if (drain_counts(b)) { Py_DECREF(key); return -1; }
            keys_clear(t);
        }
        at = (long)PyList_Size(t->key_list);
        if (map_put(&t->keys, kb, kn, at) < 0 || PyList_Append(t->key_list, key) < 0) {
            Py_DECREF(key);
            return -1;
        }
        Py_DECREF(key);
    }
    if (t->key_count[at]++ == 0) t->touched[t->ntouched++] = at;
    return 0;
}

/* The records written so far, as one bytes of JSON lines, onto the records list. */
static int flush_records(Batch *b) {
    if (b->records == NULL || b->rec.n == 0) return 0;
    PyObject *text = PyBytes_FromStringAndSize(b->rec.p, (Py_ssize_t)b->rec.n);
    if (text == NULL) return -1;
    b->rec.n = 0;
    int rc = PyList_Append(b->records, text);
    Py_DECREF(text);
    return rc;
}

/* The block page answer and its decision-log record. cat/group < 0: none. */
static int block(Batch *b, Str channel, Str url, Str user, Str client, const char *host,
                 Py_ssize_t hn, int cat, long gi, const char *rule) {
    Tables *t = b->t;
    Buf *a = &b->ans;
    Py_ssize_t rn = (Py_ssize_t)strlen(rule);
    if (put(a, channel.p, channel.n) || put(a, t->block_prefix.p, t->block_prefix.n)
            || put_escaped(a, url.p, url.n) || PUTS(a, "&category="))
        return -1;
    if (cat >= 0 && put(a, t->cat_q[cat].p, t->cat_q[cat].n)) return -1;
    if (PUTS(a, "&rule=") || put(a, rule, rn) || PUTS(a, "&group=")) return -1;
    if (gi >= 0 && put(a, t->group_q[gi].p, t->group_q[gi].n)) return -1;
    if (user.n && (PUTS(a, "&user=") || put_quoted(a, user.p, user.n, ""))) return -1;
    if (PUTS(a, "\"")) return -1;
    if (b->records == NULL) return 0;
    Buf *r = &b->rec;
    if (PUTS(r, "{\"t\":") || put(r, b->t_json.p, b->t_json.n) || PUTS(r, ",\"user\":")
            || put_json(r, user.p, user.n, b->plain) || PUTS(r, ",\"url\":")
            || put_json(r, url.p, url.n, b->plain) || PUTS(r, ",\"host\":")
            || put_json(r, host, hn, b->plain)
            || PUTS(r, ",\"client\":") || put_json(r, client.p, client.n, b->plain)
            || PUTS(r, ",\"action\":\"block\",\"category\":"))
        return -1;
    if (cat >= 0 ? put(r, t->cat_json[cat].p, t->cat_json[cat].n) : PUTS(r, "null")) return -1;
    if (PUTS(r, ",\"group\":")) return -1;
    if (gi >= 0 ? put(r, t->group_json[gi].p, t->group_json[gi].n) : PUTS(r, "null")) return -1;
    if (PUTS(r, ",\"rule\":\"") || put(r, rule, rn) || PUTS(r, "\",\"policy\":")
            || put(r, t->version_json.p, t->version_json.n) || PUTS(r, "}\n"))
        return -1;
    return 0;
}

static int contains(const char *s, Py_ssize_t n, const char *what, Py_ssize_t m);

/* The lists' expressions over `bare`, as match() runs them (Python's own patterns). */
/* `deciding`: only the expressions of categories that decide anything (a bit among the
   deciding ones), which every decision needs; else only the others that could still
   make `first` lower, which only an answer naming the first category of all needs (an
   allowed request's count, the school's block list). */
static int expressions(Tables *t, const char *bare, Py_ssize_t bn, uint64_t *rel,
                       int *first, int deciding) {
    PyObject *text = NULL;
    for (Py_ssize_t e = 0; e < t->nexpr; e++) {
        PyObject *item = PyList_GetItem(t->exprs, e);
        if (item == NULL || !PyTuple_Check(item) || PyTuple_Size(item) != 4) goto bad;
        long cat = PyLong_AsLong(PyTuple_GetItem(item, 0));
        uint64_t bit = PyLong_AsUnsignedLongLong(PyTuple_GetItem(item, 1));
        if (PyErr_Occurred()) goto fail;
        if (deciding ? bit == 0 : (bit != 0 || cat >= *first)) continue;
        PyObject *literals = PyTuple_GetItem(item, 3);
        if (literals != Py_None) {
            int hit = 0;
            Py_ssize_t nl = PyList_Size(literals);
            if (nl < 0) goto fail;
            for (Py_ssize_t j = 0; j < nl && !hit; j++) {
                char *p;
                Py_ssize_t pn;
                if (PyBytes_AsStringAndSize(PyList_GetItem(literals, j), &p, &pn) < 0)
                    goto fail;
                hit = contains(bare, bn, p, pn);
            }
            if (!hit) continue;
        }
        if (text == NULL) {
            text = PyUnicode_FromStringAndSize(bare, bn);
            if (text == NULL) goto fail;
        }
        PyObject *found = PyObject_CallFunctionObjArgs(PyTuple_GetItem(item, 2), text, NULL);
        if (found == NULL) goto fail;
        int matched = found != Py_None;
        Py_DECREF(found);
        if (matched) {
            *rel |= bit;
            if (cat < *first) *first = (int)cat;
        }
    }
    Py_XDECREF(text);
    return 0;
bad:
    PyErr_SetString(PyExc_TypeError, "fastpath tables: an expression");
fail:
    Py_XDECREF(text);
    return -1;
}

static int is_host_char(unsigned char c) {
    return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

static int is_scheme_char(unsigned char c) {
    return is_alnum(c) || c == '+' || c == '.' || c == '-';
}

static int ends_with(const char *s, Py_ssize_t n, const char *tail) {
    Py_ssize_t m = (Py_ssize_t)strlen(tail);
    return n >= m && memcmp(s + n - m, tail, (size_t)m) == 0;
}

/* Whether `what` (m bytes) is in s (n bytes): a search for its first byte, then a
   comparison (the strings here are short: memmem's set-up costs more than the search). */
static int contains(const char *s, Py_ssize_t n, const char *what, Py_ssize_t m) {
    if (m == 0) return 1;
    if (m > n) return 0;
    const char *p = s, *last = s + n - m;
    while (p <= last) {
        p = memchr(p, what[0], (size_t)(last - p + 1));
        if (p == NULL) return 0;
        if (memcmp(p + 1, what + 1, (size_t)m - 1) == 0) return 1;
        p++;
    }
    return 0;
}

/* Whether the query of the URL u (before any '#') has a parameter q or search_query whose
   value holds anything but '+': the search terms helper.py's search_term() logs (it
   reads those, for the search engines' hosts). Without one it finds none. */
static int may_hold_search_term(const char *u, Py_ssize_t un) {
    Py_ssize_t q = find(u, un, '?', 0);
    if (q < 0) return 0;
    Py_ssize_t end = find(u, un, '#', q + 1);
    if (end < 0) end = un;
    for (Py_ssize_t at = q + 1; at <= end;) {
        Py_ssize_t amp = find(u, end, '&', at);
        if (amp < 0) amp = end;
        Py_ssize_t eq = find(u, amp, '=', at);
        if (eq >= 0 && ((eq - at == 1 && u[at] == 'q')
                        || (eq - at == 12 && memcmp(u + at, "search_query", 12) == 0))) {
            for (Py_ssize_t j = eq + 1; j < amp; j++)
                if (u[j] != '+') return 1;
        }
        at = amp + 1;
    }
    return 0;
}

/* Answer one line into b->ans: 1 done, 0 the Python path must answer it, -1 error. */
static int one_line(Batch *b, const char *s, Py_ssize_t n) {
    Tables *t = b->t;
    if (n > MAX_FAST_LINE) return 0;
    /* Printable ASCII, spaces and tabs only: then str.split() splits where we do and
       json.dumps escapes only '"' and '\\'. Eight bytes at a step (any byte below 0x20,
       above 0x7e, or '%'; exact tests, the bytes then looked at one by one). */
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    int has_tab = 0, has_pct = 0, has_esc = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, pct, quote, bslash;
        memcpy(&w, s + i, 8);
        if (((w + ones * (127 - 0x7e)) | w) & high) return 0; /* 0x7f and above */
        pct = w ^ (ones * '%');
        if ((pct - ones) & ~pct & high) has_pct = 1;
        quote = w ^ (ones * '"');
        bslash = w ^ (ones * '\\');
        if (((quote - ones) & ~quote & high) | ((bslash - ones) & ~bslash & high)) has_esc = 1;
        if ((w - ones * 0x20) & ~w & high) { /* below 0x20: only tabs will do */
            for (int j = 0; j < 8; j++) {
                unsigned char c = (unsigned char)s[i + j];
                if (c < 0x20) {
                    if (c != '\t') return 0;
                    has_tab = 1;
                }
            }
        }
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c >= 0x7f) return 0;
        if (c == '\t') has_tab = 1;
        if (c == '%') has_pct = 1;
        if (c == '"' || c == '\\') has_esc = 1;
    }
    b->plain = !has_esc;
    Str tok[5];
    int nt = 0;
    i = 0;
    while (nt < 5) {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        if (i >= n) break;
        Py_ssize_t start = i;
        if (has_tab) {
            while (i < n && s[i] != ' ' && s[i] != '\t') i++;
        } else {
            const char *sp = memchr(s + i, ' ', (size_t)(n - i));
            i = sp ? sp - s : n;
        }
        tok[nt].p = s + start;
        tok[nt].n = i - start;
        nt++;
    }
    Str channel = {s, 0};
    int k = 0;
    if (nt > 1) {
        int digits = 1;
        for (Py_ssize_t j = 0; j < tok[0].n; j++)
            if (tok[0].p[j] < '0' || tok[0].p[j] > '9') { digits = 0; break; }
        if (digits) {
            channel.p = tok[0].p;
            channel.n = tok[0].n + 1; /* with the space after it... */
            k = 1;
        }
    }
    if (nt - k < 4) return 0;
    char chanbuf[64];
    if (k) { /* ...which must be one space, as Python writes it */
        if (tok[0].n > 60) return 0;
        memcpy(chanbuf, tok[0].p, (size_t)tok[0].n);
        chanbuf[tok[0].n] = ' ';
        channel.p = chanbuf;
    }
    Str url = tok[k], client = tok[k + 1], user = tok[k + 2], method = tok[k + 3];
    if (url.n > MAX_FAST_URL) return 0;
    Py_ssize_t slash = find(client.p, client.n, '/', 0);
    if (slash >= 0) client.n = slash;
    if (user.n == 1 && user.p[0] == '-') user.n = 0;
    if (has_pct && find(user.p, user.n, '%', 0) >= 0) return 0;
    int connect = method.n == 7 && memcmp(method.p, "CONNECT", 7) == 0;

    /* The URL: [scheme://]host[:port][/path or ?query], ordinary characters only. */
    const char *u = url.p;
    Py_ssize_t un = url.n, p = 0;
    if (has_pct && find(u, un, '%', 0) >= 0) return 0;
    if (un && ((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z'))) {
        Py_ssize_t j = 1;
        while (j < un && j < 16 && is_scheme_char((unsigned char)u[j])) j++;
        if (j + 2 < un && u[j] == ':' && u[j + 1] == '/' && u[j + 2] == '/') p = j + 3;
    }
    Py_ssize_t hs = p;
    while (p < un && is_host_char((unsigned char)u[p])) p++;
    Py_ssize_t hn = p - hs;
    if (hn == 0 || hn > MAX_HOST || u[p - 1] == '.') return 0;
    Py_ssize_t port_start = -1, port_n = 0;
    if (p < un && u[p] == ':') {
        port_start = ++p;
        while (p < un && u[p] >= '0' && u[p] <= '9') p++;
        port_n = p - port_start;
        if (port_n < 1 || port_n > 5) return 0;
    }
    if (p < un && u[p] != '/' && u[p] != '?') return 0;
    const char *path = u + p;
    Py_ssize_t pn = un - p;

    char host[MAX_HOST + 1];
    host[0] = 0; /* (hn >= 1 below; this keeps the compiler sure of it) */
    for (Py_ssize_t j = 0; j < hn; j++) {
        char c = u[hs + j];
        host[j] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    /* The host and each parent domain: their hashes, and their memory asked for now. */
    uint64_t suffix_hash[MAX_HOST / 2 + 2];
    Py_ssize_t suffix_at[MAX_HOST / 2 + 2];
    int nsuffix = 0;
    for (Py_ssize_t at = -1;;) {
        suffix_at[nsuffix] = at + 1;
        suffix_hash[nsuffix] = fnv(host + at + 1, hn - at - 1);
        map_prefetch(&t->lists->domains, suffix_hash[nsuffix]);
        nsuffix++;
        at = find(host, hn, '.', at + 1);
        if (at < 0) break;
    }
    int search_host = contains(host, hn, "google.", 7) || ends_with(host, hn, "bing.com")
                      || ends_with(host, hn, "duckduckgo.com")
                      || ends_with(host, hn, "youtube.com");
    /* bare = host[:port] + path, lower case, path starting with "/". */
    char bare[MAX_HOST + 8 + MAX_FAST_URL + 2];
    Py_ssize_t bn = 0;
    memcpy(bare, host, (size_t)hn);
    bn = hn;
    if (port_start >= 0) {
        bare[bn++] = ':';
        memcpy(bare + bn, u + port_start, (size_t)port_n);
        bn += port_n;
    }
    Py_ssize_t path_at = bn;
    if (pn == 0 || path[0] != '/') bare[bn++] = '/';
    /* Repeated slashes before the query collapse into one, as parse_target does (and
       squidGuard: a known way round lists). */
    int in_query = 0;
    for (Py_ssize_t j = 0; j < pn; j++) {
        char c = path[j];
        if (c == '?') in_query = 1;
        if (c == '/' && !in_query && bare[bn - 1] == '/') continue;
        bare[bn++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    int run_expressions = 0;
    if (!connect && t->nliterals) {
        /* Some literal starts here? (one bit test a byte); then look for them all. */
        if (t->short_literal) {
            for (Py_ssize_t j = 0; j < t->nliterals && !run_expressions; j++)
                run_expressions = contains(bare, bn, t->literals[j].p, t->literals[j].n);
        }
        for (Py_ssize_t j = 0; j + 1 < bn && !run_expressions; j++) {
            unsigned pair = (unsigned char)bare[j] << 8 | (unsigned char)bare[j + 1];
            if (!(t->pairs[pair >> 3] >> (pair & 7) & 1)) continue;
            for (Py_ssize_t k = 0; k < t->nliterals; k++) {
                const Str *lit = &t->literals[k];
                if (lit->n >= 2 && lit->n <= bn - j && lit->p[0] == bare[j]
                        && lit->p[1] == bare[j + 1]
                        && memcmp(lit->p, bare + j, (size_t)lit->n) == 0) {
                    run_expressions = 1;
                    break;
                }
            }
        }
    }

    /* Who: the people table, by the lower-case name. */
    long code;
    if (user.n == 0) {
        code = t->anon_code;
    } else {
        char name[MAX_FAST_LINE];
        for (Py_ssize_t j = 0; j < user.n; j++) {
            char c = user.p[j];
            name[j] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        code = map_get(&t->people, name, user.n, t->unknown_code);
    }
    int state = (int)(code & 7);
    long gi = code >> 3;
    if (state == FALLBACK || gi < 0 || gi >= t->ngroups) return 0;
    /* Search engines: a query may hold search terms (logged with the words: q or
       search_query, as search_term() reads them), and a group
       with safe search may have its searches rewritten: those go to the Python path;
       their other pages are decided as any other host's. */
    if (search_host) {
        const char *bp = bare + path_at;
        Py_ssize_t bpn = bn - path_at;
        if (!connect && may_hold_search_term(u, un)) return 0;
        if (t->g_safe[gi] && ((bpn >= 7 && (memcmp(bp, "/search", 7) == 0
                                             || memcmp(bp, "/images", 7) == 0))
                              || contains(bp, bpn, "q=", 2)))
            return 0;
    }

    /* The host and its parent domains: categories, and the school's own host lists. */
    uint64_t rel = 0;
    int first = INT_MAX, flags = 0;
    Py_ssize_t last = hn;
    if (!t->bare_labels) {
        last = -1;
        for (Py_ssize_t j = hn - 1; j >= 0; j--)
            if (host[j] == '.') { last = j; break; }
    }
    for (int k = 0; k < nsuffix; k++) {
        Py_ssize_t at = suffix_at[k] - 1;
        const char *suffix = host + at + 1;
        Py_ssize_t sn = hn - at - 1;
        uint64_t h = suffix_hash[k];
        if (at < 0 || at < last)
            add_combo(t, map_get_h(&t->lists->domains, suffix, sn, h, 0), &rel, &first);
        if (t->any_flags) flags |= (int)map_get_h(&t->hostflags, suffix, sn, h, 0);
    }
    if (!connect) {
        /* URL lists, for hosts that have entries: www./web./ftp. dropped as squidGuard does. */
        const char *shorthost = host;
        Py_ssize_t sn = hn;
        if (hn >= 3 && (memcmp(host, "www", 3) == 0 || memcmp(host, "web", 3) == 0
                        || memcmp(host, "ftp", 3) == 0)) {
            Py_ssize_t j = 3;
            while (j < hn && host[j] >= '0' && host[j] <= '9') j++;
            if (j < hn && host[j] == '.') { shorthost = host + j + 1; sn = hn - j - 1; }
        }
        if (map_get(&t->lists->url_hosts, shorthost, sn, 0)) {
            char stripped[MAX_HOST + MAX_FAST_URL + 2];
            Py_ssize_t ln = bn - path_at;
            memcpy(stripped, shorthost, (size_t)sn);
            memcpy(stripped + sn, bare + path_at, (size_t)ln);
            Py_ssize_t tn = sn + ln;
            int count = 0;
            for (Py_ssize_t at = find(stripped, tn, '/', 0); at >= 0 && count < 64;
                 at = find(stripped, tn, '/', at + 1), count++)
                lookup_url(t, stripped, at, &rel, &first);
            Py_ssize_t q = find(stripped, tn, '?', 0);
            if (q >= 0)
                for (Py_ssize_t at = q; at < tn; at++)
                    if (stripped[at] == '?' || stripped[at] == '&')
                        lookup_url(t, stripped, at, &rel, &first);
            Py_ssize_t end = tn;
            while (end > 0 && stripped[end - 1] == '/') end--;
            lookup_url(t, stripped, end, &rel, &first);
        }
        if (run_expressions && expressions(t, bare, bn, &rel, &first, 1)) return -1;
    }

    Buf *a = &b->ans;
    uint64_t statutory = rel & t->statutory;
    int cat = -1;
    const char *rule = NULL;
    if (flags & F_WEB) { /* esafety's own pages: open to everyone, counted as allowed */
        cat = INT_MAX;
        goto allowed;
    }
    if (state == REFUSED)
        return block(b, channel, url, user, client, host, hn, -1, -1, "access-ended") ? -1 : 1;
    if (state == AUP || state == SIGNIN || state == UNKNOWN) {
        if (!statutory) {
            Str page = state == AUP ? t->aup_prefix : state == SIGNIN ? t->signin_prefix
                                                                      : (Str){NULL, 0};
            if (page.n) { /* sent to sign in or to the AUP page, ?next= the address */
                if (put(a, channel.p, channel.n) || put(a, page.p, page.n)
                        || put_quoted(a, url.p, url.n, "/:") || PUTS(a, "\""))
                    return -1;
                return 1;
            }
            rule = state == AUP ? "aup-pending" : state == SIGNIN ? "sign-in" : "unknown-person";
            return block(b, channel, url, user, client, host, hn, -1, state == AUP ? gi : -1,
                         rule) ? -1 : 1;
        }
    }
    if (statutory)
        return block(b, channel, url, user, client, host, hn, first_rel_cat(t, statutory), gi,
                     "statutory") ? -1 : 1;
    if (flags & F_BLOCK) {
        if (run_expressions && expressions(t, bare, bn, &rel, &first, 0)) return -1;
        return block(b, channel, url, user, client, host, hn, first == INT_MAX ? -1 : first,
                     gi, "school-block") ? -1 : 1;
    }
    if (!(flags & F_ALLOW)) {
        uint64_t blocked = (b->working ? t->g_working[gi] : t->g_always[gi]) & rel;
        if (blocked)
            return block(b, channel, url, user, client, host, hn, first_rel_cat(t, blocked),
                         gi, "group-policy") ? -1 : 1;
    }
    if (run_expressions && expressions(t, bare, bn, &rel, &first, 0)) return -1;
    cat = first;
allowed:
    if (put(a, channel.p, channel.n) || PUTS(a, "ERR")) return -1;
    if (count_allowed(b, user, client, gi, cat)) return -1;
    return 1;
}

/* The Python path's answer to one line (str, latin-1 as serve.py decodes Squid's bytes),
   its records and counts after ours so far, appended to the answers as latin-1 bytes
   (unencodable characters as '?', as serve.py writes them). */
static int slow_line(Batch *b, PyObject *slow, const char *s, Py_ssize_t n) {
    if (flush_records(b) || drain_counts(b)) return -1;
    PyObject *line = PyUnicode_DecodeLatin1(s, n, NULL);
    if (line == NULL) return -1;
    PyObject *ans = PyObject_CallFunctionObjArgs(slow, line, NULL);
    Py_DECREF(line);
    if (ans == NULL) return -1;
    PyObject *raw = PyUnicode_Check(ans) ? PyUnicode_AsEncodedString(ans, "latin-1", "replace")
                                         : NULL;
    Py_DECREF(ans);
    if (raw == NULL) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "an answer must be a str");
        return -1;
    }
    char *p;
    Py_ssize_t pn;
    int rc = PyBytes_AsStringAndSize(raw, &p, &pn) < 0 || put(&b->ans, p, pn) ? -1 : 0;
    Py_DECREF(raw);
    return rc;
}

/* answer(tables, data, working, records, allowed, day, t_json, slow) -> bytes
   data: Squid's request lines as it sent them, without the last newline (b"" is one empty
   line); the result: one answer a line, in order, each ending in a newline (latin-1, as
   serve.py writes answers). records: the decision-log list to append to (None: not
   logging), each item a dict (from the Python path) or bytes of JSON lines, each
   ending in a newline; allowed: the counts dict (None with records None); slow(line) ->
   answer: the Python path, given the line as a str (latin-1), for every line this one
   leaves to it (it logs and counts those itself). */
static PyObject *answer(PyObject *self, PyObject *args) {
    PyObject *capsule, *data, *records, *allowed, *day, *t_json_obj, *slow;
    int working;
    if (!PyArg_ParseTuple(args, "OSpOOUUO", &capsule, &data, &working,
                          &records, &allowed, &day, &t_json_obj, &slow))
        return NULL;
    Batch b;
    memset(&b, 0, sizeof b);
    PyObject *out = NULL;
    b.t = (Tables *)PyCapsule_GetPointer(capsule, "esafety.fastpath.tables");
    if (b.t == NULL) goto done;
    int kept = !b.t->busy;
    if (kept) { /* the last batch's buffers */
        b.t->busy = 1;
        b.ans = b.t->keep_ans;
        b.rec = b.t->keep_rec;
        b.ans.n = b.rec.n = 0;
    }
    b.working = working;
    b.records = records == Py_None ? NULL : records;
    b.allowed = allowed == Py_None ? NULL : allowed;
    if ((b.records != NULL && !PyList_Check(b.records))
            || (b.allowed != NULL && !PyDict_Check(b.allowed))) {
        PyErr_SetString(PyExc_TypeError, "records must be a list and allowed a dict");
        goto done;
    }
    b.day = day;
    b.t_json.p = PyUnicode_AsUTF8AndSize(t_json_obj, &b.t_json.n);
    if (b.t_json.p == NULL) goto done;
    char *start;
    Py_ssize_t len;
    if (PyBytes_AsStringAndSize(data, &start, &len) < 0) goto done;
    const char *s = start;
    const char *end = start + len;
    /* About 80 bytes a line ask for about 50 bytes of answer: start with room for most. */
    if (grow(&b.ans, (size_t)len + 4096)) goto fail;
    for (;;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        Py_ssize_t n = (nl ? nl : end) - s;
        size_t mark = b.ans.n;
        int answered = one_line(&b, s, n);
        if (answered < 0) goto fail;
        if (!answered) {
            b.ans.n = mark;
            if (slow_line(&b, slow, s, n)) goto fail;
        }
        if (PUTS(&b.ans, "\n")) goto fail;
        if (nl == NULL) break;
        s = nl + 1;
    }
    if (flush_records(&b) || drain_counts(&b)) goto fail;
    out = PyBytes_FromStringAndSize(b.ans.p, (Py_ssize_t)b.ans.n);
    goto done;
fail:
    { /* zero the counts (the batch is answered again in Python), keeping the error */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        b.allowed = NULL;
        drain_counts(&b);
        PyErr_Restore(type, value, tb);
    }
done:
    if (b.t != NULL && kept) { /* kept for the next batch, unless a batch made them huge */
        b.t->busy = 0;
        if (b.ans.cap > ((size_t)16 << 20)) { free(b.ans.p); b.ans.p = NULL; b.ans.cap = 0; }
        if (b.rec.cap > ((size_t)16 << 20)) { free(b.rec.p); b.rec.p = NULL; b.rec.cap = 0; }
        b.t->keep_ans = b.ans;
        b.t->keep_rec = b.rec;
    } else {
        free(b.ans.p);
        free(b.rec.p);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"build_lists", build_lists, METH_VARARGS,
     "build_lists(domains, urls, url_hosts) -> the lists' tables for build()"},
    {"build_lists_flat", build_lists_flat, METH_VARARGS,
     "build_lists_flat(data, sections) -> the lists' tables for build(), from a snapshot"},
    {"lookup", lookup, METH_VARARGS, "lookup(lists, table, key) -> value or -1"},
    {"build", build, METH_VARARGS, "build(spec) -> tables for answer()"},
    {"answer", answer, METH_VARARGS,
     "answer(tables, data, working, records, allowed, day, t_json, slow) -> answer bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastpath",
    "The Squid helper's compiled school-mode decisions (see fastpath.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastpath(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddStringConstant(m, "SOURCE_SHA256", SOURCE_SHA256) < 0
            || PyModule_AddIntConstant(m, "MAX_KEYS", KEY_SLOTS / 2) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
