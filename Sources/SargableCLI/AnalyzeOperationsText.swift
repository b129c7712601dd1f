import Foundation
import SargableLogs

/// The operational part of the terminal report: statement types and breakdowns, the slowest
/// executions, errors, lock waits, deadlocks, temporary files, checkpoints, autovacuum and
/// connections. A section with nothing logged is one line naming the setting that logs it.
struct AnalyzeOperationsText {
    let report: WorkloadReport
    /// Rows per list; 0 shows every row.
    let top: Int
    let bold: (String) -> String

    private var operations: OperationalReport { report.operations }

    private func rows<T>(_ items: [T], limit: Int = 5) -> ArraySlice<T> {
        top == 0 ? items[...] : items.prefix(min(top, limit))
    }

    private func more(_ total: Int, shown: Int) -> String {
        total > shown ? "  … and \(total - shown) more (--top 0 shows all)\n" : ""
    }

    func render() -> String {
        var output = ""
        var missing: [String] = []
        output += workload()
        output += errors()
        if operations.lockWaits.waits > 0 || operations.deadlocks.count > 0 { output += locks() } else { missing.append("lock waits (log_lock_waits = on)") }
        if operations.temporaryFiles.count > 0 { output += temporaryFiles() } else { missing.append("temporary files (log_temp_files = 0)") }
        if operations.checkpoints.started + operations.checkpoints.completed > 0 { output += checkpoints() } else { missing.append("checkpoints (log_checkpoints = on)") }
        if operations.maintenance.vacuums + operations.maintenance.analyzes > 0 { output += maintenance() } else {
            missing.append("autovacuum (log_autovacuum_min_duration = 0)")
        }
        if operations.connections.received + operations.connections.authorized + operations.connections.disconnections > 0 {
            output += connections()
        } else {
            missing.append("connections (log_connections, log_disconnections = on)")
        }
        // A pg_stat_statements export is no log: nothing in it could have said.
        if !missing.isEmpty, report.summary.format != LogFormat.pgStatStatements.rawValue {
            output += "\nnone in the log: " + missing.joined(separator: ", ") + "\n"
        }
        return output
    }

    private func workload() -> String {
        let queries = operations.queries
        guard !queries.byType.isEmpty else { return "" }
        var output = "\n" + bold("Statements by type") + "\n"
        for share in queries.byType { output += shareLine(share, width: 8) }
        for (title, shares) in [("database", queries.byDatabase), ("user", queries.byUser),
                                ("application", queries.byApplication), ("host", queries.byHost)] where !shares.isEmpty {
            output += "\n" + bold("By \(title)") + "\n"
            let shown = rows(shares)
            for share in shown { output += shareLine(share, width: 20) }
            output += more(shares.count, shown: shown.count)
        }
        if !queries.slowest.isEmpty {
            output += "\n" + bold("Slowest executions") + "\n"
            let shown = rows(queries.slowest)
            for slow in shown {
                output += pad(WorkloadRules.formatMilliseconds(slow.durationMs), 10) + "  "
                output += AnalyzeFormatting.oneLine(slow.query, limit: 100) + "\n"
                var place = "            " + (slow.file.map { "\($0):\(slow.line)" } ?? "line \(slow.line)")
                if let time = slow.time { place += " at " + AnalyzeFormatting.timestamp(time) }
                if let who = AnalyzeFormatting.who(user: slow.user, database: slow.database, application: slow.application) { place += " (\(who))" }
                output += place + "\n"
                if let parameters = slow.parameters { output += "            parameters: " + AnalyzeFormatting.oneLine(parameters, limit: 100) + "\n" }
            }
            output += more(queries.slowest.count, shown: shown.count)
        }
        return output
    }

    private func shareLine(_ share: OperationalReport.WorkloadShare, width: Int) -> String {
        var line = "  " + share.name.padding(toLength: max(width, share.name.count), withPad: " ", startingAt: 0)
        let executions = AnalyzeFormatting.counted(share.executions, "execution")
        line += pad(executions, 20) + pad(WorkloadRules.formatMilliseconds(share.totalMs), 12)
        if share.errors > 0 { line += "  (\(AnalyzeFormatting.counted(share.errors, "error")))" }
        return line + "\n"
    }

    private func errors() -> String {
        let errors = operations.errors
        guard errors.total > 0 else { return "" }
        var output = "\n" + bold("Errors") + ": " + AnalyzeFormatting.grouped(errors.total)
        output += " (" + errors.bySeverity.map { "\(AnalyzeFormatting.grouped($0.count)) \($0.name)" }.joined(separator: ", ") + ")\n"
        if !errors.classes.isEmpty {
            output += "  by SQLSTATE class: " + errors.classes.map { "\($0.code) \($0.name) \(AnalyzeFormatting.grouped($0.count))" }
                .joined(separator: ", ") + "\n"
        }
        if errors.withoutSQLState > 0 {
            output += "  \(AnalyzeFormatting.counted(errors.withoutSQLState, "error")) without a SQLSTATE (add %e to log_line_prefix, or use csvlog or jsonlog)\n"
        }
        let shown = rows(errors.messages)
        for message in shown {
            output += "  " + pad(AnalyzeFormatting.grouped(message.count), 6) + " × \(message.severity)"
            if let state = message.sqlState { output += " \(state)" }
            output += "  \(AnalyzeFormatting.oneLine(message.message, limit: 100))\n"
            output += "           e.g. \(message.file):\(message.line): \(AnalyzeFormatting.oneLine(message.example, limit: 100))\n"
            if let detail = message.detail { output += "           detail: \(AnalyzeFormatting.oneLine(detail, limit: 100))\n" }
            if let statement = message.statement { output += "           statement: \(AnalyzeFormatting.oneLine(statement, limit: 100))\n" }
        }
        return output + more(errors.distinctMessages, shown: shown.count)
    }

    private func locks() -> String {
        let locks = operations.lockWaits
        var output = ""
        if locks.waits > 0 {
            output += "\n" + bold("Lock waits") + ": \(AnalyzeFormatting.grouped(locks.waits)) longer than deadlock_timeout ("
            output += ["\(locks.acquired) acquired", locks.deadlocked > 0 ? "\(locks.deadlocked) ended in a deadlock" : nil,
                       locks.notAcquired > 0 ? "\(locks.notAcquired) not acquired" : nil].compactMap { $0 }.joined(separator: ", ")
            output += "), \(WorkloadRules.formatMilliseconds(locks.totalMs)) waited, longest \(WorkloadRules.formatMilliseconds(locks.maxMs))\n"
            output += "  by mode: " + locks.byMode.map { "\($0.name) \($0.count)" }.joined(separator: ", ") + "\n"
            for object in rows(locks.byObject) {
                output += "  on \(object.object): \(AnalyzeFormatting.counted(object.count, "wait")), \(WorkloadRules.formatMilliseconds(object.totalMs))\n"
            }
            let shown = rows(locks.longest)
            for wait in shown {
                output += "  " + pad(WorkloadRules.formatMilliseconds(wait.waitedMs), 10) + "  pid \(wait.pid)"
                if let who = AnalyzeFormatting.who(user: wait.user, database: wait.database, application: wait.application) { output += " (\(who))" }
                output += " waited for \(wait.mode) on \(wait.object)"
                if let relation = wait.relation { output += " in \(relation)" }
                output += ", \(wait.outcome)"
                if !wait.heldBy.isEmpty { output += "; held by " + wait.heldBy.map(String.init).joined(separator: ", ") }
                output += "  \(wait.file):\(wait.line)\n"
                if let statement = wait.statement { output += "              statement: \(AnalyzeFormatting.oneLine(statement, limit: 100))\n" }
            }
        }
        let deadlocks = operations.deadlocks
        if deadlocks.count > 0 {
            output += "\n" + bold("Deadlocks") + ": \(AnalyzeFormatting.grouped(deadlocks.count))\n"
            let shown = rows(deadlocks.deadlocks)
            for deadlock in shown {
                output += "  \(deadlock.file):\(deadlock.line)"
                if let time = deadlock.time { output += " at \(AnalyzeFormatting.timestamp(time))" }
                if let pid = deadlock.pid { output += ": pid \(pid) cancelled" }
                output += "\n"
                for wait in deadlock.waits {
                    output += "    process \(wait.pid) waits for \(wait.mode) on \(wait.object)"
                    if let blocker = wait.blockedBy { output += ", blocked by \(blocker)" }
                    output += "\n"
                }
                for statement in deadlock.statements {
                    output += "    process \(statement.pid): \(AnalyzeFormatting.oneLine(statement.statement, limit: 100))\n"
                }
            }
            output += more(deadlocks.count, shown: shown.count)
        }
        return output
    }

    private func temporaryFiles() -> String {
        let files = operations.temporaryFiles
        var output = "\n" + bold("Temporary files") + ": \(AnalyzeFormatting.grouped(files.count)), "
        output += "\(AnalyzeFormatting.size(files.totalBytes)) in all, largest \(AnalyzeFormatting.size(files.maxBytes))\n"
        for statement in rows(files.statements) {
            output += "  " + pad(AnalyzeFormatting.size(statement.totalBytes), 10) + " in \(AnalyzeFormatting.counted(statement.count, "file"))"
            output += "  \(AnalyzeFormatting.oneLine(statement.query, limit: 100))\n"
        }
        if files.withoutStatement > 0 { output += "  \(files.withoutStatement) logged without their statement\n" }
        return output
    }

    private func checkpoints() -> String {
        let checkpoints = operations.checkpoints
        var output = "\n" + bold("Checkpoints") + ": \(AnalyzeFormatting.grouped(checkpoints.completed)) completed"
        if !checkpoints.byCause.isEmpty {
            output += " (" + checkpoints.byCause.map { "\($0.name) \($0.count)" }.joined(separator: ", ") + ")"
        }
        output += "; \(AnalyzeFormatting.counted(checkpoints.buffersWritten, "buffer")) written"
        output += "; write " + String(format: "%.3f s", checkpoints.writeSeconds) + ", sync " + String(format: "%.3f s", checkpoints.syncSeconds)
        output += ", total " + String(format: "%.3f s", checkpoints.totalSeconds) + " (longest " + String(format: "%.3f s", checkpoints.maxTotalSeconds) + ")"
        output += "; distance \(AnalyzeFormatting.size(Int(checkpoints.distanceKB * 1024))) (largest \(AnalyzeFormatting.size(Int(checkpoints.maxDistanceKB * 1024))))\n"
        output += "  WAL files: \(checkpoints.walFilesAdded) added, \(checkpoints.walFilesRemoved) removed, \(checkpoints.walFilesRecycled) recycled\n"
        if checkpoints.tooFrequent > 0 {
            output += "  \(AnalyzeFormatting.counted(checkpoints.tooFrequent, "warning")) that checkpoints occur too frequently (raise max_wal_size)\n"
        }
        return output
    }

    private func maintenance() -> String {
        let maintenance = operations.maintenance
        var output = "\n" + bold("Autovacuum") + ": \(AnalyzeFormatting.counted(maintenance.vacuums, "vacuum")), "
        output += "\(AnalyzeFormatting.counted(maintenance.analyzes, "analyze")) of \(AnalyzeFormatting.counted(maintenance.tables.count, "table"))\n"
        let shown = rows(maintenance.tables)
        for table in shown {
            output += "  \(table.table): "
            var parts: [String] = []
            if table.vacuums > 0 {
                parts.append(AnalyzeFormatting.counted(table.vacuums, "vacuum") + String(format: " (%.2f s, longest %.2f s", table.vacuumSeconds, table.maxVacuumSeconds)
                    + ", \(AnalyzeFormatting.grouped(table.tuplesRemoved)) tuples removed)")
            }
            if table.analyzes > 0 {
                parts.append(AnalyzeFormatting.counted(table.analyzes, "analyze") + String(format: " (%.2f s)", table.analyzeSeconds))
            }
            output += parts.joined(separator: ", ") + "\n"
        }
        return output + more(maintenance.tables.count, shown: shown.count)
    }

    private func connections() -> String {
        let connections = operations.connections
        var output = "\n" + bold("Connections") + ": \(AnalyzeFormatting.grouped(connections.authorized)) authorized"
        output += " (\(AnalyzeFormatting.grouped(connections.received)) received), \(AnalyzeFormatting.counted(connections.disconnections, "disconnection"))\n"
        if let peak = connections.peakSessions { output += "  peak: \(peak)\n" }
        if connections.disconnections > 0 {
            output += "  sessions lasted " + WorkloadRules.formatSeconds(connections.sessionSeconds / Double(connections.disconnections))
            output += " on average, longest " + WorkloadRules.formatSeconds(connections.maxSessionSeconds) + ": "
            output += connections.sessionDurations.map { "\($0.name) \($0.count)" }.joined(separator: ", ") + "\n"
        }
        for (title, tallies) in [("database", connections.byDatabase), ("user", connections.byUser),
                                 ("application", connections.byApplication), ("host", connections.byHost)] where !tallies.isEmpty {
            let shown = rows(tallies)
            output += "  by \(title): " + shown.map { "\($0.name) \(AnalyzeFormatting.grouped($0.count))" }.joined(separator: ", ")
            output += tallies.count > shown.count ? ", … \(tallies.count - shown.count) more\n" : "\n"
        }
        return output
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}

extension AnalyzeFormatting {
    /// `632 KiB`, `1.5 MiB`.
    static func size(_ bytes: Int) -> String {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift {
            let value = Double(bytes) / Double(1 << shift)
            return (value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)) + " " + unit
        }
        return "\(bytes) bytes"
    }

    /// `user@database, application`, or nil when the log names none of them.
    static func who(user: String?, database: String?, application: String?) -> String? {
        var parts: [String] = []
        if let user { parts.append(user + (database.map { "@" + $0 } ?? "")) } else if let database { parts.append("@" + database) }
        if let application { parts.append(application) }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
