import SargableAnalysis
import SargableSyntax

/// A function a statement may run, as the catalog resolved it.
public struct ReachedFunction: Sendable, Hashable {
    public var oid: Int
    public var schema: String
    public var name: String
    /// `i` immutable, `s` stable, `v` volatile (`pg_proc.provolatile`).
    public var volatility: String
    public var language: String
    /// The extension the function belongs to, if any.
    public var extensionName: String?
    /// The view, policy, type or operator through which the statement reaches the function; nil
    /// when the statement calls it by name.
    public var via: String?
    /// Runs while the statement is parsed or planned whatever its volatility: a type's input
    /// function, an operator's selectivity estimator, a planner support function.
    public var runsWhilePlanning: Bool

    /// Objects created by initdb have OIDs below FirstNormalObjectId.
    public var isBuiltIn: Bool { oid < 16384 }
}

/// Which functions `explain` lets run. A read-only, rolled-back transaction does not stop a
/// function that acts outside it (a second connection, signals to other sessions, files, WAL,
/// statistics, session locks), and the planner runs immutable and stable functions on constants,
/// inlines SQL functions and calls type input functions before anything is executed.
public enum FunctionSafety {
    /// Built-in functions that act outside the transaction (looked up in pg_proc of PostgreSQL 15:
    /// the volatile ones whose effect a rollback does not undo, or that run SQL given as text).
    static let builtInsActingOutside: Set<String> = [
        "pg_terminate_backend", "pg_cancel_backend", "pg_switch_wal", "pg_reload_conf", "pg_rotate_logfile",
        "pg_rotate_logfile_old", "pg_create_restore_point", "pg_promote", "pg_backup_start", "pg_backup_stop",
        "pg_wal_replay_pause", "pg_wal_replay_resume", "pg_log_backend_memory_contexts",
        "pg_import_system_collations", "pg_logical_emit_message", "pg_create_physical_replication_slot",
        "pg_create_logical_replication_slot", "pg_drop_replication_slot", "pg_copy_physical_replication_slot",
        "pg_copy_logical_replication_slot", "pg_replication_slot_advance", "pg_logical_slot_get_changes",
        "pg_logical_slot_get_binary_changes", "pg_advisory_lock", "pg_advisory_lock_shared",
        "pg_try_advisory_lock", "pg_try_advisory_lock_shared", "pg_advisory_unlock",
        "pg_advisory_unlock_shared", "pg_advisory_unlock_all", "setval", "loread", "lowrite",
        "brin_summarize_range", "brin_summarize_new_values", "brin_desummarize_range", "gin_clean_pending_list",
        "pg_stop_making_pinned_objects",
        // These run a query given as text, which the parse tree does not show.
        "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
        "cursor_to_xmlschema", "ts_stat", "ts_rewrite",
    ]
    static let builtInPrefixesActingOutside = ["pg_stat_reset", "pg_replication_origin_", "lo_", "binary_upgrade_"]

    /// Extensions whose functions reach outside the transaction (other connections, background
    /// workers, files, the network) or change session state Sargable relies on (hypopg).
    static let extensionsActingOutside: Set<String> = [
        "dblink", "postgres_fdw", "pg_background", "pg_cron", "adminpack", "pg_stat_statements", "hypopg",
        "pg_prewarm", "pg_surgery", "pg_visibility", "lo", "pg_qualstats", "pg_stat_kcache", "pg_wait_sampling",
        "pg_partman", "pg_repack", "pg_squeeze", "pglogical", "pg_net", "http", "mysql_fdw", "oracle_fdw",
        "tds_fdw", "multicorn", "plproxy", "tablefunc", "pgrouting",
    ]

    /// Contrib and common extensions whose functions compute values and nothing else.
    static let pureExtensions: Set<String> = [
        "pg_trgm", "pgcrypto", "citext", "uuid-ossp", "hstore", "intarray", "btree_gin", "btree_gist",
        "fuzzystrmatch", "unaccent", "ltree", "cube", "earthdistance", "postgis", "postgis_raster",
        "postgis_sfcgal", "address_standardizer", "isn", "seg", "bloom", "tsm_system_rows", "tsm_system_time",
        "dict_int", "dict_xsyn", "intagg", "vector",
    ]

    /// Why running `function` (EXPLAIN ANALYZE) could change something a rollback does not undo;
    /// nil when it is safe to run.
    public static func reasonNotToRun(_ function: ReachedFunction, _ policy: FunctionPolicy) -> String? {
        if function.isBuiltIn {
            let outside = builtInsActingOutside.contains(function.name)
                || builtInPrefixesActingOutside.contains { function.name.hasPrefix($0) }
            return outside ? "\(function.name) acts outside the transaction and cannot be rolled back" + suffix(function) : nil
        }
        if let name = function.extensionName {
            if extensionsActingOutside.contains(name) {
                return "\(function.name) (extension \(name)) acts outside the transaction and cannot be rolled back" + suffix(function)
            }
            if pureExtensions.contains(name) { return nil }
        }
        if policy.trusts(function) { return nil }
        return "\(function.name) (\(owner(function))) may have side effects a rollback does not undo" + suffix(function)
            + "; --trust-functions or --allow-function \(function.name) lets it run"
    }

    /// Why even planning the statement (plain EXPLAIN) could run `function`; nil when planning is safe.
    public static func reasonNotToPlan(_ function: ReachedFunction, _ policy: FunctionPolicy) -> String? {
        guard !function.isBuiltIn else { return nil }
        let why: String
        if function.runsWhilePlanning {
            why = "runs while the statement is parsed or planned"
        } else if function.language == "sql" {
            why = "is LANGUAGE sql, which the planner inlines and evaluates on constants"
        } else if function.volatility != "v" {
            why = "is \(function.volatility == "i" ? "IMMUTABLE" : "STABLE"), which the planner evaluates on constants"
        } else {
            return nil
        }
        if let name = function.extensionName {
            if extensionsActingOutside.contains(name) {
                return "\(function.name) (extension \(name)) \(why) and acts outside the transaction" + suffix(function)
            }
            if pureExtensions.contains(name) { return nil }
        }
        if policy.trusts(function) { return nil }
        return "\(function.name) (\(owner(function))) \(why)" + suffix(function)
            + "; --trust-functions or --allow-function \(function.name) lets it be planned"
    }

    private static func owner(_ function: ReachedFunction) -> String {
        function.extensionName.map { "extension \($0)" } ?? "user-defined, LANGUAGE \(function.language)"
    }

    private static func suffix(_ function: ReachedFunction) -> String {
        function.via.map { ", reached through \($0)" } ?? ""
    }

    /// Every function the statement may run, resolved conservatively: each name the parse tree
    /// calls matches every candidate in any schema (unless qualified) whose argument count fits,
    /// plus what the relations it names bring in (views, policies, and for writes triggers,
    /// defaults, constraints and index expressions), operators' functions, and types' input
    /// functions and casts. One parameterised query: no name from the statement is spliced in.
    public static func reachedFunctions(_ root: Node, writes: Bool, on connection: Connection) throws(PostgresError) -> [ReachedFunction] {
        let names = StatementNames(root)
        let parameters: [String?] = [
            PostgresArray.literal(names.functions.map(\.schema)), PostgresArray.literal(names.functions.map(\.name)),
            PostgresArray.literal(names.functions.map { String($0.arguments) }),
            PostgresArray.literal(names.operators.map(\.schema)), PostgresArray.literal(names.operators.map(\.name)),
            PostgresArray.literal(names.operators.map { $0.prefix ? "t" : "f" }),
            PostgresArray.literal(names.types.map(\.schema)), PostgresArray.literal(names.types.map(\.name)),
            PostgresArray.literal(names.relations.map(\.schema)), PostgresArray.literal(names.relations.map(\.name)),
            writes ? "t" : "f",
        ]
        return try connection.query(lookup, parameters).rows.compactMap { row in
            guard let oid = row.int("oid"), let schema = row["schema"], let name = row["name"] else { return nil }
            return ReachedFunction(oid: oid, schema: schema, name: name, volatility: row["volatility"] ?? "v",
                                   language: row["language"] ?? "", extensionName: row["extension"], via: row["via"],
                                   runsWhilePlanning: row.bool("plan_time") ?? true)
        }
    }

    static let lookup = """
        WITH RECURSIVE
        seed(classid, objid) AS (
            SELECT 'pg_proc'::regclass::oid, p.oid
            FROM unnest($1::text[], $2::text[], $3::int[]) AS c(schema, name, arguments)
            JOIN pg_proc p ON p.proname = c.name
            JOIN pg_namespace n ON n.oid = p.pronamespace AND (c.schema = '' OR n.nspname = c.schema)
            WHERE c.arguments BETWEEN p.pronargs - p.pronargdefaults AND p.pronargs
               OR (p.provariadic <> 0 AND c.arguments >= p.pronargs - 1)
            UNION
            SELECT 'pg_operator'::regclass::oid, o.oid
            FROM unnest($4::text[], $5::text[], $6::bool[]) AS c(schema, name, prefix)
            JOIN pg_operator o ON o.oprname = c.name AND (o.oprleft = 0) = c.prefix
            JOIN pg_namespace n ON n.oid = o.oprnamespace AND (c.schema = '' OR n.nspname = c.schema)
            UNION
            SELECT 'pg_type'::regclass::oid, t.oid
            FROM unnest($7::text[], $8::text[]) AS c(schema, name)
            JOIN pg_type t ON t.typname = c.name
            JOIN pg_namespace n ON n.oid = t.typnamespace AND (c.schema = '' OR n.nspname = c.schema)
            UNION
            SELECT 'pg_class'::regclass::oid, r.oid
            FROM unnest($9::text[], $10::text[]) AS c(schema, name)
            JOIN pg_class r ON r.relname = c.name
            JOIN pg_namespace n ON n.oid = r.relnamespace AND (c.schema = '' OR n.nspname = c.schema)
        ),
        reached(classid, objid, via, plan_time) AS (
            SELECT classid, objid, NULL::text, false FROM seed
            UNION
            SELECT step.classid, step.objid, coalesce(r.via, pg_describe_object(r.classid, r.objid, 0)),
                   r.plan_time OR step.plan_time
            FROM reached r
            CROSS JOIN LATERAL (
                -- What an object uses that pg_depend records (column types, function defaults, …).
                SELECT d.refclassid, d.refobjid, false FROM pg_depend d
                WHERE d.classid = r.classid AND d.objid = r.objid AND d.deptype <> 'e'
                  AND d.refclassid IN ('pg_proc'::regclass, 'pg_operator'::regclass, 'pg_type'::regclass, 'pg_class'::regclass)
                -- Rules (views) and row-level security policies of a relation.
                UNION ALL SELECT 'pg_rewrite'::regclass, rw.oid, false FROM pg_rewrite rw
                WHERE r.classid = 'pg_class'::regclass AND rw.ev_class = r.objid
                UNION ALL SELECT 'pg_policy'::regclass, pol.oid, false FROM pg_policy pol
                WHERE r.classid = 'pg_class'::regclass AND pol.polrelid = r.objid
                -- What a write runs: triggers, defaults, constraints, index expressions, and the
                -- tables whose foreign keys cascade from this one.
                UNION ALL SELECT 'pg_trigger'::regclass, tg.oid, false FROM pg_trigger tg
                WHERE $11 AND r.classid = 'pg_class'::regclass AND tg.tgrelid = r.objid
                UNION ALL SELECT 'pg_attrdef'::regclass, ad.oid, false FROM pg_attrdef ad
                WHERE $11 AND r.classid = 'pg_class'::regclass AND ad.adrelid = r.objid
                UNION ALL SELECT 'pg_constraint'::regclass, con.oid, false FROM pg_constraint con
                WHERE $11 AND r.classid = 'pg_class'::regclass AND con.conrelid = r.objid
                UNION ALL SELECT 'pg_class'::regclass, con.conrelid, false FROM pg_constraint con
                WHERE $11 AND r.classid = 'pg_class'::regclass AND con.contype = 'f' AND con.confrelid = r.objid
                UNION ALL SELECT 'pg_class'::regclass, i.indexrelid, false FROM pg_index i
                WHERE $11 AND r.classid = 'pg_class'::regclass AND i.indrelid = r.objid
                -- Trigger functions (pg_depend records only non-built-in ones).
                UNION ALL SELECT 'pg_proc'::regclass, tg.tgfoid, false FROM pg_trigger tg
                WHERE r.classid = 'pg_trigger'::regclass AND tg.oid = r.objid
                -- An operator's function, and its selectivity estimators, which run while planning.
                UNION ALL SELECT 'pg_proc'::regclass, f.oid, f.plan_time FROM pg_operator o,
                    LATERAL (VALUES (o.oprcode::oid, false), (o.oprrest::oid, true), (o.oprjoin::oid, true)) AS f(oid, plan_time)
                WHERE r.classid = 'pg_operator'::regclass AND o.oid = r.objid AND f.oid <> 0
                -- A type's input functions run when a constant is read as that type (while parsing);
                -- domains add their base type and constraints; casts to and from the type.
                UNION ALL SELECT 'pg_proc'::regclass, f.oid, true FROM pg_type t,
                    LATERAL (VALUES (t.typinput::oid), (t.typmodin::oid)) AS f(oid)
                WHERE r.classid = 'pg_type'::regclass AND t.oid = r.objid AND f.oid <> 0
                UNION ALL SELECT 'pg_type'::regclass, t.typbasetype, false FROM pg_type t
                WHERE r.classid = 'pg_type'::regclass AND t.oid = r.objid AND t.typbasetype <> 0
                UNION ALL SELECT 'pg_constraint'::regclass, con.oid, false FROM pg_constraint con
                WHERE r.classid = 'pg_type'::regclass AND con.contypid = r.objid
                UNION ALL SELECT 'pg_proc'::regclass, ca.castfunc, false FROM pg_cast ca
                WHERE r.classid = 'pg_type'::regclass AND (ca.castsource = r.objid OR ca.casttarget = r.objid) AND ca.castfunc <> 0
                -- A function's planner support function; an aggregate's support functions.
                UNION ALL SELECT 'pg_proc'::regclass, p.prosupport, true FROM pg_proc p
                WHERE r.classid = 'pg_proc'::regclass AND p.oid = r.objid AND p.prosupport <> 0
                UNION ALL SELECT 'pg_proc'::regclass, f.oid, false FROM pg_aggregate a,
                    LATERAL (VALUES (a.aggtransfn::oid), (a.aggfinalfn::oid), (a.aggcombinefn::oid), (a.aggserialfn::oid),
                                    (a.aggdeserialfn::oid), (a.aggmtransfn::oid), (a.aggminvtransfn::oid), (a.aggmfinalfn::oid)) AS f(oid)
                WHERE r.classid = 'pg_proc'::regclass AND a.aggfnoid = r.objid AND f.oid <> 0
                -- Expressions stored as node trees (view queries, policies, trigger conditions, defaults,
                -- checks, index expressions): pg_depend leaves out built-in functions, so the exact
                -- object ids are read from the server's own serialization. The field names are followed
                -- by a plain space only where the server writes a field, never inside a name or value.
                UNION ALL SELECT CASE WHEN m[1] = 'relid' THEN 'pg_class'::regclass
                                      WHEN m[1] IN ('opno', 'sortop', 'eqop') THEN 'pg_operator'::regclass
                                      WHEN m[1] IN ('resulttype', 'consttype') THEN 'pg_type'::regclass
                                      ELSE 'pg_proc'::regclass END,
                                 m[2]::oid, false
                FROM (SELECT rw.ev_action::text || ' ' || rw.ev_qual::text FROM pg_rewrite rw
                      WHERE r.classid = 'pg_rewrite'::regclass AND rw.oid = r.objid
                      UNION ALL SELECT coalesce(pol.polqual::text, '') || ' ' || coalesce(pol.polwithcheck::text, '')
                      FROM pg_policy pol WHERE r.classid = 'pg_policy'::regclass AND pol.oid = r.objid
                      UNION ALL SELECT coalesce(tg.tgqual::text, '') FROM pg_trigger tg
                      WHERE r.classid = 'pg_trigger'::regclass AND tg.oid = r.objid
                      UNION ALL SELECT ad.adbin::text FROM pg_attrdef ad
                      WHERE r.classid = 'pg_attrdef'::regclass AND ad.oid = r.objid
                      UNION ALL SELECT coalesce(con.conbin::text, '') FROM pg_constraint con
                      WHERE r.classid = 'pg_constraint'::regclass AND con.oid = r.objid
                      UNION ALL SELECT coalesce(i.indexprs::text, '') || ' ' || coalesce(i.indpred::text, '') FROM pg_index i
                      WHERE r.classid = 'pg_class'::regclass AND i.indexrelid = r.objid) AS tree(text),
                     regexp_matches(tree.text,
                         ':(funcid|opfuncid|hashfuncid|negfuncid|aggfnoid|winfnoid|opno|sortop|eqop|relid|resulttype|consttype) ([0-9]+)',
                         'g') AS m
            ) AS step(classid, objid, plan_time)
            WHERE r.objid >= 16384  -- built-in objects use only built-in functions
        )
        SELECT p.oid::text AS oid, n.nspname AS schema, p.proname AS name, p.provolatile AS volatility,
               l.lanname AS language, e.extname AS extension,
               min(reached.via) AS via, bool_or(reached.plan_time) AS plan_time
        FROM reached
        JOIN pg_proc p ON reached.classid = 'pg_proc'::regclass AND p.oid = reached.objid
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
        LEFT JOIN pg_depend ed ON ed.classid = 'pg_proc'::regclass AND ed.objid = p.oid AND ed.deptype = 'e'
        LEFT JOIN pg_extension e ON e.oid = ed.refobjid
        GROUP BY p.oid, n.nspname, p.proname, p.provolatile, l.lanname, e.extname
        ORDER BY p.oid
        """
}

/// Which functions the user vouches for.
public struct FunctionPolicy: Sendable {
    /// Every function that is not built-in or from an extension known to act outside the transaction.
    public var trustFunctions: Bool
    /// Names (`f` or `schema.f`) trusted one by one.
    public var allowedFunctions: Set<String>

    public init(trustFunctions: Bool = false, allowedFunctions: Set<String> = []) {
        self.trustFunctions = trustFunctions
        self.allowedFunctions = allowedFunctions
    }

    func trusts(_ function: ReachedFunction) -> Bool {
        trustFunctions || allowedFunctions.contains(function.name) || allowedFunctions.contains("\(function.schema).\(function.name)")
    }
}

/// The names a statement uses, read from libpg_query's tree. A schema of "" means unqualified.
struct StatementNames {
    var functions: [(schema: String, name: String, arguments: Int)] = []
    var operators: [(schema: String, name: String, prefix: Bool)] = []
    var types: [(schema: String, name: String)] = []
    var relations: [(schema: String, name: String)] = []

    init(_ root: Node) {
        root.walk { node in
            switch node.kind {
            case .funcCall:
                if let name = Self.qualifiedName(node[.funcname]) {
                    functions.append((name.schema, name.name, node[.args]?.elements.count ?? 0))
                }
            case .aExpr:
                let prefix = node[.lexpr] == nil
                switch node.as(AExpr.self)?.kind {
                case .between, .notBetween, .betweenSym, .notBetweenSym:
                    operators += [("", "<=", false), ("", ">=", false)]
                default:
                    if let name = Self.qualifiedName(node[.name]) { operators.append((name.schema, name.name, prefix)) }
                }
            case .subLink:
                if let name = Self.qualifiedName(node[.operName]) { operators.append((name.schema, name.name, false)) }
            case .typeName:
                if let name = Self.qualifiedName(node[.names]) { types.append(name) }
            default:
                break
            }
            // libpg_query leaves the wrapper off a field of a fixed node type (`InsertStmt.relation`,
            // `TypeCast.typeName`), so relations and types are found by their fields.
            if node.kind != .typeName, let name = Self.qualifiedName(node[.typeName]?[.names]) { types.append(name) }
            if let name = node[.relname]?.string { relations.append((node[.schemaname]?.string ?? "", name)) }
            return .visitChildren
        }
    }

    /// A name list's schema ("" when unqualified) and name.
    private static func qualifiedName(_ list: Node?) -> (schema: String, name: String)? {
        list?.qualifiedName.map { ($0.schema ?? "", $0.name) }
    }
}

extension PostgresArray {
    /// A one-dimensional text array literal with every element quoted (`{"a","b \"c\""}`), for
    /// sending names as one parameter.
    static func literal(_ elements: [String]) -> String {
        "{" + elements.map { element in
            "\"" + element.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}
