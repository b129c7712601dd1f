import Foundation
import SargableCore
import SargableLogs

/// One self-contained HTML page: summary, inline SVG charts (statements by total time, rate over
/// time), findings with their evidence, and sortable tables. No external assets.
struct AnalyzeHTMLReport {
    let report: WorkloadReport
    let top: Int

    func render() -> String {
        let summary = report.summary
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>sargable analyze</title>
        <style>\(Self.style)\(AnalyzeOperationsHTML.style)</style>
        </head><body>
        <header><h1>sargable analyze</h1><p class="sub">\(escape(subtitle))</p></header>
        <section class="cards">
        \(card("executions", AnalyzeFormatting.grouped(summary.executions)))
        \(card("statements", AnalyzeFormatting.grouped(summary.fingerprints)))
        \(card("sessions", AnalyzeFormatting.grouped(summary.sessions)))
        \(card("errors", AnalyzeFormatting.grouped(summary.errors)))
        \(card("total time", WorkloadRules.formatMilliseconds(report.queries.reduce(0) { $0 + $1.totalMs })))
        \(card("findings", String(report.findings.count + report.planFindings.count)))
        </section>
        <section class="charts">
        <figure><figcaption>Top statements by total time</figcaption>\(totalTimeChart())</figure>
        <figure><figcaption>Executions per \(bucketName)</figcaption>\(rateChart())</figure>
        </section>
        """
        html += findingsSection()
        html += planFindingsSection()
        html += statementsSection()
        html += AnalyzeOperationsHTML(report: report, top: top).render()
        html += filesSection()
        html += "<script>\(Self.script)</script></body></html>\n"
        return html
    }

    private var bucketName: String {
        let seconds = report.summary.timelineBucketSeconds
        switch seconds {
        case 1: return "second"
        case 60: return "minute"
        case 3600: return "hour"
        case 86400: return "day"
        default: return seconds % 3600 == 0 ? "\(seconds / 3600) hours" : seconds % 60 == 0 ? "\(seconds / 60) minutes" : "\(seconds) seconds"
        }
    }

    private var subtitle: String {
        let summary = report.summary
        var parts: [String] = []
        if let first = summary.firstSeen, let last = summary.lastSeen {
            parts.append("\(AnalyzeFormatting.timestamp(first)) – \(AnalyzeFormatting.timestamp(last))")
        }
        if let format = summary.format { parts.append(format) }
        if let prefix = summary.logLinePrefix { parts.append("log_line_prefix '\(prefix)'") }
        if summary.unreadableLines > 0 { parts.append("\(AnalyzeFormatting.grouped(summary.unreadableLines)) unreadable lines") }
        return parts.joined(separator: " · ")
    }

    private func card(_ label: String, _ value: String) -> String {
        "<div class=\"card\"><div class=\"value\">\(escape(value))</div><div class=\"label\">\(escape(label))</div></div>"
    }

    // MARK: charts

    private func totalTimeChart() -> String {
        let queries = Array(report.queries.prefix(10)).filter { $0.totalMs > 0 }
        guard let largest = queries.map(\.totalMs).max(), largest > 0 else { return "<p class=\"empty\">no timed statements</p>" }
        let rowHeight = 26, labelWidth = 330, barWidth = 250, width = labelWidth + barWidth + 90
        var svg = "<svg viewBox=\"0 0 \(width) \(queries.count * rowHeight + 6)\" role=\"img\" aria-label=\"top statements by total time\">"
        for (index, query) in queries.enumerated() {
            let y = index * rowHeight + 3
            let length = max(2, Int(Double(barWidth) * query.totalMs / largest))
            let label = AnalyzeFormatting.oneLine(query.query, limit: 48)
            svg += "<g><title>\(escape(AnalyzeFormatting.oneLine(query.query, limit: 400)))</title>"
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" class=\"label\">\(escape(label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(length)\" height=\"\(rowHeight - 8)\" rx=\"3\" class=\"bar\"/>"
            svg += "<text x=\"\(labelWidth + length + 6)\" y=\"\(y + 17)\" class=\"value\">\(escape(WorkloadRules.formatMilliseconds(query.totalMs)))</text></g>"
        }
        return svg + "</svg>"
    }

    private func rateChart() -> String {
        let points = report.timeline
        guard let first = points.first, let last = points.last else { return "<p class=\"empty\">no timestamps</p>" }
        let width = 640.0, height = 220.0, left = 48.0, bottom = 28.0, top = 10.0, right = 12.0
        let bucket = Double(report.summary.timelineBucketSeconds)
        let span = max(last.time - first.time + bucket, bucket * 10)
        let peak = Double(points.map(\.executions).max() ?? 1)
        func x(_ time: Double) -> Double { left + (time - first.time) / span * (width - left - right) }
        func y(_ value: Int) -> Double { height - bottom - Double(value) / peak * (height - bottom - top) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"executions per minute\">"
        for step in 0 ... 4 {
            let value = Int((peak * Double(step) / 4).rounded())
            let lineY = y(value)
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(lineY)\" y2=\"\(lineY)\" class=\"grid\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(lineY + 4)\" text-anchor=\"end\" class=\"axis\">\(AnalyzeFormatting.grouped(value))</text>"
        }
        let barWidth = max(1, (width - left - right) * bucket / span - 1)
        for point in points {
            let top = y(point.executions)
            svg += "<rect x=\"\(x(point.time))\" y=\"\(top)\" width=\"\(barWidth)\" height=\"\(height - bottom - top)\" class=\"rate\">"
            svg += "<title>\(AnalyzeFormatting.timestamp(point.time)): \(AnalyzeFormatting.counted(point.executions, "execution"))</title></rect>"
        }
        svg += "<text x=\"\(left)\" y=\"\(height - 8)\" class=\"axis\">\(AnalyzeFormatting.timestamp(first.time))</text>"
        svg += "<text x=\"\(width - right)\" y=\"\(height - 8)\" text-anchor=\"end\" class=\"axis\">\(AnalyzeFormatting.timestamp(last.time))</text>"
        return svg + "</svg>"
    }

    // MARK: sections

    /// Findings grouped by rule and statement: one collapsible group per pair, saying in how many
    /// sessions it was found, with each session's evidence inside.
    private func findingsSection() -> String {
        var html = "<section id=\"findings\"><h2>Findings</h2>"
        if report.findings.isEmpty { return html + "<p class=\"empty\">no workload findings</p></section>" }
        var order: [String] = []
        var groups: [String: [WorkloadFinding]] = [:]
        for finding in report.findings {
            let key = finding.rule + "\u{0}" + finding.fingerprint
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(finding)
        }
        for key in order {
            let findings = groups[key] ?? []
            guard let first = findings.first else { continue }
            let severity = first.finding.severity.rawValue
            let sessions = Set(findings.map { ($0.finding.file ?? "") + "\u{0}" + $0.session }).count
            let executions = findings.reduce(0) { $0 + $1.count }
            let total = findings.reduce(0.0) { $0 + $1.totalMs }
            // Open only when short: a rule found in many sessions is read by its summary first.
            html += "<details class=\"group\"\(report.findings.count <= 5 ? " open" : "")><summary><span class=\"badge \(severity)\">\(severity)</span> "
            html += "<code>\(escape(first.rule))</code> \(escape(AnalyzeFormatting.oneLine(first.query, limit: 90)))"
            html += " <span class=\"hint\">in \(AnalyzeFormatting.counted(sessions, "session")), "
            html += "\(AnalyzeFormatting.counted(executions, "execution")), \(escape(WorkloadRules.formatMilliseconds(total)))</span></summary>"
            let shown = top > 0 ? Array(findings.prefix(top)) : findings
            for finding in shown { html += article(finding) }
            if findings.count > shown.count {
                html += "<p class=\"hint\">\(shown.count) of \(findings.count) findings — <code>--top 0</code> for all</p>"
            }
            html += "</details>"
        }
        return html + "</section>"
    }

    private func article(_ finding: WorkloadFinding) -> String {
        let severity = finding.finding.severity.rawValue
        var html = "<article class=\"finding \(severity)\"><h3><span class=\"badge \(severity)\">\(severity)</span> "
        html += "<code>\(escape(finding.rule))</code> \(escape(finding.finding.message))</h3><dl>"
        var who = "session \(finding.session)"
        if let pid = finding.pid, String(pid) != finding.session { who += ", pid \(pid)" }
        if let user = finding.user { who += ", \(user)" + (finding.database.map { "@" + $0 } ?? "") }
        if let application = finding.application { who += ", \(application)" }
        html += row("where", "\(finding.finding.file ?? ""):\(finding.firstLine)–\(finding.lastLine) (\(who))")
        var evidence = AnalyzeFormatting.evidence(finding)
        if finding.runs > 1 { evidence += ", \(finding.runs) runs" }
        html += row("evidence", evidence)
        html += "<dt>query</dt><dd><pre>\(escape(finding.query))</pre></dd>"
        if let parent = finding.parent { html += "<dt>after</dt><dd><pre>\(escape(parent.query))</pre></dd>" }
        html += row("help", finding.finding.help)
        return html + "</dl></article>"
    }

    /// The plan-insight rules on the logged plans (auto_explain); nothing when the log has none.
    private func planFindingsSection() -> String {
        guard !report.planFindings.isEmpty else { return "" }
        var html = ""
        let shown = top > 0 ? Array(report.planFindings.prefix(top)) : report.planFindings
        for finding in shown {
            let severity = finding.finding.severity.rawValue
            html += "<article class=\"finding \(severity)\"><h3><span class=\"badge \(severity)\">\(severity)</span> "
            html += "<code>\(escape(finding.finding.rule))</code> \(escape(finding.finding.message))</h3><dl>"
            html += row("evidence", "\(AnalyzeFormatting.counted(finding.calls, "execution")), \(WorkloadRules.formatMilliseconds(finding.totalMs)) in all, fingerprint \(finding.fingerprint)")
            html += "<dt>query</dt><dd><pre>\(escape(finding.query))</pre></dd>"
            html += row("help", finding.finding.help) + "</dl></article>"
        }
        html += AnalyzeOperationsHTML.more(report.planFindings.count, shown: shown.count, noun: "plan findings")
        return AnalyzeOperationsHTML.section("plan-findings", "Plan findings", "from the plans auto_explain wrote into the log", html)
    }

    private func row(_ label: String, _ value: String) -> String {
        "<dt>\(escape(label))</dt><dd>\(escape(value))</dd>"
    }

    private func statementsSection() -> String {
        let queries = top > 0 ? Array(report.queries.prefix(top)) : report.queries
        var html = "<section><h2>Statements <span class=\"hint\">(click a column to sort)</span></h2><table class=\"sortable\"><thead><tr>"
        for (title, numeric) in [("total", true), ("calls", true), ("mean", true), ("p95", true), ("max", true),
                                 ("errors", true), ("sessions", true), ("query", false)] {
            html += "<th data-numeric=\"\(numeric)\">\(title)</th>"
        }
        html += "</tr></thead><tbody>"
        for query in queries {
            html += "<tr>"
            html += number(query.totalMs, WorkloadRules.formatMilliseconds(query.totalMs))
            html += number(Double(query.calls), AnalyzeFormatting.grouped(query.calls))
            html += number(query.meanMs, WorkloadRules.formatMilliseconds(query.meanMs))
            html += number(query.p95Ms ?? -1, query.p95Ms.map(WorkloadRules.formatMilliseconds) ?? "–")
            html += number(query.maxMs, WorkloadRules.formatMilliseconds(query.maxMs))
            html += number(Double(query.errors), String(query.errors))
            html += number(Double(query.sessions), String(query.sessions))
            html += "<td class=\"query\"><details><summary>\(escape(AnalyzeFormatting.oneLine(query.query, limit: 110)))</summary>"
            html += "<pre>\(escape(query.query))</pre><p class=\"meta\">fingerprint \(escape(query.fingerprint))</p>"
            html += "<p class=\"meta\">example</p><pre>\(escape(query.example))</pre>"
            if let parameters = query.parameters { html += "<p class=\"meta\">parameters: \(escape(parameters))</p>" }
            if let plan = query.plan { html += "<p class=\"meta\">plan (auto_explain)</p><pre>\(escape(plan))</pre>" }
            html += "</details></td></tr>"
        }
        html += "</tbody></table>"
        if report.queries.count > queries.count {
            html += "<p class=\"hint\">\(queries.count) of \(AnalyzeFormatting.grouped(report.queries.count)) statements — <code>--top 0</code> for all</p>"
        }
        return html + "</section>"
    }

    private func number(_ value: Double, _ text: String) -> String {
        "<td class=\"num\" data-value=\"\(value)\">\(escape(text))</td>"
    }

    private func filesSection() -> String {
        var html = "<section><h2>Inputs</h2><table class=\"sortable\"><thead><tr><th data-numeric=\"false\">file</th>"
        html += "<th data-numeric=\"false\">format</th><th data-numeric=\"false\">log_line_prefix</th>"
        html += "<th data-numeric=\"true\">entries</th><th data-numeric=\"true\">unreadable lines</th></tr></thead><tbody>"
        for file in report.summary.files {
            html += "<tr><td>\(escape(file.path))</td><td>\(escape(file.format))\(file.compression == "none" ? "" : " (\(file.compression))")</td>"
            html += "<td><code>\(escape(file.logLinePrefix ?? "–"))</code></td>"
            html += number(Double(file.entries), AnalyzeFormatting.grouped(file.entries))
            var unreadable = AnalyzeFormatting.grouped(file.unreadableLines)
            if !file.unreadableLineNumbers.isEmpty {
                unreadable += " (lines " + file.unreadableLineNumbers.map(String.init).joined(separator: ", ") + ")"
            }
            html += number(Double(file.unreadableLines), unreadable) + "</tr>"
        }
        return html + "</tbody></table></section>"
    }

    private func escape(_ text: String) -> String { AnalyzeFormatting.escapeHTML(text) }

    private static let style = """
    :root{--ink:#1d2430;--muted:#5b6573;--line:#e3e6eb;--accent:#2f6fde;--warn:#c77700;--info:#1b8a9a;--err:#c0392b}
    *{box-sizing:border-box}body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f6f7f9}
    h1{margin:0;font-size:24px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:0 0 8px;font-weight:600}
    .sub{color:var(--muted);margin:4px 0 0}.hint{color:var(--muted);font-weight:normal;font-size:13px}
    .cards{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin:20px 0}
    .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
    .card .value{font-size:22px;font-weight:600}.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
    .charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}
    figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
    figcaption{font-weight:600;margin-bottom:8px}svg{width:100%;height:auto;font-size:12px}
    svg .bar{fill:var(--accent)}svg .rate{fill:#7aa5ef}svg .label{fill:var(--ink);font-family:ui-monospace,Menlo,monospace;font-size:11px}
    svg .value,svg .axis{fill:var(--muted)}svg .grid{stroke:var(--line)}
    .finding{background:#fff;border:1px solid var(--line);border-left:4px solid var(--warn);border-radius:8px;padding:12px 16px;margin-bottom:12px}
    .finding.info{border-left-color:var(--info)}.finding.error{border-left-color:var(--err)}
    .badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;background:var(--warn);vertical-align:1px}
    .badge.info{background:var(--info)}.badge.error{background:var(--err)}
    dl{display:grid;grid-template-columns:80px 1fr;gap:4px 12px;margin:0}dt{color:var(--muted)}dd{margin:0}
    pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,Menlo,monospace;background:#f3f5f8;padding:6px 8px;border-radius:4px}
    table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px}
    th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
    th{cursor:pointer;user-select:none;background:#fafbfc;font-weight:600;white-space:nowrap}th[data-numeric=true]{text-align:right}th[data-sorted]::after{content:" \\25BE"}
    th[data-sorted=asc]::after{content:" \\25B4"}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
    td.query summary{cursor:pointer;font-family:ui-monospace,Menlo,monospace;font-size:12px}.meta{color:var(--muted);margin:6px 0 2px;font-size:12px}
    .empty{color:var(--muted)}
    @media (max-width:900px){.cards{grid-template-columns:repeat(3,1fr)}.charts{grid-template-columns:1fr}}
    """

    private static let script = """
    document.querySelectorAll("table.sortable").forEach(function(table){
      table.querySelectorAll("th").forEach(function(th,column){
        th.addEventListener("click",function(){
          var ascending=th.getAttribute("data-sorted")==="desc";
          table.querySelectorAll("th").forEach(function(other){other.removeAttribute("data-sorted")});
          th.setAttribute("data-sorted",ascending?"asc":"desc");
          var numeric=th.getAttribute("data-numeric")==="true";var body=table.tBodies[0];
          var rows=Array.prototype.slice.call(body.rows);
          rows.sort(function(a,b){
            var x=a.cells[column],y=b.cells[column];
            var order=numeric?parseFloat(x.getAttribute("data-value"))-parseFloat(y.getAttribute("data-value"))
                             :x.textContent.localeCompare(y.textContent);
            return ascending?order:-order;});
          rows.forEach(function(row){body.appendChild(row)});
        });
      });
    });
    """
}
