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
                   c.reltuples::bigint AS estimated_rows, pg_total_relation_size(c.oid) AS size
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE \(userRelations)
            """).rows {
            guard let oid = row["oid"], let schema = row["schema"], let name = row["name"] else { continue }
            let relation = RelationName(schema: schema, name: name)
            names[oid] = relation
            // reltuples is -1 until the table is first vacuumed or analyzed.
            let estimate = row.int("estimated_rows").flatMap { $0 >= 0 ? $0 : nil }
            model.setTable(Table(name: relation, estimatedRows: estimate, sizeBytes: row.int("size")))
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
