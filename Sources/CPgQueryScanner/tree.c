/*
 * pg_query_parse without its JSON: libpg_query 15-4.0.0 parses (pg_query_raw_parse), prints the
 * raw tree as JSON, and SargableSyntax read that JSON back into a tape; printing and re-reading
 * cost twice the parse itself. This walks the raw tree into the same tape directly.
 *
 * The tape must read exactly as the JSON's would: the same members in the same order, omitted
 * when libpg_query omits them (NULL pointers, empty lists, false, zero numbers; enums are always
 * written), node wrappers where it writes `{"Type":{...}}`, plain objects where it writes a
 * typed pointer's fields. tree_fields.inc lists each node type's fields in that order (generated
 * from pg_query.proto, from which libpg_query's JSON writer is generated too); the C compiler
 * supplies the offsets from PostgreSQL 15's headers. Anything the walk does not know how to
 * write as the JSON would marks the tree unsupported and the caller falls back to
 * pg_query_parse. SargableSyntaxTests compares both tapes over whole corpora.
 */

/* The version libpg_query writes, taken before PostgreSQL's own pg_config.h redefines it. */
#include <pg_query.h>
enum { LIBPG_QUERY_VERSION_NUM = PG_VERSION_NUM };
#undef PG_VERSION_NUM

#include <pg_query/pg_query_internal.h>

#include "nodes/parsenodes.h"
#include "nodes/primnodes.h"
#include "nodes/value.h"

#include <stdlib.h>
#include <string.h>

#include "pg_query_scanner.h"

enum FieldKind {
    FIELD_NODE,      /* Node *: a wrapped node */
    FIELD_NODE_LIST, /* List * of nodes: an array of wrapped nodes */
    FIELD_OBJECT,    /* a pointer to a node of the field's declared type: its fields, unwrapped */
    FIELD_STRING,    /* char * */
    FIELD_CHAR,      /* char: a one-character string */
    FIELD_BOOL,
    FIELD_INT,
    FIELD_UINT,
    FIELD_ENUM,      /* written by name, also when zero */
    FIELD_UNSUPPORTED, /* Bitmapsets, doubles: only in planner trees; unsupported unless zero */
};

typedef struct TreeField {
    const char *name;
    uint16_t name_length;
    uint16_t key; /* KEY_<name> */
    uint8_t kind;
    uint8_t size;
    uint32_t offset;
    /* FIELD_OBJECT: the declared type's tag. */
    int tag;
    /* FIELD_ENUM: the constant's name, NULL for a value the proto does not name. */
    const char *(*enum_name)(int);
} TreeField;

typedef struct TreeNodeType {
    const char *name; /* NULL for a tag the walk cannot write */
    uint16_t name_length;
    uint8_t ordinal;
    bool handwritten; /* libpg_query writes it by hand: see write_node */
    uint16_t field_count;
    const TreeField *fields;
} TreeNodeType;

#define FIELD_OF(T, f, kind, tag, enum_name) \
    {#f, sizeof(#f) - 1, KEY_##f, kind, sizeof(((T *) 0)->f), offsetof(T, f), tag, enum_name}
#define NODE_FIELD(T, f) FIELD_OF(T, f, FIELD_NODE, 0, NULL)
#define NODE_LIST_FIELD(T, f) FIELD_OF(T, f, FIELD_NODE_LIST, 0, NULL)
#define OBJECT_FIELD(T, f, Type) FIELD_OF(T, f, FIELD_OBJECT, T_##Type, NULL)
#define STRING_FIELD(T, f) FIELD_OF(T, f, _Generic(((T *) 0)->f, char: FIELD_CHAR, default: FIELD_STRING), 0, NULL)
#define BOOL_FIELD(T, f) FIELD_OF(T, f, FIELD_BOOL, 0, NULL)
#define INT_FIELD(T, f) FIELD_OF(T, f, FIELD_INT, 0, NULL)
#define UINT_FIELD(T, f) FIELD_OF(T, f, FIELD_UINT, 0, NULL)
#define ENUM_FIELD(T, f, Enum) FIELD_OF(T, f, FIELD_ENUM, 0, enum_name_##Enum)
#define UNSUPPORTED_FIELD(T, f) FIELD_OF(T, f, FIELD_UNSUPPORTED, 0, NULL)
#define NODE_TYPE(T, ordinal) {#T, sizeof(#T) - 1, ordinal, false, sizeof(fields_##T) / sizeof(TreeField), fields_##T}
#define NODE_TYPE_WITHOUT_FIELDS(T, ordinal) {#T, sizeof(#T) - 1, ordinal, false, 0, NULL}
#define NODE_TYPE_HANDWRITTEN(T, ordinal) {#T, sizeof(#T) - 1, ordinal, true, 0, NULL}

#include "tree_fields.inc"

enum { NODE_TYPE_COUNT = sizeof(node_types) / sizeof(node_types[0]) };

/* Names a walk writes: member names (KEY_<name>), then node type names (by ordinal). */
enum { NAME_COUNT = KEY_COUNT + 256, NO_NAME = -1 };

/* Where the current walk on this thread wrote each name into its text: entries stamped with an
 * older walk's serial are stale. Each name is then written once per tree, not once per use. */
static __thread uint32_t name_offsets[NAME_COUNT];
static __thread uint32_t name_walks[NAME_COUNT];
static __thread uint32_t walk_serial;

typedef struct Walk {
    SargableTapeEntry *tape;
    size_t count, capacity;
    uint8_t *text;
    size_t length, text_capacity;
    int depth, max_depth;
    /* The walk recurses as deep as the tree: below this address it stops (and the caller reads the
     * JSON, whose writer libpg_query runs within the stack the parse was given). */
    const char *stack_floor;
    /* Unsupported input, too deep, or out of memory: the walk stops writing and its result is dropped. */
    bool failed;
    bool out_of_memory;
} Walk;

/* Called once per tape entry and name: inlined, so that the common case is a compare. */
#define HOT static inline __attribute__((always_inline))

static bool grow_slowly(void **buffer, size_t *capacity, size_t needed, size_t element_size, Walk *walk) {
    size_t grown = *capacity < 64 ? 64 : *capacity;
    while (grown < needed) grown *= 2;
    void *larger = realloc(*buffer, grown * element_size);
    if (larger == NULL) {
        walk->failed = walk->out_of_memory = true;
        return false;
    }
    *buffer = larger;
    *capacity = grown;
    return true;
}

HOT bool grow(void **buffer, size_t *capacity, size_t needed, size_t element_size, Walk *walk) {
    return needed <= *capacity || grow_slowly(buffer, capacity, needed, element_size, walk);
}

/* Appends bytes to the text; returns where they start. */
HOT uint32_t put_text(Walk *walk, const char *bytes, size_t length) {
    if (!grow((void **) &walk->text, &walk->text_capacity, walk->length + length, 1, walk)) return 0;
    uint32_t start = (uint32_t) walk->length;
    memcpy(walk->text + walk->length, bytes, length);
    walk->length += length;
    return start;
}

/* A member name: its number and spelling. */
typedef struct Key {
    int id;
    const char *name;
    size_t length;
} Key;

#define KEY(name) ((Key) {KEY_##name, #name, sizeof(#name) - 1})
#define NO_KEY ((Key) {NO_NAME, NULL, 0})
#define FIELD_KEY(field) ((Key) {(field)->key, (field)->name, (field)->name_length})

/* Where the text holds the name numbered `id`, written now if this walk has not written it yet. */
HOT uint32_t put_name(Walk *walk, int id, const char *name, size_t length) {
    if (name_walks[id] == walk_serial) return name_offsets[id];
    uint32_t start = put_text(walk, name, length);
    name_offsets[id] = start;
    name_walks[id] = walk_serial;
    return start;
}

/* Appends an entry under `key` (NO_KEY in arrays); containers are closed with close_entry. */
HOT size_t put_entry(Walk *walk, uint8_t kind, Key key) {
    if (walk->failed || !grow((void **) &walk->tape, &walk->capacity, walk->count + 1, sizeof(SargableTapeEntry), walk))
        return 0;
    size_t index = walk->count++;
    SargableTapeEntry *entry = &walk->tape[index];
    entry->keyStart = key.id != NO_NAME ? put_name(walk, key.id, key.name, key.length) : 0;
    entry->keyLength = (uint16_t) key.length;
    entry->valueStart = 0;
    entry->valueLength = 0;
    entry->next = (uint32_t) index + 1;
    entry->rawNodeKind = SARGABLE_NO_NODE_KIND;
    entry->rawKind = kind;
    if (kind == SARGABLE_TAPE_OBJECT || kind == SARGABLE_TAPE_ARRAY || kind == SARGABLE_TAPE_NODE) {
        walk->depth++;
        if (walk->depth > walk->max_depth) walk->max_depth = walk->depth;
    }
    return index;
}

HOT void close_entry(Walk *walk, size_t index) {
    walk->depth--;
    if (!walk->failed) walk->tape[index].next = (uint32_t) walk->count;
}

static void put_string(Walk *walk, Key key, const char *value, size_t length) {
    size_t index = put_entry(walk, SARGABLE_TAPE_STRING, key);
    if (walk->failed) return;
    uint32_t start = put_text(walk, value, length);
    if (walk->failed) return;
    walk->tape[index].valueStart = start;
    walk->tape[index].valueLength = (uint32_t) length;
}

static void put_number(Walk *walk, Key key, int64_t value, bool is_unsigned) {
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    char digits[24];
    char *end = digits + sizeof(digits), *start = end;
    uint64_t magnitude = is_unsigned ? (uint64_t) value : (value < 0 ? -(uint64_t) value : (uint64_t) value);
    /* Two digits at a time: most numbers are locations of one to five digits. */
    while (magnitude >= 100) {
        start -= 2;
        memcpy(start, pairs + (magnitude % 100) * 2, 2);
        magnitude /= 100;
    }
    if (magnitude >= 10) {
        start -= 2;
        memcpy(start, pairs + magnitude * 2, 2);
    } else {
        *--start = (char) ('0' + magnitude);
    }
    if (!is_unsigned && value < 0) *--start = '-';
    size_t index = put_entry(walk, SARGABLE_TAPE_NUMBER, key);
    if (walk->failed) return;
    uint32_t text_start = put_text(walk, start, (size_t) (end - start));
    if (walk->failed) return;
    walk->tape[index].valueStart = text_start;
    walk->tape[index].valueLength = (uint32_t) (end - start);
}

static int64_t read_integer(const char *field, uint8_t size, bool is_unsigned) {
    switch (size) {
    case 1: return is_unsigned ? (int64_t) *(const uint8_t *) field : (int64_t) *(const int8_t *) field;
    case 2: return is_unsigned ? (int64_t) *(const uint16_t *) field : (int64_t) *(const int16_t *) field;
    case 4: return is_unsigned ? (int64_t) *(const uint32_t *) field : (int64_t) *(const int32_t *) field;
    default: return *(const int64_t *) field;
    }
}

static void write_node(Walk *walk, Key key, const Node *node);

static void write_fields(Walk *walk, const TreeNodeType *type, const char *base);

/* A node's members. libpg_query writes an Integer's value only when it is positive (`-1` and `0`
 * both read as `{}`), a quirk of its JSON that the tape keeps. */
static void write_members(Walk *walk, const TreeNodeType *type, NodeTag tag, const char *base) {
    if (tag == T_Integer) {
        int value = ((const Integer *) base)->ival;
        if (value > 0) put_number(walk, KEY(ival), value, false);
        return;
    }
    write_fields(walk, type, base);
}

/* A list's elements: wrapped nodes, and `{}` for a NULL element. */
static void write_elements(Walk *walk, const List *list) {
    for (int element = 0; element < list->length && !walk->failed; element++) {
        const Node *item = list->elements[element].ptr_value;
        if (item == NULL) close_entry(walk, put_entry(walk, SARGABLE_TAPE_OBJECT, NO_KEY));
        else write_node(walk, NO_KEY, item);
    }
}

/* A node of a declared type, pointed to or `embedded` (CreateForeignTableStmt's CreateStmt, whose
 * tag is its container's): its fields as a plain object. */
static void write_object(Walk *walk, Key key, int tag, const void *object, bool embedded) {
    const TreeNodeType *type = tag >= 0 && tag < NODE_TYPE_COUNT ? &node_types[tag] : NULL;
    /* libpg_query writes the declared type's fields whatever the node is; only the same type is safe to read. */
    if (type == NULL || type->name == NULL || type->handwritten || (!embedded && nodeTag(object) != (NodeTag) tag)) {
        walk->failed = true;
        return;
    }
    size_t index = put_entry(walk, SARGABLE_TAPE_OBJECT, key);
    /* The JSON does not say what a plain object is; the walk knows its declared type. */
    if (!walk->failed) walk->tape[index].rawNodeKind = type->ordinal;
    write_members(walk, type, (NodeTag) tag, object);
    close_entry(walk, index);
}

static void write_fields(Walk *walk, const TreeNodeType *type, const char *base) {
    for (uint16_t i = 0; i < type->field_count && !walk->failed; i++) {
        const TreeField *field = &type->fields[i];
        const char *at = base + field->offset;
        switch ((enum FieldKind) field->kind) {
        case FIELD_NODE: {
            const Node *child = *(Node *const *) at;
            if (child != NULL) write_node(walk, FIELD_KEY(field), child);
            break;
        }
        case FIELD_NODE_LIST: {
            const List *list = *(List *const *) at;
            if (list == NIL) break;
            if (list->type != T_List) {
                walk->failed = true;
                break;
            }
            size_t index = put_entry(walk, SARGABLE_TAPE_ARRAY, FIELD_KEY(field));
            write_elements(walk, list);
            close_entry(walk, index);
            break;
        }
        case FIELD_OBJECT: {
            if (field->size != sizeof(void *)) {
                write_object(walk, FIELD_KEY(field), field->tag, at, true);
                break;
            }
            const void *object = *(void *const *) at;
            if (object != NULL) write_object(walk, FIELD_KEY(field), field->tag, object, false);
            break;
        }
        case FIELD_STRING: {
            const char *value = *(char *const *) at;
            if (value != NULL) put_string(walk, FIELD_KEY(field), value, strlen(value));
            break;
        }
        case FIELD_CHAR:
            if (*at != 0) put_string(walk, FIELD_KEY(field), at, 1);
            break;
        case FIELD_BOOL:
            if (*(const bool *) at) put_entry(walk, SARGABLE_TAPE_TRUE, FIELD_KEY(field));
            break;
        case FIELD_INT:
        case FIELD_UINT: {
            bool is_unsigned = field->kind == FIELD_UINT;
            int64_t value = read_integer(at, field->size, is_unsigned);
            if (value != 0) put_number(walk, FIELD_KEY(field), value, is_unsigned);
            break;
        }
        case FIELD_ENUM: {
            const char *name = field->enum_name((int) read_integer(at, field->size, false));
            if (name == NULL) walk->failed = true;
            else put_string(walk, FIELD_KEY(field), name, strlen(name));
            break;
        }
        case FIELD_UNSUPPORTED:
            for (uint8_t byte = 0; byte < field->size; byte++) {
                if (at[byte] != 0) walk->failed = true;
            }
            break;
        }
    }
}

/* A_Const's value member, named as libpg_query's JSON names it; NO_KEY for no value. */
static Key constant_member(NodeTag tag) {
    switch (tag) {
    case T_Integer: return KEY(ival);
    case T_Float: return KEY(fval);
    case T_Boolean: return KEY(boolval);
    case T_String: return KEY(sval);
    case T_BitString: return KEY(bsval);
    default: return NO_KEY;
    }
}

static void write_node(Walk *walk, Key key, const Node *node) {
    /* Stacks grow down on every platform this builds for. */
    if ((const char *) __builtin_frame_address(0) < walk->stack_floor) {
        walk->failed = true;
        return;
    }
    NodeTag tag = nodeTag(node);
    const TreeNodeType *type = (int) tag >= 0 && (int) tag < NODE_TYPE_COUNT ? &node_types[tag] : NULL;
    if (type == NULL || type->name == NULL || tag == T_IntList || tag == T_OidList) {
        walk->failed = true;
        return;
    }
    size_t index = put_entry(walk, SARGABLE_TAPE_NODE, key);
    if (walk->failed) return;
    uint32_t name_start = put_name(walk, KEY_COUNT + type->ordinal, type->name, type->name_length);
    if (walk->failed) return;
    walk->tape[index].valueStart = name_start;
    walk->tape[index].valueLength = type->name_length;
    walk->tape[index].rawNodeKind = type->ordinal;
    if (tag == T_List) {
        /* {"List":{"items":[...]}} */
        size_t items = put_entry(walk, SARGABLE_TAPE_ARRAY, KEY(items));
        write_elements(walk, (const List *) node);
        close_entry(walk, items);
    } else if (tag == T_A_Const) {
        /* {"A_Const":{"isnull":true,...}} or {"A_Const":{"ival":{"ival":1},...}}, then the location. */
        const A_Const *constant = (const A_Const *) node;
        if (constant->isnull) {
            put_entry(walk, SARGABLE_TAPE_TRUE, KEY(isnull));
        } else {
            Key member = constant_member(nodeTag(&constant->val));
            if (member.id == NO_NAME) walk->failed = true;
            else write_object(walk, member, nodeTag(&constant->val), &constant->val, false);
        }
        if (constant->location != 0) put_number(walk, KEY(location), constant->location, false);
    } else if (tag == T_Boolean) {
        /* A Boolean node writes its value even when false (an A_Const's does not). */
        put_entry(walk, ((const Boolean *) node)->boolval ? SARGABLE_TAPE_TRUE : SARGABLE_TAPE_FALSE, KEY(boolval));
    } else {
        write_members(walk, type, tag, (const char *) node);
    }
    close_entry(walk, index);
}

/* {"version":150001,"stmts":[{"stmt":{...},"stmt_len":N},...]} */
static void write_tree(Walk *walk, const List *statements) {
    size_t root = put_entry(walk, SARGABLE_TAPE_OBJECT, NO_KEY);
    put_number(walk, KEY(version), LIBPG_QUERY_VERSION_NUM, false);
    size_t list = put_entry(walk, SARGABLE_TAPE_ARRAY, KEY(stmts));
    /* NIL for a text of only comments and semicolons: `"stmts":[]`. */
    for (int element = 0; statements != NIL && element < statements->length && !walk->failed; element++)
        write_object(walk, NO_KEY, T_RawStmt, statements->elements[element].ptr_value, false);
    close_entry(walk, list);
    close_entry(walk, root);
}

SargableParseTree sargable_parse(const char *text, size_t stack_bytes) {
    SargableParseTree result = {0};
    sargable_pg_query_thread_init();
    MemoryContext context = pg_query_enter_memory_context();
    PgQueryInternalParsetreeAndError parsed = pg_query_raw_parse(text);
    free(parsed.stderr_buffer);
    if (parsed.error != NULL) {
        result.error_message = strdup(parsed.error->message != NULL ? parsed.error->message : "unknown parse error");
        result.error_cursor_position = parsed.error->cursorpos;
        pg_query_free_error(parsed.error);
    } else if (parsed.tree != NIL && parsed.tree->type != T_List) {
        result.unsupported = true;
    } else {
        Walk walk = {0};
        /* What the parse left of the stack it was given, less a margin for the calls below the walk. */
        const char *here = __builtin_frame_address(0);
        size_t usable = stack_bytes > (64 << 10) ? stack_bytes - (64 << 10) : 0;
        walk.stack_floor = (uintptr_t) here > usable ? here - usable : NULL;
        /* Sized for the common statement, to spare most trees their regrowth. */
        size_t length = strlen(text);
        grow((void **) &walk.tape, &walk.capacity, 16 + length / 2, sizeof(SargableTapeEntry), &walk);
        grow((void **) &walk.text, &walk.text_capacity, 64 + length, 1, &walk);
        if (++walk_serial == 0) {
            /* After 2^32 walks on this thread: no stamp may look current. */
            memset(name_walks, 0, sizeof(name_walks));
            walk_serial = 1;
        }
        write_tree(&walk, parsed.tree);
        if (walk.failed) {
            free(walk.tape);
            free(walk.text);
            if (walk.out_of_memory) result.error_message = strdup("out of memory for the parse tree");
            else result.unsupported = true;
        } else {
            result.tape = walk.tape;
            result.count = walk.count;
            result.text = walk.text;
            result.text_length = walk.length;
            result.depth = walk.max_depth;
        }
    }
    pg_query_exit_memory_context(context);
    return result;
}

void sargable_parse_tree_free(SargableParseTree *tree) {
    free(tree->tape);
    free(tree->text);
    free(tree->error_message);
    tree->tape = NULL;
    tree->text = NULL;
    tree->error_message = NULL;
}
