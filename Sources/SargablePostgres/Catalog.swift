import SargableAnalysis
import SargableSchema

/// Reads the live catalog into the same `SchemaModel` the linter builds from DDL: tables, columns,
/// keys, foreign keys, indexes (expressions, predicates, method, validity), sizes, row estimates
/// and index scans since statistics were reset. System schemas and partitions are left out.
public enum Catalog {
    static let userRelations = """
        c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname !~ '^pg_(toast|temp)'
        """

    /// Reads in a read-only transaction under `limits`, so a table locked by a migration (ACCESS
    /// EXCLUSIVE blocks even `pg_total_relation_size`) ends the read with a lock timeout instead
    /// of blocking forever; `limits.describe` words that error.
    public static func read(_ connection: Connection,
                            limits: StatementLimits = StatementLimits()) throws(PostgresError) -> SchemaModel {
        try connection.readOnlyTransaction(limits) { () throws(PostgresError) in try readModel(connection) }
    }

    private static func readModel(_ connection: Connection) throws(PostgresError) -> SchemaModel {
        var model = SchemaModel()
        model.serverVersion = connection.serverVersion / 10000
        var names: [String: RelationName] = [:]

        for row in try connection.query("""
            SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name,
                   c.reltuples::bigint AS estimated_rows, pg_total_relation_size(c.oid) AS size,
                   pg_relation_size(c.oid) AS heap_size, c.relrowsecurity AS row_security,
                   c.relforcerowsecurity AS force_row_security,
                   EXISTS (SELECT 1 FROM pg_options_to_table(c.reloptions) o
                           WHERE o.option_name = 'autovacuum_enabled'
                             AND lower(o.option_value) IN ('false', 'off', 'no', 'f', 'n', '0')) AS autovacuum_disabled,
                   s.n_tup_ins AS inserted, s.n_tup_upd AS updated, s.n_tup_hot_upd AS hot_updated, s.n_tup_del AS deleted
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE \(userRelations)
            """).rows {
            guard let oid = row["oid"], let schema = row["schema"], let name = row["name"] else { continue }
            let relation = RelationName(schema: schema, name: name)
            names[oid] = relation
            // reltuples is -1 until the table is first vacuumed or analyzed.
            let estimate = row.int("estimated_rows").flatMap { $0 >= 0 ? $0 : nil }
            var table = Table(name: relation, estimatedRows: estimate, sizeBytes: row.int("size"))
            table.heapSizeBytes = row.int("heap_size")
            table.autovacuumDisabled = row.bool("autovacuum_disabled")
            if let inserted = row.int("inserted") {
                table.writes = TableWrites(inserted: inserted, updated: row.int("updated") ?? 0,
                                           hotUpdated: row.int("hot_updated") ?? 0, deleted: row.int("deleted") ?? 0)
            }
            let enabled = row.bool("row_security") ?? false, forced = row.bool("force_row_security") ?? false
            if enabled || forced { table.rowSecurity = RowSecurity(enabled: enabled, forced: forced) }
            model.setTable(table)
        }

        for row in try connection.query("SELECT polrelid::text AS oid, polname AS name FROM pg_policy ORDER BY polrelid, polname").rows {
            guard let table = row["oid"].flatMap({ names[$0] }), let name = row["name"] else { continue }
            model.updateTable(table) { $0.rowSecurity = ($0.rowSecurity ?? RowSecurity()).adding(policy: name) }
        }

        for row in try connection.query("""
            SELECT a.attrelid::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                   a.attnotnull AS not_null, a.atthasdef AS has_default, t.typcategory = 'A' AS is_array
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE a.attnum > 0 AND NOT a.attisdropped AND \(userRelations)
            ORDER BY a.attrelid, a.attnum
            """).rows {
            guard let table = row["oid"].flatMap({ names[$0] }), let name = row["name"], let type = row["type"] else { continue }
            let column = Column(name: name, type: type, isArray: row.bool("is_array") ?? false,
                                notNull: row.bool("not_null") ?? false, hasDefault: row.bool("has_default") ?? false)
            model.updateTable(table) { $0.columns.append(column) }
        }

        for row in try connection.query("""
            SELECT con.conrelid::text AS oid, con.conname AS name, con.contype AS type,
                   ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
                         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                         ORDER BY k.position) AS columns,
                   rn.nspname AS referenced_schema, rc.relname AS referenced_table,
                   ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
                         JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                         ORDER BY k.position) AS referenced_columns,
                   con.confdeltype AS on_delete, con.convalidated AS validated
            FROM pg_constraint con
            LEFT JOIN pg_class rc ON rc.oid = con.confrelid
            LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE con.contype IN ('p', 'u', 'f')
            ORDER BY con.conrelid, con.conname
            """).rows {
            guard let table = row["oid"].flatMap({ names[$0] }), let columns = row.array("columns") else { continue }
            switch row["type"] {
            case "p":
                model.updateTable(table) { $0.primaryKey = columns }
            case "u":
                model.updateTable(table) { $0.uniqueConstraints.append(columns) }
            case "f":
                guard let referencedTable = row["referenced_table"] else { continue }
                let foreignKey = ForeignKey(
                    name: row["name"], table: table, columns: columns,
                    referencedTable: RelationName(schema: row["referenced_schema"], name: referencedTable),
                    referencedColumns: row.array("referenced_columns") ?? [],
                    onDelete: ForeignKeyAction.name(row["on_delete"]), isValidated: row.bool("validated") ?? true)
                model.updateTable(table) { $0.foreignKeys.append(foreignKey) }
            default:
                continue
            }
        }

        // Per key: the column name ('' for an expression), the key's text as pg_get_indexdef prints
        // it, and its operator class when it is not the type's default ('' otherwise).
        for row in try connection.query("""
            SELECT i.indrelid::text AS oid, ic.relname AS name, i.indisunique AS is_unique,
                   i.indisprimary AS is_primary, i.indisvalid AND i.indisready AS is_valid, am.amname AS method,
                   pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
                   ARRAY(SELECT coalesce(a.attname, '') FROM generate_series(1, i.indnkeyatts) AS k
                         LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
                         ORDER BY k) AS key_columns,
                   ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k
                         ORDER BY k) AS key_texts,
                   ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname END
                         FROM generate_series(1, i.indnkeyatts) AS k
                         JOIN pg_opclass oc ON oc.oid = i.indclass[k - 1] ORDER BY k) AS operator_classes,
                   s.idx_scan AS scans, pg_relation_size(i.indexrelid) AS size
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_am am ON am.oid = ic.relam
            LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
            ORDER BY i.indrelid, ic.relname
            """).rows {
            guard let table = row["oid"].flatMap({ names[$0] }), let name = row["name"],
                  let columns = row.array("key_columns"), let texts = row.array("key_texts") else { continue }
            let keys: [IndexKey] = zip(columns, texts).map { column, text in
                // Read as SQL once here, so rules compare structures and never parse catalog text.
                column.isEmpty ? .expression(ExpressionIdentity.expression(sql: text, text: unwrapped(text))) : .column(column)
            }
            let index = Index(name: name, table: table, keys: keys, isUnique: row.bool("is_unique") ?? false,
                              isPrimary: row.bool("is_primary") ?? false, method: row["method"] ?? "btree",
                              operatorClasses: (row.array("operator_classes") ?? []).map { $0.isEmpty ? nil : $0 },
                              predicate: row["predicate"].map { ExpressionIdentity.expression(sql: $0) }, isValid: row.bool("is_valid") ?? true,
                              scans: row.int("scans"), sizeBytes: row.int("size"))
            model.updateTable(table) { $0.indexes.append(index) }
        }
        return model
    }

    /// pg_get_indexdef prints an expression key in parentheses (`(lower(email))`); the model keeps
    /// the expression itself.
    private static func unwrapped(_ text: String) -> String {
        guard text.hasPrefix("("), text.hasSuffix(")") else { return text }
        var depth = 0
        for (offset, character) in text.enumerated() {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if depth == 0 && offset < text.count - 1 { return text }
        }
        return String(text.dropFirst().dropLast())
    }
}

extension Catalog {
    /// How long the cumulative statistics (scan counts, write counters) have been counting, and
    /// whether they were ever reset. Statistics survive a clean restart, so a database never reset
    /// has collected them at least since the server started.
    public static func statisticsAge(_ connection: Connection) throws(PostgresError) -> (seconds: Int, everReset: Bool)? {
        guard let row = try connection.query("""
            SELECT extract(epoch FROM now() - coalesce(stats_reset, pg_postmaster_start_time()))::bigint AS age,
                   stats_reset IS NOT NULL AS ever_reset
            FROM pg_stat_database WHERE datname = current_database()
            """).rows.first else { return nil }
        return (row.int("age") ?? 0, row.bool("ever_reset") ?? false)
    }

    /// The schema and everything the health checks read besides it: settings, per-role and
    /// per-database settings, login roles, statistics age, connections, b-tree bloat.
    public static func readHealth(_ connection: Connection,
                                  limits: StatementLimits = StatementLimits()) throws(PostgresError) -> ServerHealth {
        try connection.readOnlyTransaction(limits) { () throws(PostgresError) in
            var health = ServerHealth(schema: try readModel(connection))
            health.database = try connection.query("SELECT current_database() AS name").rows.first?["name"] ?? ""
            health.settings = try serverSettings(connection)
            for row in try connection.query("""
                SELECT r.rolname AS role, d.datname AS database, unnest(s.setconfig) AS setting
                FROM pg_db_role_setting s
                LEFT JOIN pg_roles r ON r.oid = s.setrole
                LEFT JOIN pg_database d ON d.oid = s.setdatabase
                WHERE s.setdatabase = 0 OR d.datname = current_database()
                """).rows {
                guard let setting = row["setting"], let equals = setting.firstIndex(of: "=") else { continue }
                health.overrides.append(SettingOverride(role: row["role"], database: row["database"],
                                                        name: String(setting[..<equals]),
                                                        value: String(setting[setting.index(after: equals)...])))
            }
            health.loginRoles = try connection.query("SELECT rolname, rolsuper FROM pg_roles WHERE rolcanlogin ORDER BY rolname").rows
                .compactMap { row in row["rolname"].map { LoginRole(name: $0, isSuperuser: row.bool("rolsuper") ?? false) } }
            if let age = try statisticsAge(connection) {
                health.statisticsAgeSeconds = age.seconds
                health.statisticsEverReset = age.everReset
            }
            health.connections = try connection.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend'").rows.first?.int("n") ?? 0
            health.indexBloat = try indexBloat(connection)
            return health
        }
    }

    /// Server-wide values: what a session sees unless a per-role or per-database setting (or this
    /// session's own limits) replaced it; then the configuration files' value when this role may
    /// read them, else the built-in default.
    private static func serverSettings(_ connection: Connection) throws(PostgresError) -> [String: ServerSetting] {
        var settings: [String: ServerSetting] = [:]
        for row in try connection.query("""
            SELECT s.name, s.unit,
                   CASE WHEN s.source NOT IN ('database', 'user', 'database user', 'session', 'client') THEN s.setting
                        WHEN has_function_privilege('pg_show_all_file_settings()', 'execute')
                        THEN coalesce((SELECT f.setting FROM pg_file_settings f
                                       WHERE f.name = s.name AND f.applied ORDER BY f.seqno DESC LIMIT 1), s.boot_val)
                        ELSE s.boot_val END AS value
            FROM pg_settings s
            """).rows {
            guard let name = row["name"], let value = row["value"] else { continue }
            settings[name] = ServerSetting(name: name, value: value, unit: row["unit"])
        }
        return settings
    }

    /// B-tree indexes of at least 1 MB: measured by `pgstatindex` when pgstattuple is installed in
    /// this database and this role may call it, else estimated from the table's row estimate and its key columns' average
    /// widths (indexes on expressions, or on tables never analyzed, have no estimate).
    private static func indexBloat(_ connection: Connection) throws(PostgresError) -> [RelationName: IndexBloat] {
        // Only when this role may call it (superusers and pg_stat_scan_tables by default). The
        // check is in the select list, which sees only the row WHERE kept: the function exists
        // only in pgstattuple's schema.
        let pgstattuple = try connection.query("""
            SELECT n.nspname, has_function_privilege(format('%I.pgstatindex(regclass)', n.nspname), 'execute') AS allowed
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pgstattuple'
            """).rows.first.flatMap { $0.bool("allowed") == true ? $0["nspname"] : nil }
        var bloat: [RelationName: IndexBloat] = [:]
        for row in try connection.query("""
            SELECT n.nspname AS schema, ic.relname AS name, i.indexrelid::text AS oid, pg_relation_size(i.indexrelid) AS size,
                   c.reltuples::bigint AS tuples, current_setting('block_size')::int AS block_size,
                   coalesce((SELECT o.option_value::int FROM pg_options_to_table(ic.reloptions) o
                             WHERE o.option_name = 'fillfactor'), 90) AS fillfactor,
                   0 <> ALL (i.indkey::int2[]) AS plain_columns,
                   (SELECT sum(st.avg_width) FROM pg_attribute a
                    JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname
                    WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])) AS key_width,
                   (SELECT count(*) FROM pg_attribute a
                    WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])) AS key_count,
                   (SELECT count(*) FROM pg_attribute a
                    JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname
                    WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])) AS key_stats
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_am am ON am.oid = ic.relam
            WHERE am.amname = 'btree' AND i.indisvalid AND pg_relation_size(i.indexrelid) >= 1048576
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
            """).rows {
            guard let schemaName = row["schema"], let name = row["name"], let oid = row["oid"],
                  let size = row.int("size"), size > 0 else { continue }
            let relation = RelationName(schema: schemaName, name: name)
            if let pgstattuple {
                // avg_leaf_density is how full the leaf pages are; a fresh index is as full as its fillfactor.
                guard let density = try connection.query(
                    "SELECT avg_leaf_density FROM \(Connection.quoteIdentifier(pgstattuple)).pgstatindex($1::oid::regclass)",
                    [oid]).rows.first?.double("avg_leaf_density"), density.isFinite else { continue }
                let fill = Double(row.int("fillfactor") ?? 90)
                let percent = Int(max(0, min(100, (1 - density / fill) * 100)).rounded())
                bloat[relation] = IndexBloat(percent: percent, wastedBytes: size * percent / 100, method: .pgstattuple)
            } else {
                guard row.bool("plain_columns") == true, let tuples = row.int("tuples"), tuples >= 0,
                      let width = row.double("key_width"), row.int("key_stats") == row.int("key_count") else { continue }
                // Per entry: an 8-byte tuple header and the keys, padded to 8 bytes, plus a 4-byte
                // line pointer; pages hold (block size − 24-byte header − 16-byte b-tree special)
                // times the fillfactor; one metapage.
                let blockSize = Double(row.int("block_size") ?? 8192)
                let entry = 8 + (width / 8).rounded(.up) * 8 + 4
                let perPage = ((blockSize - 40) * Double(row.int("fillfactor") ?? 90) / 100 / entry).rounded(.down)
                let expected = (Double(tuples) / max(1, perPage)).rounded(.up) * blockSize + blockSize
                let percent = Int(max(0, min(100, (1 - expected / Double(size)) * 100)).rounded())
                bloat[relation] = IndexBloat(percent: percent, wastedBytes: size * percent / 100, method: .statistics)
            }
        }
        return bloat
    }
}
