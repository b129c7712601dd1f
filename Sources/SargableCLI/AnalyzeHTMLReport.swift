import SargableLogs

struct AnalyzeHTMLReport {
    let report: WorkloadReport
    let top: Int
    func render() -> String { "" }
}
