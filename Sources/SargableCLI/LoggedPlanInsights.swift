import SargableLogs
import SargablePlan
import SargableRules

/// The plan-insight rules `explain` runs, on the plans a log holds (auto_explain): a statement's
/// example plan shows what it did when it ran in production.
enum LoggedPlanInsights {
    /// Findings for every statement with a logged plan, in the report's order (heaviest first),
    /// and one problem per plan that could not be read.
    static func findings(in report: WorkloadReport) -> (findings: [WorkloadPlanFinding], unreadable: [String]) {
        var findings: [WorkloadPlanFinding] = []
        var unreadable: [String] = []
        for query in report.queries {
            guard let logged = query.plan else { continue }
            let plan: ExplainPlan
            do throws(PlanDecodingError) {
                plan = try ExplainPlan.decode(logged: logged)
            } catch {
                unreadable.append("the logged plan of statement \(query.fingerprint) could not be read: \(error.description)")
                continue
            }
            for found in PlanChecks.run(plan) {
                findings.append(WorkloadPlanFinding(finding: found.finding, fingerprint: query.fingerprint, query: query.query,
                                                    calls: query.calls, totalMs: query.totalMs))
            }
        }
        return (findings, unreadable)
    }
}
