import Foundation
import SargableLogs

/// The operational sections of the HTML report, each collapsible, with inline SVG and CSS charts
/// (no scripts or assets from elsewhere: the page stays one self-contained file).
struct AnalyzeOperationsHTML {
    let report: WorkloadReport
    /// Rows per table; 0 shows every row.
    let top: Int

    private var operations: OperationalReport { report.operations }
    private func escape(_ text: String) -> String { AnalyzeFormatting.escapeHTML(text) }
    private func rows<T>(_ items: [T]) -> ArraySlice<T> { top == 0 ? items[...] : items.prefix(top) }

    static func more(_ total: Int, shown: Int, noun: String) -> String {
        total > shown ? "<p class=\"hint\">\(shown) of \(AnalyzeFormatting.grouped(total)) \(noun) — <code>--top 0</code> for all</p>" : ""
    }

    /// A section that opens and closes; `summary` is what it shows closed.
    static func section(_ id: String, _ title: String, _ summary: String, open: Bool = true, _ body: String) -> String {
        let escape = AnalyzeFormatting.escapeHTML
        return "<section id=\"\(id)\"><details class=\"fold\"\(open ? " open" : "")><summary><h2>\(escape(title)) <span class=\"hint\">\(escape(summary))</span></h2></summary>\(body)</details></section>"
    }

    private func absent(_ id: String, _ title: String, _ setting: String) -> String {
        guard report.summary.format != LogFormat.pgStatStatements.rawValue else { return "" }
        return "<section id=\"\(id)\"><h2>\(escape(title))</h2><p class=\"empty\">none in the log (logged with <code>\(escape(setting))</code>)</p></section>"
    }

    func render() -> String {
        var html = workload()
        html += slowest()
        html += errors()
        html += operations.lockWaits.waits + operations.deadlocks.count > 0 ? locks() : absent("locks", "Lock waits and deadlocks", "log_lock_waits = on")
        html += operations.temporaryFiles.count > 0 ? temporaryFiles() : absent("temporary-files", "Temporary files", "log_temp_files = 0")
        html += operations.checkpoints.started + operations.checkpoints.completed > 0 ? checkpoints() : absent("checkpoints", "Checkpoints", "log_checkpoints = on")
        html += operations.maintenance.vacuums + operations.maintenance.analyzes > 0 ? maintenance()
            : absent("autovacuum", "Autovacuum and autoanalyze", "log_autovacuum_min_duration = 0")
        let connections = operations.connections
        html += connections.received + connections.authorized + connections.disconnections > 0 ? self.connections()
            : absent("connections", "Connections", "log_connections = on, log_disconnections = on")
        return html
    }

    // MARK: charts

    /// Horizontal CSS bars, one per row, the longest full width.
    private func bars(_ items: [(label: String, value: Double, text: String)]) -> String {
        guard let largest = items.map(\.value).max(), largest > 0 else { return "" }
        var html = "<div class=\"bars\">"
        for item in items {
            let percent = max(0.5, item.value / largest * 100)
            html += "<div class=\"barrow\"><span class=\"barlabel\" title=\"\(escape(item.label))\">\(escape(item.label))</span>"
            html += "<span class=\"bartrack\"><span class=\"barfill\" style=\"width:\(String(format: "%.1f", percent))%\"></span></span>"
            html += "<span class=\"barvalue\">\(escape(item.text))</span></div>"
        }
        return html + "</div>"
    }

    /// Columns over time: one per bucket of `seconds`, empty buckets left empty.
    private func timeChart(_ buckets: [OperationalReport.TimeBucket], seconds: Double, label: String,
                           value: (OperationalReport.TimeBucket) -> Double, text: (Double) -> String) -> String {
        guard let first = buckets.first, let last = buckets.last else { return "<p class=\"empty\">no timestamps</p>" }
        let width = 640.0, height = 160.0, left = 64.0, bottom = 24.0, topMargin = 8.0, right = 8.0
        let span = max(last.time - first.time + seconds, seconds * 10)
        let peak = max(buckets.map(value).max() ?? 1, Double.leastNonzeroMagnitude)
        func x(_ time: Double) -> Double { left + (time - first.time) / span * (width - left - right) }
        func y(_ v: Double) -> Double { height - bottom - v / peak * (height - bottom - topMargin) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(label))\">"
        for step in 0 ... 2 {
            let v = peak * Double(step) / 2
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(v))\" y2=\"\(y(v))\" class=\"grid\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\" class=\"axis\">\(step == 0 ? "0" : escape(text(v)))</text>"
        }
        let barWidth = max(1, (width - left - right) * seconds / span - 1)
        for bucket in buckets {
            let top = y(value(bucket))
            svg += "<rect x=\"\(String(format: "%.1f", x(bucket.time)))\" y=\"\(String(format: "%.1f", top))\" width=\"\(String(format: "%.1f", barWidth))\" "
            svg += "height=\"\(String(format: "%.1f", height - bottom - top))\" class=\"rate\"><title>\(AnalyzeFormatting.timestamp(bucket.time)): "
            svg += "\(AnalyzeFormatting.counted(bucket.executions, "execution")), \(escape(WorkloadRules.formatMilliseconds(bucket.totalMs)))</title></rect>"
        }
        svg += "<text x=\"\(left)\" y=\"\(height - 6)\" class=\"axis\">\(AnalyzeFormatting.timestamp(first.time))</text>"
        svg += "<text x=\"\(width - right)\" y=\"\(height - 6)\" text-anchor=\"end\" class=\"axis\">\(AnalyzeFormatting.timestamp(last.time))</text>"
        return svg + "</svg>"
    }

    private func table(_ headers: [(String, Bool)], _ body: String) -> String {
        var html = "<table class=\"sortable\"><thead><tr>"
        for (title, numeric) in headers { html += "<th data-numeric=\"\(numeric)\">\(escape(title))</th>" }
        return html + "</tr></thead><tbody>" + body + "</tbody></table>"
    }

    private func number(_ value: Double, _ text: String) -> String {
        "<td class=\"num\" data-value=\"\(value)\">\(escape(text))</td>"
    }

    private func cell(_ text: String?) -> String { "<td>\(escape(text ?? "–"))</td>" }

    // MARK: sections

    private func workload() -> String {
        let queries = operations.queries
        guard !queries.byType.isEmpty else { return "" }
        var body = "<div class=\"grid2\"><figure><figcaption>Executions by statement type</figcaption>"
        body += bars(queries.byType.map { ($0.name.uppercased() == "DDL" ? "DDL" : $0.name.uppercased(), Double($0.executions), AnalyzeFormatting.grouped($0.executions)) })
        body += "</figure><figure><figcaption>Time by statement type</figcaption>"
        body += bars(queries.byType.map { ($0.name.uppercased(), $0.totalMs, WorkloadRules.formatMilliseconds($0.totalMs)) })
        body += "</figure></div><div class=\"grid2\">"
        if let minutes = queries.perMinute, !minutes.isEmpty {
            body += "<figure><figcaption>Executions per minute</figcaption>"
            body += timeChart(minutes, seconds: 60, label: "executions per minute", value: { Double($0.executions) },
                              text: { AnalyzeFormatting.grouped(Int($0.rounded())) }) + "</figure>"
            body += "<figure><figcaption>Time per minute</figcaption>"
            body += timeChart(minutes, seconds: 60, label: "time per minute", value: { $0.totalMs },
                              text: WorkloadRules.formatMilliseconds) + "</figure>"
        }
        if !queries.perHour.isEmpty {
            body += "<figure><figcaption>Executions per hour</figcaption>"
            body += timeChart(queries.perHour, seconds: 3600, label: "executions per hour", value: { Double($0.executions) },
                              text: { AnalyzeFormatting.grouped(Int($0.rounded())) }) + "</figure>"
            body += "<figure><figcaption>Time per hour</figcaption>"
            body += timeChart(queries.perHour, seconds: 3600, label: "time per hour", value: { $0.totalMs },
                              text: WorkloadRules.formatMilliseconds) + "</figure>"
        }
        body += "</div><div class=\"grid2\">"
        for (title, shares) in [("database", queries.byDatabase), ("user", queries.byUser),
                                ("application", queries.byApplication), ("host", queries.byHost)] where !shares.isEmpty {
            let shown = Array(rows(shares))
            body += "<figure><figcaption>Time by \(title)</figcaption>"
            body += bars(shown.map { ($0.name, $0.totalMs, WorkloadRules.formatMilliseconds($0.totalMs) + " · " + AnalyzeFormatting.grouped($0.executions)) })
            body += Self.more(shares.count, shown: shown.count, noun: "\(title)s") + "</figure>"
        }
        body += "</div>"
        let total = queries.byType.reduce(0) { $0 + $1.executions }
        return Self.section("workload", "Workload", "\(AnalyzeFormatting.counted(total, "execution")) by type, time, database, user, application, host", body)
    }

    private func slowest() -> String {
        let slowest = operations.queries.slowest
        guard !slowest.isEmpty else { return "" }
        let shown = rows(slowest)
        var body = ""
        for slow in shown {
            body += "<tr>" + number(slow.durationMs, WorkloadRules.formatMilliseconds(slow.durationMs))
            body += "<td class=\"nowrap\">\(escape(slow.time.map(AnalyzeFormatting.timestamp) ?? "–"))</td>"
            body += cell(AnalyzeFormatting.who(user: slow.user, database: slow.database, application: slow.application))
            body += "<td class=\"query\"><details><summary>\(escape(AnalyzeFormatting.oneLine(slow.query, limit: 110)))</summary>"
            body += "<pre>\(escape(slow.query))</pre><p class=\"meta\">\(escape((slow.file ?? "") + ":\(slow.line)")) · fingerprint \(escape(slow.fingerprint))</p></details>"
            if let parameters = slow.parameters { body += "<p class=\"meta\">parameters: \(escape(parameters))</p>" }
            body += "</td></tr>"
        }
        return Self.section("slowest", "Slowest executions", "the \(shown.count) slowest, with their parameters",
                       table([("duration", true), ("at", false), ("who", false), ("statement", false)], body)
                       + Self.more(slowest.count, shown: shown.count, noun: "slowest executions kept"))
    }

    private func errors() -> String {
        let errors = operations.errors
        guard errors.total > 0 else {
            return "<section id=\"errors\"><h2>Errors</h2><p class=\"empty\">no ERROR, FATAL or PANIC messages</p></section>"
        }
        var body = "<div class=\"grid2\"><figure><figcaption>By SQLSTATE class</figcaption>"
        if errors.classes.isEmpty {
            body += "<p class=\"empty\">the log gives no SQLSTATE: add <code>%e</code> to log_line_prefix, or log to csvlog or jsonlog</p>"
        } else {
            body += bars(errors.classes.map { ("\($0.code) \($0.name)", Double($0.count), AnalyzeFormatting.grouped($0.count)) })
        }
        body += "</figure><figure><figcaption>By severity</figcaption>"
        body += bars(errors.bySeverity.map { ($0.name, Double($0.count), AnalyzeFormatting.grouped($0.count)) }) + "</figure></div>"
        let shown = rows(errors.messages)
        var tableBody = ""
        for message in shown {
            tableBody += "<tr>" + number(Double(message.count), AnalyzeFormatting.grouped(message.count)) + cell(message.severity) + cell(message.sqlState)
            tableBody += "<td class=\"query\"><details><summary>\(escape(message.message))</summary><dl>"
            tableBody += "<dt>example</dt><dd>\(escape(message.file)):\(message.line): \(escape(message.example))</dd>"
            if let detail = message.detail { tableBody += "<dt>detail</dt><dd>\(escape(detail))</dd>" }
            if let hint = message.hint { tableBody += "<dt>hint</dt><dd>\(escape(hint))</dd>" }
            if let statement = message.statement { tableBody += "<dt>statement</dt><dd><pre>\(escape(statement))</pre></dd>" }
            if let who = AnalyzeFormatting.who(user: message.user, database: message.database, application: nil) { tableBody += "<dt>who</dt><dd>\(escape(who))</dd>" }
            tableBody += "</dl></details></td></tr>"
        }
        body += table([("count", true), ("severity", false), ("SQLSTATE", false), ("message", false)], tableBody)
        body += Self.more(errors.distinctMessages, shown: shown.count, noun: "messages")
        return Self.section("errors", "Errors", "\(AnalyzeFormatting.grouped(errors.total)) in \(AnalyzeFormatting.counted(errors.distinctMessages, "message"))", body)
    }

    private func locks() -> String {
        let locks = operations.lockWaits
        var body = ""
        if locks.waits > 0 {
            body += "<div class=\"cards\">" + card("waits", AnalyzeFormatting.grouped(locks.waits)) + card("acquired", String(locks.acquired))
            body += card("deadlocked", String(locks.deadlocked)) + card("not acquired", String(locks.notAcquired))
            body += card("waited", WorkloadRules.formatMilliseconds(locks.totalMs)) + card("longest", WorkloadRules.formatMilliseconds(locks.maxMs)) + "</div>"
            body += "<div class=\"grid2\"><figure><figcaption>Time waited by object</figcaption>"
            body += bars(rows(locks.byObject).map { ($0.object, $0.totalMs, WorkloadRules.formatMilliseconds($0.totalMs) + " · " + AnalyzeFormatting.counted($0.count, "wait")) })
            body += "</figure><figure><figcaption>Waits by lock mode</figcaption>"
            body += bars(locks.byMode.map { ($0.name, Double($0.count), AnalyzeFormatting.grouped($0.count)) }) + "</figure></div>"
            var tableBody = ""
            for wait in rows(locks.longest) {
                tableBody += "<tr>" + number(wait.waitedMs, WorkloadRules.formatMilliseconds(wait.waitedMs)) + cell("\(wait.pid)")
                tableBody += cell(AnalyzeFormatting.who(user: wait.user, database: wait.database, application: wait.application))
                tableBody += cell(wait.mode) + cell(wait.object + (wait.relation.map { " in " + $0 } ?? "")) + cell(wait.outcome)
                tableBody += cell(wait.heldBy.isEmpty ? nil : wait.heldBy.map(String.init).joined(separator: ", "))
                tableBody += "<td class=\"query\">" + (wait.statement.map { "<pre>\(escape($0))</pre>" } ?? "–") + "</td></tr>"
            }
            body += table([("waited", true), ("pid", false), ("who", false), ("mode", false), ("on", false), ("outcome", false),
                           ("held by", false), ("statement", false)], tableBody)
        }
        let deadlocks = operations.deadlocks
        if deadlocks.count > 0 {
            body += "<h3 class=\"subhead\">Deadlocks: \(AnalyzeFormatting.grouped(deadlocks.count))</h3>"
            for deadlock in rows(deadlocks.deadlocks) {
                body += "<article class=\"finding error\"><h3>\(escape(deadlock.file)):\(deadlock.line)"
                if let time = deadlock.time { body += " at \(AnalyzeFormatting.timestamp(time))" }
                if let pid = deadlock.pid { body += " — process \(pid) cancelled" }
                body += "</h3><dl>"
                for wait in deadlock.waits {
                    body += "<dt>\(wait.pid)</dt><dd>waits for \(escape(wait.mode)) on \(escape(wait.object))"
                    body += wait.blockedBy.map { ", blocked by <b>\($0)</b>" } ?? ""
                    body += "</dd>"
                }
                for statement in deadlock.statements {
                    body += "<dt>\(statement.pid)</dt><dd><pre>\(escape(statement.statement))</pre></dd>"
                }
                if let context = deadlock.context { body += "<dt>context</dt><dd>\(escape(context))</dd>" }
                body += "</dl></article>"
            }
            body += Self.more(deadlocks.count, shown: min(deadlocks.deadlocks.count, top == 0 ? .max : top), noun: "deadlocks")
        }
        return Self.section("locks", "Lock waits and deadlocks",
                       "\(AnalyzeFormatting.counted(locks.waits, "wait")), \(AnalyzeFormatting.counted(deadlocks.count, "deadlock"))", body)
    }

    private func card(_ label: String, _ value: String) -> String {
        "<div class=\"card\"><div class=\"value\">\(escape(value))</div><div class=\"label\">\(escape(label))</div></div>"
    }

    private func temporaryFiles() -> String {
        let files = operations.temporaryFiles
        var body = "<div class=\"cards\">" + card("files", AnalyzeFormatting.grouped(files.count)) + card("total", AnalyzeFormatting.size(files.totalBytes))
        body += card("largest", AnalyzeFormatting.size(files.maxBytes)) + card("without statement", String(files.withoutStatement)) + "</div>"
        var tableBody = ""
        for statement in rows(files.statements) {
            tableBody += "<tr>" + number(Double(statement.totalBytes), AnalyzeFormatting.size(statement.totalBytes))
            tableBody += number(Double(statement.count), AnalyzeFormatting.grouped(statement.count))
            tableBody += number(Double(statement.maxBytes), AnalyzeFormatting.size(statement.maxBytes))
            tableBody += "<td class=\"query\"><details><summary>\(escape(AnalyzeFormatting.oneLine(statement.query, limit: 110)))</summary>"
            tableBody += "<pre>\(escape(statement.example))</pre></details></td></tr>"
        }
        body += table([("total", true), ("files", true), ("largest", true), ("statement", false)], tableBody)
        return Self.section("temporary-files", "Temporary files", "\(AnalyzeFormatting.grouped(files.count)), \(AnalyzeFormatting.size(files.totalBytes))", body)
    }

    private func checkpoints() -> String {
        let checkpoints = operations.checkpoints
        var body = "<div class=\"cards\">" + card("completed", AnalyzeFormatting.grouped(checkpoints.completed))
        body += card("buffers written", AnalyzeFormatting.grouped(checkpoints.buffersWritten))
        body += card("write", String(format: "%.3f s", checkpoints.writeSeconds)) + card("sync", String(format: "%.3f s", checkpoints.syncSeconds))
        body += card("total", String(format: "%.3f s", checkpoints.totalSeconds)) + card("longest", String(format: "%.3f s", checkpoints.maxTotalSeconds))
        body += "</div><div class=\"cards\">" + card("distance", AnalyzeFormatting.size(Int(checkpoints.distanceKB * 1024)))
        body += card("largest distance", AnalyzeFormatting.size(Int(checkpoints.maxDistanceKB * 1024)))
        body += card("too frequent", String(checkpoints.tooFrequent)) + card("restartpoints", String(checkpoints.restartpoints))
        body += "</div><figure><figcaption>By cause</figcaption>"
        body += bars(checkpoints.byCause.map { ($0.name, Double($0.count), AnalyzeFormatting.grouped($0.count)) })
        body += "<p class=\"meta\">WAL files: \(checkpoints.walFilesAdded) added, \(checkpoints.walFilesRemoved) removed, \(checkpoints.walFilesRecycled) recycled"
        if checkpoints.tooFrequent > 0 { body += "; \(checkpoints.tooFrequent) warnings that checkpoints occur too frequently (raise max_wal_size)" }
        body += "</p></figure>"
        return Self.section("checkpoints", "Checkpoints", AnalyzeFormatting.counted(checkpoints.completed, "checkpoint"), body)
    }

    private func maintenance() -> String {
        let maintenance = operations.maintenance
        var tableBody = ""
        let shown = rows(maintenance.tables)
        for table in shown {
            tableBody += "<tr>" + cell(table.table) + number(Double(table.vacuums), String(table.vacuums))
            tableBody += number(table.vacuumSeconds, String(format: "%.2f s", table.vacuumSeconds))
            tableBody += number(table.maxVacuumSeconds, String(format: "%.2f s", table.maxVacuumSeconds))
            tableBody += number(Double(table.tuplesRemoved), AnalyzeFormatting.grouped(table.tuplesRemoved))
            tableBody += number(Double(table.aggressiveVacuums + table.wraparoundVacuums), "\(table.aggressiveVacuums) / \(table.wraparoundVacuums)")
            tableBody += number(Double(table.analyzes), String(table.analyzes))
            tableBody += number(table.analyzeSeconds, String(format: "%.2f s", table.analyzeSeconds)) + "</tr>"
        }
        let body = table([("table", false), ("vacuums", true), ("vacuum time", true), ("longest", true), ("tuples removed", true),
                          ("aggressive / wraparound", true), ("analyzes", true), ("analyze time", true)], tableBody)
            + Self.more(maintenance.tables.count, shown: shown.count, noun: "tables")
        return Self.section("autovacuum", "Autovacuum and autoanalyze",
                       "\(AnalyzeFormatting.counted(maintenance.vacuums, "vacuum")), \(AnalyzeFormatting.counted(maintenance.analyzes, "analyze"))", body)
    }

    private func connections() -> String {
        let connections = operations.connections
        var body = "<div class=\"cards\">" + card("authorized", AnalyzeFormatting.grouped(connections.authorized))
        body += card("received", AnalyzeFormatting.grouped(connections.received)) + card("disconnections", AnalyzeFormatting.grouped(connections.disconnections))
        body += card("peak sessions", connections.peakSessions.map { String($0.sessions) } ?? "–")
        if connections.disconnections > 0 {
            body += card("mean session", WorkloadRules.formatSeconds(connections.sessionSeconds / Double(connections.disconnections)))
            body += card("longest session", WorkloadRules.formatSeconds(connections.maxSessionSeconds))
        }
        body += "</div>"
        if let peak = connections.peakSessions { body += "<p class=\"meta\">peak: \(escape(peak.description))</p>" }
        body += "<div class=\"grid2\">"
        if !connections.sessionDurations.isEmpty {
            body += "<figure><figcaption>Session durations</figcaption>"
            body += bars(connections.sessionDurations.map { ($0.name, Double($0.count), AnalyzeFormatting.grouped($0.count)) }) + "</figure>"
        }
        for (title, tallies) in [("database", connections.byDatabase), ("user", connections.byUser),
                                 ("application", connections.byApplication), ("host", connections.byHost)] where !tallies.isEmpty {
            let shown = Array(rows(tallies))
            body += "<figure><figcaption>Connections by \(title)</figcaption>"
            body += bars(shown.map { ($0.name, Double($0.count), AnalyzeFormatting.grouped($0.count)) })
            body += Self.more(tallies.count, shown: shown.count, noun: "\(title)s") + "</figure>"
        }
        body += "</div>"
        return Self.section("connections", "Connections", "\(AnalyzeFormatting.grouped(connections.authorized)) authorized", body)
    }

    static let style = """
    .fold>summary{list-style:none;cursor:pointer}.fold>summary::-webkit-details-marker{display:none}
    .fold>summary h2::before{content:"\\25BE  ";color:var(--muted)}.fold:not([open])>summary h2::before{content:"\\25B8  "}
    .fold>summary h2{display:inline-block}
    .grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:16px;align-items:start}
    .bars{display:grid;gap:4px}.barrow{display:grid;grid-template-columns:minmax(80px,38%) 1fr 120px;gap:8px;align-items:center;font-size:12px}
    .barlabel{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:ui-monospace,Menlo,monospace}
    .bartrack{background:#eef1f5;border-radius:3px;height:14px;overflow:hidden}.barfill{display:block;height:100%;background:var(--accent);border-radius:3px}
    .barvalue{color:var(--muted);white-space:nowrap;font-variant-numeric:tabular-nums}
    .group>summary{cursor:pointer;padding:10px 14px;background:#fff;border:1px solid var(--line);border-radius:8px;margin-bottom:8px}
    .group[open]>summary{margin-bottom:8px}.group>summary code{font-weight:600}.group .finding{margin-left:16px}
    .subhead{margin:18px 0 8px}td.nowrap{white-space:nowrap}
    @media (max-width:900px){.grid2{grid-template-columns:1fr}}
    """
}

extension AnalyzeFormatting {
    static func escapeHTML(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }
}
