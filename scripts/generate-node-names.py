#!/usr/bin/env python3
"""Generates SargableSyntax's typed vocabulary from libpg_query's pg_query.proto.

Writes two files into Sources/SargableSyntax/Generated/:
- NodeNames.swift: every node kind and every field name of the JSON parse tree;
- NodeTypes.swift: every proto enum as a Swift enum (`AExprKind.op`, `ConstrType.primary`), the
  scanner's token numbers (`TokenCode`), and a thin typed view per message (`AExpr`, `CreateStmt`)
  whose accessors are the message's fields with their proto types.

Generating from the proto keeps every rule type-checked against the grammar Debian's
libpg-query-dev ships: a misspelt field, node kind or enum value fails to compile.
Usage: scripts/generate-node-names.py [--stdout NAME] [path/to/pg_query.proto]
(`--stdout NodeTypes.swift` prints one file instead of writing it; the staleness test uses it.)
"""
import os
import re
import sys

SWIFT_KEYWORDS = {
    "as", "case", "catch", "class", "default", "defer", "do", "else", "enum", "extension", "false",
    "for", "func", "if", "import", "in", "init", "inout", "internal", "is", "let", "nil", "operator",
    "private", "protocol", "public", "repeat", "return", "self", "static", "struct", "subscript",
    "super", "switch", "throw", "throws", "true", "try", "typealias", "var", "where", "while", "Type",
    "Any", "some", "any", "rethrows", "fileprivate", "open", "deinit", "guard", "break", "continue",
    "fallthrough", "Self", "Protocol",
}
# Messages whose names would shadow a Swift type or an existing SargableSyntax type.
RENAMED_MESSAGES = {
    "String": "StringNode", "Float": "FloatNode", "Integer": "IntegerNode", "Boolean": "BooleanNode",
    "List": "ListNode", "BitString": "BitStringNode",
}
# Messages of the result envelopes, not of the tree.
SKIPPED_MESSAGES = {"ParseResult", "ScanResult", "ScanToken", "Node", "RawStmt"}
# Enums with a hand-written Swift twin.
RENAMED_ENUMS = {"Token": "TokenCode"}
SKIPPED_ENUMS = {"KeywordKind"}
# The scanner's single-character tokens are `ASCII_<code>` in the proto; named by their character here.
ASCII_TOKENS = {
    37: "percent", 40: "leftParenthesis", 41: "rightParenthesis", 42: "asterisk", 43: "plus", 44: "comma",
    45: "minus", 46: "period", 47: "slash", 58: "colon", 59: "semicolon", 60: "lessThan", 61: "equals",
    62: "greaterThan", 63: "questionMark", 91: "leftBracket", 92: "backslash", 93: "rightBracket", 94: "caret",
}
INTEGER_TYPES = {"int32", "uint32", "int64", "uint64", "sint32", "sint64"}


def quoted(name):
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


def ident(name):
    """lowerCamelCase of a proto field or json name (`table_elts` -> `tableElts`)."""
    name = name[0].lower() + name[1:]
    if "_" in name:
        head, *rest = name.split("_")
        name = head + "".join(p[:1].upper() + p[1:] for p in rest if p)
    return quoted(name)


def type_name(proto_name):
    """`A_Expr_Kind` -> `AExprKind`."""
    return "".join(part[:1].upper() + part[1:] for part in proto_name.split("_") if part)


def case_name(value):
    """`OP_ANY` -> `opAny`, `AddColumn` -> `addColumn`, `ASCII_37` -> `ascii37`."""
    parts = [p for p in value.split("_") if p]
    words = []
    for index, part in enumerate(parts):
        word = part.lower() if part.isupper() or part.isdigit() else part
        words.append(word[:1].lower() + word[1:] if index == 0 else word[:1].upper() + word[1:])
    name = "".join(words)
    if name[:1].isdigit():
        name = "v" + name
    return quoted(name)


def strip_common(values):
    """Drops the `_`-separated prefix and suffix that every value shares (`AEXPR_`, `_SUBLINK`)."""
    split = [v.split("_") for v in values]
    if len(split) < 2:
        return values
    prefix = 0
    while all(len(s) > prefix + 1 for s in split) and len({s[prefix] for s in split}) == 1:
        prefix += 1
    suffix = 0
    while all(len(s) > prefix + suffix + 1 for s in split) and len({s[-1 - suffix] for s in split}) == 1:
        suffix += 1
    stripped = ["_".join(s[prefix:len(s) - suffix]) for s in split]
    names = [case_name(v) for v in stripped]
    if len(set(names)) != len(names) or any(not v or v[0].isdigit() for v in stripped):
        return values
    return stripped


def parse_proto(text):
    enums = []
    for name, body in re.findall(r"^enum (\w+)\s*\{(.*?)^\}", text, re.S | re.M):
        values = re.findall(r"^\s*(\w+)\s*=\s*(\d+)\s*;", body, re.M)
        enums.append((name, [(v, int(n)) for v, n in values]))
    messages = []
    for name, body in re.findall(r"^message (\w+)\s*\{(.*?)^\}", text, re.S | re.M):
        fields = []
        for line in body.splitlines():
            m = re.match(r"\s*(repeated\s+)?([\w.]+)\s+(\w+)\s*=\s*\d+\s*(?:\[json_name=\"(\w+)\"\])?;", line)
            if m:
                fields.append((bool(m.group(1)), m.group(2), m.group(3), m.group(4) or m.group(3)))
        messages.append((name, fields))
    node_block = re.search(r"message Node \{\s*oneof node \{(.*?)\}", text, re.S).group(1)
    kinds = re.findall(r'json_name="([A-Za-z_]+)"', node_block)
    return enums, messages, kinds


def field_names(messages):
    """Swift constant name per JSON field name; a field spelled two ways keeps the odd one raw."""
    fields = set()
    for name, body in messages:
        if name == "Node":  # its oneof names node types, not fields
            continue
        fields.update(json for _, _, _, json in body)
    names = {}
    for f in sorted(fields):
        names[f] = f if ident(f) in names.values() else ident(f)
    return fields, names


def node_names(messages, kinds):
    fields, names = field_names(messages)
    out = [
        "// Generated by scripts/generate-node-names.py from libpg_query's pg_query.proto. Do not edit.",
        "",
        "/// Every node type of libpg_query's parse tree (PostgreSQL 15 grammar).",
        "public enum NodeKind: String, Sendable, CaseIterable {",
    ]
    out += [f"    case {ident(k)} = \"{k}\"" for k in kinds]
    out += ["}", "", "/// Every field name that appears in libpg_query's JSON parse tree.", "extension Field {"]
    out += [f"    public static let {names[f]} = Field(\"{f}\")" for f in sorted(fields, key=lambda s: (names[s].lower(), s))]
    out += ["}", ""]
    return "\n".join(out)


def node_types(enums, messages, kinds):
    _, field_constant = field_names(messages)
    enum_names = {name: RENAMED_ENUMS.get(name, type_name(name)) for name, _ in enums if name not in SKIPPED_ENUMS}
    message_names = {name: RENAMED_MESSAGES.get(name, type_name(name))
                     for name, _ in messages if name not in SKIPPED_MESSAGES}
    kind_case = {k: ident(k) for k in kinds}
    out = [
        "// Generated by scripts/generate-node-names.py from libpg_query's pg_query.proto. Do not edit.",
        "",
        "// MARK: - Enums",
        "",
    ]
    for name, values in enums:
        if name in SKIPPED_ENUMS:
            continue
        swift = enum_names[name]
        if name == "Token":
            # Scanner token numbers: the scan result carries numbers, not names.
            out.append("/// libpg_query's scanner token numbers (`pg_query.proto`'s `enum Token`).")
            out.append(f"public enum {swift}: Int32, Sendable, CaseIterable {{")
            out += [f"    case {ASCII_TOKENS.get(n) if v.startswith('ASCII_') else case_name(v)} = {n}" for v, n in values]
            out += ["}", ""]
            continue
        # The `_UNDEFINED = 0` value exists only in protobuf; the JSON tree never holds it.
        real = [v for v, n in values if not (n == 0 and v.endswith("_UNDEFINED"))]
        stripped = strip_common(real)
        out.append(f"/// `{name}` of libpg_query's parse tree, as its JSON spells it.")
        out.append(f"public enum {swift}: String, ProtoEnum {{")
        out += [f"    case {case_name(s)} = \"{v}\"" for v, s in zip(real, stripped)]
        out += [f"    public static let protoEnumTable = ProtoEnumTable<{swift}>()", "}", ""]

    out += ["// MARK: - Typed views", ""]
    for name, fields in messages:
        if name in SKIPPED_MESSAGES:
            continue
        swift = message_names[name]
        kind = f".{kind_case[name]}" if name in kind_case else "nil"
        out.append(f"/// A `{name}` of the parse tree: its fields with their proto types.")
        out.append(f"public struct {swift}: NodeView {{")
        out.append(f"    public static let nodeKind: NodeKind? = {kind}")
        out.append("    public let node: Node")
        out.append("    public init(unchecked node: Node) { self.node = node }")
        seen = set()
        for repeated, proto_type, proto_name, json in fields:
            accessor = ident(proto_name)
            if accessor in seen or accessor.strip("`") in ("node", "nodeKind"):
                accessor = ident(proto_name) + "Field"
            seen.add(accessor)
            member = f"node[.{field_constant[json]}]"
            if proto_type == "Node":
                if repeated:
                    out.append(f"    public var {accessor}: [Node] {{ {member}?.elements ?? [] }}")
                else:
                    out.append(f"    public var {accessor}: Node? {{ {member} }}")
            elif proto_type == "string":
                out.append(f"    public var {accessor}: String? {{ {member}?.string }}")
            elif proto_type in INTEGER_TYPES:
                # libpg_query omits zero values from its JSON.
                out.append(f"    public var {accessor}: Int {{ {member}?.int ?? 0 }}")
            elif proto_type == "bool":
                out.append(f"    public var {accessor}: Bool {{ {member}?.bool ?? false }}")
            elif proto_type in enum_names:
                enum = enum_names[proto_type]
                out.append(f"    public var {accessor}: {enum}? {{ {member}?.enumValue() }}")
            elif proto_type in message_names:
                view = message_names[proto_type]
                if repeated:
                    out.append(f"    public var {accessor}: [{view}] {{ ({member}?.elements ?? []).map({view}.init(unchecked:)) }}")
                else:
                    out.append(f"    public var {accessor}: {view}? {{ {member}.map({view}.init(unchecked:)) }}")
            else:  # double and anything new: the raw member
                out.append(f"    public var {accessor}: Node? {{ {member} }}")
        out += ["}", ""]
    return "\n".join(out)


# pg_query.proto types stored as C integers, by signedness.
SIGNED_TYPES = {"int32", "int64", "sint32", "sint64"}
UNSIGNED_TYPES = {"uint32", "uint64"}
# Enums whose constants PostgreSQL gives explicit values (catalog characters, -1, bit masks): named by
# their C constants. The others are numbered in declaration order, which is the proto's minus one:
# the order of libpg_query's own headers, which need not be the installed ones' (LimitOption's
# differs between libpg_query 15-4.0.0 and PostgreSQL 15.20's headers).
EXPLICIT_VALUE_ENUMS = {"FunctionParameterMode", "PartitionRangeDatumKind", "SetOperation", "OverridingKind",
                        "RowCompareType", "AggSplit", "TableLikeOption"}
# Node types whose JSON libpg_query writes by hand: tree.c writes them itself.
HANDWRITTEN_NODES = {"A_Const", "List", "IntList", "OidList"}


def tree_fields(enums, messages, kinds):
    """C descriptors of every node type's fields, in JSON order, for tree.c's walk of the raw tree.

    Offsets, widths and `char` versus `char *` come from the C compiler (offsetof, sizeof,
    _Generic) reading PostgreSQL 15's headers; names, order and kinds come from the proto."""
    enum_values = dict(enums)
    message_fields = dict(messages)
    used_enums = []
    out = [
        "/* Generated by scripts/generate-node-names.py from libpg_query's pg_query.proto. Do not edit. */",
        "",
    ]
    # Every member name gets a number: a walk writes each name into its tree's text once.
    keys = sorted({json for _, fields in messages for _, _, _, json in fields})
    out.append("/* Member names, numbered: KEY_<name>. */")
    out.append("enum {")
    out += [f"    KEY_{key}," for key in keys]
    out += ["    KEY_COUNT", "};", ""]
    tables = []
    for ordinal, kind in enumerate(kinds):
        if kind in HANDWRITTEN_NODES or kind not in message_fields:
            tables.append((ordinal, kind, None))
            continue
        rows = []
        for repeated, proto_type, _, json in message_fields[kind]:
            if json == "xpr":  # the embedded `Expr xpr` header, which the JSON leaves out
                continue
            if repeated:
                macro = "NODE_LIST_FIELD" if proto_type == "Node" else "UNSUPPORTED_FIELD"
                rows.append(f"{macro}({kind}, {json})")
            elif proto_type == "Node":
                rows.append(f"NODE_FIELD({kind}, {json})")
            elif proto_type == "bool":
                rows.append(f"BOOL_FIELD({kind}, {json})")
            elif proto_type == "string":
                rows.append(f"STRING_FIELD({kind}, {json})")
            elif proto_type in SIGNED_TYPES:
                rows.append(f"INT_FIELD({kind}, {json})")
            elif proto_type in UNSIGNED_TYPES:
                rows.append(f"UINT_FIELD({kind}, {json})")
            elif proto_type in enum_values:
                if proto_type not in used_enums:
                    used_enums.append(proto_type)
                rows.append(f"ENUM_FIELD({kind}, {json}, {proto_type})")
            elif proto_type in message_fields and proto_type in kinds:
                rows.append(f"OBJECT_FIELD({kind}, {json}, {proto_type})")
            else:  # double and anything new
                rows.append(f"UNSUPPORTED_FIELD({kind}, {json})")
        tables.append((ordinal, kind, rows))
    for name in used_enums:
        out.append(f"static const char *enum_name_{name}(int value) {{")
        out.append("    switch (value) {")
        for value, number in enum_values[name]:
            if number == 0 and value.endswith("_UNDEFINED"):
                continue
            label = value if name in EXPLICIT_VALUE_ENUMS else number - 1
            out.append(f"    case {label}: return \"{value}\";")
        out += ["    default: return NULL;", "    }", "}", ""]
    for ordinal, kind, rows in tables:
        if rows:
            out.append(f"static const TreeField fields_{kind}[] = {{")
            out += [f"    {row}," for row in rows]
            out += ["};", ""]
    out.append("/* Indexed by NodeTag; `ordinal` is the type's place in SargableSyntax's NodeKind. */")
    out.append("static const TreeNodeType node_types[] = {")
    for ordinal, kind, rows in tables:
        if rows is None:
            out.append(f"    [T_{kind}] = NODE_TYPE_HANDWRITTEN({kind}, {ordinal}),")
        elif rows:
            out.append(f"    [T_{kind}] = NODE_TYPE({kind}, {ordinal}),")
        else:
            out.append(f"    [T_{kind}] = NODE_TYPE_WITHOUT_FIELDS({kind}, {ordinal}),")
    out += ["};", ""]
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    only = None
    if args[:1] == ["--stdout"]:
        only, args = args[1], args[2:]
    path = args[0] if args else "/usr/include/pg_query/pg_query.proto"
    enums, messages, kinds = parse_proto(open(path, encoding="utf-8").read())
    files = {
        "NodeNames.swift": node_names(messages, kinds),
        "NodeTypes.swift": node_types(enums, messages, kinds),
        "tree_fields.inc": tree_fields(enums, messages, kinds),
    }
    if only:
        sys.stdout.write(files[only])
        return
    sources = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources")
    for name, contents in files.items():
        directory = "CPgQueryScanner" if name.endswith(".inc") else os.path.join("SargableSyntax", "Generated")
        with open(os.path.join(sources, directory, name), "w", encoding="utf-8") as out:
            out.write(contents)


main()
