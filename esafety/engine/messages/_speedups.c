/* The classifier's hottest loops, compiled: the word look-ups of normalise.tokens_many and
 * Model.one_window_probability for many windows.
 *
 * Optional. scripts/build_speedups.py compiles it next to this file; speedups.py hands it
 * out only when it was built from this very source (SOURCE_SHA256). Otherwise the Python
 * code runs, which stays the reference (tests/engine_messages compare the two).
 *
 * score_windows(windows, unigrams, pairs, ignore, bias, min_evidence) -> list[float]
 *   windows: a list of lists of str (each a text of up to the model's window of tokens)
 *   unigrams: dict word -> weight; pairs: dict first word -> dict second word -> weight
 *   ignore: a set of words that are not features on their own (nor in a pair together)
 *   For each window, as Model.score does for one window: the distinct words not ignored
 *   and the distinct pairs of neighbours (but pairs of two ignored words) are the
 *   features; the window counts when one of them weighs at least min_evidence; then
 *   sigmoid(clip(bias + sum of weights / sqrt(number of features), -30, 30)), else
 *   sigmoid(-30). Only the order in which the weights are added differs from Python's.
 *
 * map_words(text, memory) -> list[list[str] | None]: see its doc string below.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#ifndef SOURCE_SHA256
#define SOURCE_SHA256 ""
#endif

#define SMALL 128 /* slots kept on the stack: windows of up to 64 tokens */

typedef struct {
    PyObject *first;  /* NULL: empty slot */
    PyObject *second; /* NULL for a word table */
    Py_hash_t hash;
} slot;

/* Adds (first, second) to the open-addressing table unless an equal entry is there.
   1: added, 0: already there, -1: error (a comparison failed). */
static int
add_distinct(slot *table, size_t mask, PyObject *first, PyObject *second, Py_hash_t hash)
{
    size_t i = (size_t)hash & mask;
    for (;;) {
        slot *s = &table[i];
        if (s->first == NULL) {
            s->first = first;
            s->second = second;
            s->hash = hash;
            return 1;
        }
        if (s->hash == hash) {
            int same = PyObject_RichCompareBool(s->first, first, Py_EQ);
            if (same < 0)
                return -1;
            if (same && second != NULL) {
                same = PyObject_RichCompareBool(s->second, second, Py_EQ);
                if (same < 0)
                    return -1;
            }
            if (same)
                return 0;
        }
        i = (i + 1) & mask;
    }
}

/* What a window's features add up to so far. */
typedef struct {
    double total;        /* the sum of their weights */
    Py_ssize_t count;    /* how many distinct features, weighted or not */
    int strong;          /* whether one weighs at least min_evidence */
    double min_evidence;
} window_sums;

/* Counts the feature (first, second) unless the window has it already, and then adds its
   weight: weights[key], if `weights` is a dict with that key. 0, or -1 on error. */
static int
add_feature(slot *table, size_t mask, PyObject *first, PyObject *second, Py_hash_t hash,
            PyObject *weights, PyObject *key, window_sums *sums)
{
    int added = add_distinct(table, mask, first, second, hash);
    if (added <= 0)
        return added;
    sums->count++;
    if (weights == NULL)
        return 0;
    PyObject *value = PyDict_GetItemWithError(weights, key);
    if (value == NULL)
        return PyErr_Occurred() ? -1 : 0;
    double weight = PyFloat_AsDouble(value);
    if (weight == -1.0 && PyErr_Occurred())
        return -1;
    sums->total += weight;
    if (weight >= sums->min_evidence)
        sums->strong = 1;
    return 0;
}

/* P(offensive) of one window; -1.0 with an exception set on error. */
static double
score_window(PyObject *window, PyObject *unigrams, PyObject *pairs, PyObject *ignore,
             double bias, double min_evidence)
{
    PyObject *seq = PySequence_Fast(window, "each window must be a list of words");
    if (seq == NULL)
        return -1.0;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **toks = PySequence_Fast_ITEMS(seq);
    slot small_words[SMALL], small_pairs[SMALL];
    slot *words = small_words, *pair_table = small_pairs;
    size_t size = 4;
    while (size < (size_t)(2 * n + 2))
        size <<= 1;
    if (size > SMALL) {
        words = PyMem_Calloc(size, sizeof(slot));
        pair_table = PyMem_Calloc(size, sizeof(slot));
        if (words == NULL || pair_table == NULL) {
            PyMem_Free(words);
            PyMem_Free(pair_table);
            Py_DECREF(seq);
            PyErr_NoMemory();
            return -1.0;
        }
    }
    else {
        memset(small_words, 0, sizeof(slot) * size);
        memset(small_pairs, 0, sizeof(slot) * size);
    }
    size_t mask = size - 1;
    double result = -1.0;
    window_sums sums = {0.0, 0, 0, min_evidence};
    int previous_ignored = 0;
    Py_hash_t previous_hash = 0;

    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *tok = toks[i];
        /* Only str: their hashing and comparing run no Python code that could change the
           list under the borrowed pointers. */
        if (!PyUnicode_CheckExact(tok)) {
            PyErr_SetString(PyExc_TypeError, "each word must be a str");
            goto done;
        }
        Py_hash_t hash = PyObject_Hash(tok);
        if (hash == -1)
            goto done;
        int ignored = PySet_Contains(ignore, tok);
        if (ignored < 0)
            goto done;
        if (!ignored && add_feature(words, mask, tok, NULL, hash, unigrams, tok, &sums) < 0)
            goto done;
        if (i > 0 && !(ignored && previous_ignored)) {
            PyObject *first = toks[i - 1];
            /* (Any mixing will do: equal pairs have equal hashes. Unsigned: no overflow.) */
            Py_hash_t pair_hash = (Py_hash_t)(((Py_uhash_t)previous_hash * 1000003u)
                                              ^ (Py_uhash_t)hash);
            PyObject *seconds = PyDict_GetItemWithError(pairs, first); /* first's pairs */
            if (seconds == NULL && PyErr_Occurred())
                goto done;
            if (add_feature(pair_table, mask, first, tok, pair_hash, seconds, tok, &sums) < 0)
                goto done;
        }
        previous_ignored = ignored;
        previous_hash = hash;
    }
    double score = -30.0;
    if (sums.strong) {
        score = bias + sums.total / sqrt((double)(sums.count > 1 ? sums.count : 1));
        if (score < -30.0)
            score = -30.0;
    }
    if (score > 30.0)
        score = 30.0;
    result = 1.0 / (1.0 + exp(-score));

done:
    if (words != small_words) {
        PyMem_Free(words);
        PyMem_Free(pair_table);
    }
    Py_DECREF(seq);
    return PyErr_Occurred() ? -1.0 : result;
}

static PyObject *
score_windows(PyObject *module, PyObject *args)
{
    PyObject *windows, *unigrams, *pairs, *ignore;
    double bias, min_evidence;
    if (!PyArg_ParseTuple(args, "OO!O!Odd:score_windows", &windows, &PyDict_Type, &unigrams,
                          &PyDict_Type, &pairs, &ignore, &bias, &min_evidence))
        return NULL;
    if (!PyAnySet_Check(ignore)) {
        PyErr_SetString(PyExc_TypeError, "ignore must be a set or frozenset");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(windows, "windows must be a list of lists of words");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        double p = score_window(items[i], unigrams, pairs, ignore, bias, min_evidence);
        PyObject *value = p < 0 ? NULL : PyFloat_FromDouble(p);
        if (value == NULL) {
            Py_DECREF(out);
            Py_DECREF(seq);
            return NULL;
        }
        PyList_SET_ITEM(out, i, value);
    }
    Py_DECREF(seq);
    return out;
}

static PyObject *
map_words(PyObject *module, PyObject *args)
{
    PyObject *text, *memory;
    if (!PyArg_ParseTuple(args, "UO!:map_words", &text, &PyDict_Type, &memory))
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    PyObject *part = PyList_New(0);
    int known = 1; /* every word of this part so far has its tokens in memory */
    if (out == NULL || part == NULL)
        goto error;
    Py_ssize_t i = 0;
    for (;;) {
        while (i < length && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            i++;
        Py_ssize_t start = i;
        while (i < length && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            i++;
        if (i == start || (i - start == 1 && PyUnicode_READ(kind, data, start) == 0)) {
            /* the end of the text, or of a part: a word that is a lone NUL */
            if (PyList_Append(out, known ? part : Py_None) < 0)
                goto error;
            Py_DECREF(part);
            part = NULL;
            if (i == start)
                break;
            part = PyList_New(0);
            if (part == NULL)
                goto error;
            known = 1;
            continue;
        }
        if (!known)
            continue; /* the part is done in Python anyway */
        PyObject *word = PyUnicode_Substring(text, start, i);
        if (word == NULL)
            goto error;
        PyObject *tokens = PyDict_GetItemWithError(memory, word);
        Py_DECREF(word);
        if (tokens == NULL && PyErr_Occurred())
            goto error;
        if (tokens == NULL || !PyTuple_Check(tokens)) {
            known = 0; /* a new word, or one that cannot be done alone (None) */
            continue;
        }
        for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(tokens); t++)
            if (PyList_Append(part, PyTuple_GET_ITEM(tokens, t)) < 0)
                goto error;
    }
    return out;

error:
    Py_XDECREF(part);
    Py_XDECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"score_windows", score_windows, METH_VARARGS,
     "score_windows(windows, unigrams, pairs, ignore, bias, min_evidence) -> list[float]\n\n"
     "Model.one_window_probability for each window (see the comment at the top of "
     "_speedups.c)."},
    {"map_words", map_words, METH_VARARGS,
     "map_words(text, memory) -> list[list[str] | None]\n\n"
     "normalise.tokens_many's word step: the text's white-space separated words, with a\n"
     "word that is a lone NUL ending a part; per part, the tokens memory gives its words\n"
     "(a dict word -> tuple of tokens), one after another, or None when some word of the\n"
     "part is not in memory or maps to something else than a tuple (None: cannot be done\n"
     "alone). [[*chain(*map(memory.__getitem__, p.split()))] for p in text.split('\\0')],\n"
     "with None where that raises."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "The classifier's word look-ups and model scoring, compiled (optional; see speedups.py).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddStringConstant(m, "SOURCE_SHA256", SOURCE_SHA256) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
